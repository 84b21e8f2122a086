#!/usr/bin/env bash
# goreleaser's before hook (.goreleaser.yaml): the generated files that
# packaging/nfpm.yaml takes from bin/pkg/stage (packaging/package.sh), made
# the same way into bin/release-stage for the release's packages:
# sentrypeer.1.gz and changelog.Debian.gz. The man page and the config file
# are the checked-in ones (a test in packaging/mangen keeps them fresh).
#
#   container/release-stage.sh VERSION COMMIT-DATE
#
# SENTRYPEER_MAINTAINER ("Name <email>") as in packaging/package.sh.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 VERSION COMMIT-DATE" >&2
  exit 2
fi
# goreleaser's deb version: '-' becomes '~', and the release is 1.
version=${1//-/\~}-1
epoch=$(date -d "$2" +%s)
maintainer=${SENTRYPEER_MAINTAINER:-SentryPeer <packaging@sentrypeer.org>}
stage=bin/release-stage

rm -rf "$stage"
mkdir -p "$stage"
gzip -9n <packaging/sentrypeer.1 >"$stage/sentrypeer.1.gz"
sed -e "s|@VERSION@|$version|" -e "s|@MAINTAINER@|$maintainer|" \
  -e "s|@DATE@|$(LC_ALL=C date -u -R -d "@$epoch")|" \
  packaging/changelog.Debian | gzip -9n >"$stage/changelog.Debian.gz"
touch -d "@$epoch" "$stage"/*
