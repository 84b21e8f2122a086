#!/usr/bin/env bash
# Lays out a build context for the "prebuilt" stage of container/Containerfile
# from a binary built outside (make build): rootfs/ with the binary, the CA
# bundle and the user entries, and data/sentrypeer/, the empty data folder.
#
#   container/context.sh BINARY DIR
#
# DIR is emptied first. CA_BUNDLE overrides the CA bundle (default: Debian's
# ca-certificates, /etc/ssl/certs/ca-certificates.crt).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BINARY DIR" >&2
  exit 2
fi
bin=$1 dir=$2
here=$(cd "$(dirname "$0")" && pwd)
ca=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

[ -x "$bin" ] || { echo "$0: $bin: no such executable (make build)" >&2; exit 1; }
[ -s "$ca" ] || { echo "$0: $ca: no CA bundle (apt-get install ca-certificates, or set CA_BUNDLE)" >&2; exit 1; }
# A scratch image has no dynamic loader: the binary must be static.
if [ "$(head -c 4 "$bin" | od -An -c | tr -d ' ')" != '177ELF' ]; then
  echo "$0: $bin is not an ELF (linux) binary" >&2
  exit 1
fi
if grep -qa -e '/ld-linux' -e '/ld-musl' "$bin"; then
  echo "$0: $bin is dynamically linked; build it with CGO_ENABLED=0" >&2
  exit 1
fi

rm -rf "$dir"
mkdir -p "$dir/rootfs/usr/bin" "$dir/rootfs/etc/ssl/certs" "$dir/rootfs/var/lib" "$dir/data/sentrypeer"
cp "$bin" "$dir/rootfs/usr/bin/sentrypeer"
cp "$ca" "$dir/rootfs/etc/ssl/certs/ca-certificates.crt"
cp "$here/passwd" "$here/group" "$dir/rootfs/etc/"
chmod 0755 "$dir/rootfs/usr/bin/sentrypeer"
chmod 0644 "$dir/rootfs/etc/passwd" "$dir/rootfs/etc/group" "$dir/rootfs/etc/ssl/certs/ca-certificates.crt"
chmod 0750 "$dir/data/sentrypeer"
