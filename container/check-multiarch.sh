#!/usr/bin/env bash
# make check-multiarch: what the release workflow's image job does, here:
# the image for linux/amd64, linux/arm64 and linux/arm/v7 under one tag,
# pushed to a registry and read back. No registry can be reached from these
# machines, so the test starts Debian's (docker-registry) on a free port of
# 127.0.0.1 with its storage in a temporary folder. The images are the
# Containerfile's prebuilt target around binaries cross-built here (its
# final stage needs the golang image, which cannot be pulled); that target
# only copies files, so no emulation is needed, as in the workflow. Checks:
# the registry's manifest list names the three platforms; each platform's
# image holds a static binary for its machine (readelf); the amd64 image
# pulled back from the registry runs `sentrypeer -V`. The registry, its
# storage and the images are removed however the test ends.
#
#   container/check-multiarch.sh
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
LDFLAGS=${LDFLAGS:--s -w}
say() { printf 'check-multiarch: %s\n' "$*"; }
die() { printf 'check-multiarch: FAIL: %s\n' "$*" >&2; exit 1; }

for tool in podman runc docker-registry skopeo jq readelf ss "$GO"; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (./.ci/install-peers)"
done
pm() { podman --runtime runc "$@"; }

tmp=$(mktemp -d)
registry_pid=
list=localhost/sentrypeer-multiarch-test:$$
cleanup() {
  local rc=$?
  if [ -n "$registry_pid" ]; then
    kill "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
  fi
  pm manifest rm "$list" >/dev/null 2>&1 || true
  if [ -f "$tmp/images" ]; then
    while read -r id; do
      pm rmi -f "$id" >/dev/null 2>&1 || true
    done <"$tmp/images"
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# shellcheck source=container/free-port.sh
. container/free-port.sh
free_port
cat >"$tmp/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $tmp/storage
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$tmp/registry.yml" >"$tmp/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break
  kill -0 "$registry_pid" 2>/dev/null || die "the registry exited: $(cat "$tmp/registry.log")"
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/v2/" >/dev/null || die "the registry did not answer on 127.0.0.1:$port"
remote=127.0.0.1:$port/sentrypeer:test
say "registry on 127.0.0.1:$port (pid $registry_pid)"

# machine_of FILE WANT: prints FILE's ELF machine (readelf's words); fails
# unless they contain WANT.
machine_of() {
  local m
  m=$(readelf -h "$1" | awk -F: '/Machine:/ { gsub(/^ +/, "", $2); print $2 }')
  echo "$m"
  case $m in *"$2"*) return 0 ;; esac
  return 1
}

# platform, GOARCH, GOARM, readelf's machine
platforms=(
  "linux/amd64 amd64 - X86-64"
  "linux/arm64 arm64 - AArch64"
  "linux/arm/v7 arm 7 ARM"
)
for p in "${platforms[@]}"; do
  read -r platform goarch goarm machine <<<"$p"
  [ "$goarm" = - ] && goarm=
  bin=$tmp/sentrypeer-${platform//\//-}
  CGO_ENABLED=0 GOOS=linux GOARCH=$goarch GOARM=$goarm "$GO" build -trimpath -ldflags "$LDFLAGS" -o "$bin" ./cmd/sentrypeer
  got=$(machine_of "$bin" "$machine") || die "$platform: the binary is for $got, want $machine"
  container/context.sh "$bin" "$tmp/ctx" >/dev/null
  # --layers=false: no intermediate image of the stages is kept. The
  # build argument only quiets buildah about the builder stage's, unused.
  pm build --quiet --layers=false --platform "$platform" --build-arg TARGETVARIANT="${goarm:+v$goarm}" \
    --manifest "$list" -f container/Containerfile --target prebuilt "$tmp/ctx" \
    >>"$tmp/images" 2>"$tmp/build.log" || die "$platform: podman build: $(cat "$tmp/build.log")"
  say "$platform: built ($got)"
done

pm manifest push --quiet --all --tls-verify=false "$list" "docker://$remote" >/dev/null
raw=$(skopeo inspect --raw --tls-verify=false "docker://$remote")
got=$(jq -r '[.manifests[].platform | .os + "/" + .architecture + (if .variant then "/" + .variant else "" end)] | sort | join(" ")' <<<"$raw")
[ "$got" = "linux/amd64 linux/arm/v7 linux/arm64" ] || die "the registry's manifest list has: $got"
say "pushed: the manifest list names $got"

# Each platform's image, read back from the registry: its binary is for its
# machine and static.
for p in "${platforms[@]}"; do
  read -r platform goarch goarm machine <<<"$p"
  variant=
  [ "$goarm" = - ] || variant=v$goarm
  rm -rf "$tmp/pulled"
  skopeo copy --quiet --src-tls-verify=false --override-os linux --override-arch "$goarch" \
    ${variant:+--override-variant "$variant"} "docker://$remote" "dir:$tmp/pulled"
  found=
  for layer in "$tmp"/pulled/*; do
    # grep reads it all: with -q, tar would die of SIGPIPE and fail the pipe.
    tar -tzf "$layer" 2>/dev/null | grep -x 'usr/bin/sentrypeer' >/dev/null || continue
    tar -xzf "$layer" -C "$tmp/pulled" usr/bin/sentrypeer
    found=1
  done
  [ -n "$found" ] || die "$platform: no usr/bin/sentrypeer in the pulled image"
  got=$(machine_of "$tmp/pulled/usr/bin/sentrypeer" "$machine") || die "$platform: the pulled binary is for $got, want $machine"
  readelf -l "$tmp/pulled/usr/bin/sentrypeer" | grep -q 'INTERP' && die "$platform: the pulled binary is dynamically linked"
  say "$platform: pulled back, static $got binary"
done

# The amd64 image runs, pulled from the registry as an operator would.
pm pull --quiet --tls-verify=false --platform linux/amd64 "$remote" >>"$tmp/images"
out=$(pm run --rm --network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 "$remote" -V)
grep -q '^sentrypeer ' <<<"$out" || die "sentrypeer -V in the pulled image said: $out"
say "the pulled linux/amd64 image runs: $(head -1 <<<"$out")"
