#!/usr/bin/env bash
# Builds bin/pkg/sentrypeer_*.deb and bin/pkg/sentrypeer-*.rpm from
# bin/sentrypeer with nfpm (packaging/nfpm.yaml), and prints their sizes.
# Run from the module root by "make package", which passes:
#   VERSION  the binary's version (git describe), made valid for deb and rpm
#   DATE     the commit's time (ISO 8601): file times and the changelog date
#   GO       the go command
# SENTRYPEER_MAINTAINER ("Name <email>") sets the packages' maintainer.
set -euo pipefail

GO=${GO:-go}
out=bin/pkg
stage=$out/stage
nfpm_version=v2.45.2

[ -x bin/sentrypeer ] || { echo "package: bin/sentrypeer is missing (make build)" >&2; exit 1; }

# nfpm, installed into GOPATH/bin once.
nfpm=$(command -v nfpm || true)
if [ -z "$nfpm" ]; then
	nfpm=$("$GO" env GOPATH)/bin/nfpm
	if [ ! -x "$nfpm" ]; then
		echo "package: installing nfpm $nfpm_version into $(dirname "$nfpm")"
		"$GO" install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$nfpm_version"
	fi
fi

# Debian wants a version starting with a digit and RPM one without '-':
#   v1.2.3 -> 1.2.3   v1.2.3-4-gabc1234 -> 1.2.3+4.gabc1234
#   v1.2.3-rc1 -> 1.2.3~rc1 (before 1.2.3)   -dirty -> .dirty
#   abc1234 or dev (no tag) -> 0.0.0~git.abc1234
v=${VERSION:-dev}
v=${v#v}
case $v in
[0-9]*.*) ;;
*) v=0.0.0~git.$v ;;
esac
v=$(sed -e 's/-\([0-9][0-9]*\)-g\([0-9a-f][0-9a-f]*\)/+\1.g\2/' -e 's/-dirty$/.dirty/' -e 's/-/~/g' <<<"$v")
case $v in
*[!0-9A-Za-z.+~]*) echo "package: cannot make a package version of $VERSION" >&2; exit 1 ;;
esac

# Reproducible: every time is the commit's.
if [ -n "${DATE:-}" ]; then
	SOURCE_DATE_EPOCH=$(date -d "$DATE" +%s)
else
	SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(stat -c %Y go.mod)}
fi
export SOURCE_DATE_EPOCH

export PKG_VERSION=$v
export PKG_ARCH=${PKG_ARCH:-$("$GO" env GOARCH)}
export PKG_MAINTAINER=${SENTRYPEER_MAINTAINER:-SentryPeer <packaging@sentrypeer.org>}

# The generated files, from the source rather than the checked-in copies
# (whose freshness the man page test checks).
rm -rf "$stage"
mkdir -p "$stage"
"$GO" run ./packaging/mangen -man "$stage/sentrypeer.1" -conf "$stage/sentrypeer.conf"
gzip -9n <"$stage/sentrypeer.1" >"$stage/sentrypeer.1.gz"
sed -e "s|@VERSION@|$v-1|" -e "s|@MAINTAINER@|$PKG_MAINTAINER|" \
	-e "s|@DATE@|$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")|" \
	packaging/changelog.Debian | gzip -9n >"$stage/changelog.Debian.gz"
touch -d "@$SOURCE_DATE_EPOCH" "$stage"/*

rm -f "$out"/*.deb "$out"/*.rpm
# Both at once: each spends seconds compressing 45 MB.
"$nfpm" package --config packaging/nfpm.yaml --packager deb --target "$out/" &
deb=$!
"$nfpm" package --config packaging/nfpm.yaml --packager rpm --target "$out/" &
rpm=$!
wait "$deb" || { echo "package: nfpm failed to make the .deb" >&2; exit 1; }
wait "$rpm" || { echo "package: nfpm failed to make the .rpm" >&2; exit 1; }
for f in "$out"/*.deb "$out"/*.rpm; do
	awk -v f="$f" -v n="$(stat -c %s "$f")" 'BEGIN{printf "%-52s %6.1f MiB\n", f, n/1048576}'
done
