#!/usr/bin/env bash
# Checks what "make package" made (run by "make check-packaging" from the
# module root): the man page and config file against their sources, the
# man page's rendering, the unit's security score and syntax, lintian on the
# .deb, the .rpm's contents and scripts, and the .deb installed, upgraded,
# removed and purged on this machine (packaging/test-install.sh; needs root),
# and the unit run under a real systemd in a container (packaging/test-systemd.sh).
# A missing tool is a failure, never a skip: ./.ci/install-peers installs them.
set -euo pipefail

GO=${GO:-go}
max_score=2.0
fail() { echo "check-packaging: $*" >&2; exit 1; }
step() { echo "check-packaging: $*"; }

for t in "$GO" man systemd-analyze lintian dpkg-deb rpm shellcheck; do
	command -v "$t" >/dev/null || fail "$t is missing (run ./.ci/install-peers)"
done
debs=(bin/pkg/*.deb) rpms=(bin/pkg/*.rpm)
if [ ${#debs[@]} != 1 ] || [ ! -f "${debs[0]}" ] || [ ${#rpms[@]} != 1 ] || [ ! -f "${rpms[0]}" ]; then
	fail "want one .deb and one .rpm in bin/pkg (make package)"
fi
deb=${debs[0]} rpm=${rpms[0]}

step "man page and config file match their sources; -h and README.md list every setting"
"$GO" test -count=1 ./packaging/mangen ./internal/config

step "man page renders without warnings"
out=$(MANWIDTH=80 man --warnings -l packaging/sentrypeer.1 2>&1 >/dev/null) || fail "man: $out"
[ -z "$out" ] || fail "man warns about packaging/sentrypeer.1: $out"

step "shellcheck"
shellcheck packaging/*.sh
shellcheck -s sh packaging/scripts/*

step "unit: systemd-analyze security"
score=$(systemd-analyze security --offline=yes --no-pager packaging/sentrypeer.service 2>&1 |
	sed -n 's/.*Overall exposure level for sentrypeer.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "no score from systemd-analyze security"
echo "  exposure score $score (at most $max_score)"
awk -v s="$score" -v m="$max_score" 'BEGIN{exit !(s <= m)}' || fail "exposure score $score is above $max_score"

step "unit: systemd-analyze verify"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
# verify wants ExecStart's binary to exist: point it at the one just built.
sed "s|/usr/bin/sentrypeer|$PWD/bin/sentrypeer|" packaging/sentrypeer.service >"$tmp/sentrypeer.service"
out=$(systemd-analyze verify --man=no "$tmp/sentrypeer.service" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"

step "lintian $(basename "$deb")"
# Every tag it prints is shown; only errors fail. (It warns when run as root.)
rc=0
out=$(lintian --fail-on error --pedantic "$deb" 2>&1) || rc=$?
grep -v '^running with root privileges' <<<"$out" || true
[ "$rc" = 0 ] || fail "lintian found errors (exit status $rc)"

step "rpm $(basename "$rpm")"
# The same files as the .deb, but for Debian's own and RPM's licence folder.
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}' |
	grep -v -e '^/usr/share/lintian/' -e '/changelog.Debian.gz$' | sort >"$tmp/deb.files"
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" 2>/dev/null | awk '$1 !~ /^d/ {print $2}' |
	grep -v '^/usr/share/licenses/' | sort >"$tmp/rpm.files"
diff -u "$tmp/deb.files" "$tmp/rpm.files" || fail "the .rpm's files differ from the .deb's"
[ "$(rpm -qpc "$rpm" 2>/dev/null)" = /etc/sentrypeer/sentrypeer.conf ] || fail "the .rpm's config files: $(rpm -qpc "$rpm")"
scripts=$(rpm -qp --scripts "$rpm" 2>/dev/null)
for want in 'useradd --system' 'systemctl daemon-reload' 'try-restart'; do
	grep -q -- "$want" <<<"$scripts" || fail "the .rpm's scripts lack $want"
done

step "install test"
packaging/test-install.sh "$deb"

step "the unit under systemd"
packaging/test-systemd.sh "$deb"
