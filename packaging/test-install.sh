#!/usr/bin/env bash
# Installs the .deb on this machine and takes it through its life: install,
# the files and the user, the service user reading its config and writing
# its data folder, an upgrade over itself that keeps the data and a local
# change to the conffile, remove (keeps both), purge (removes the user and
# the data). Whatever happens, the package, user and data are gone at the
# end. Needs root and dpkg; refuses to run where sentrypeer is already
# installed or its user or data folder already exists.
#   packaging/test-install.sh bin/pkg/sentrypeer_*.deb
set -euo pipefail

deb=${1:?usage: test-install.sh PACKAGE.deb}
fail() { echo "test-install: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (dpkg -i)"
for t in dpkg dpkg-query getent runuser systemd-analyze; do
	command -v "$t" >/dev/null || fail "$t is missing (run ./.ci/install-peers)"
done
[ -f "$deb" ] || fail "no package $deb"
if dpkg-query -W -f '${db:Status-Status}' sentrypeer 2>/dev/null | grep -qv '^not-installed$'; then
	fail "a sentrypeer package is installed here; this test would remove it (dpkg --purge sentrypeer first)"
fi
if getent passwd sentrypeer >/dev/null || getent group sentrypeer >/dev/null || [ -e /var/lib/sentrypeer ] || [ -e /etc/sentrypeer ]; then
	fail "the user or group sentrypeer, /var/lib/sentrypeer or /etc/sentrypeer exists; left by an earlier run? Remove them: userdel sentrypeer; groupdel sentrypeer; rm -rf /var/lib/sentrypeer /etc/sentrypeer"
fi

# From here on everything this test makes is removed on any exit.
cleanup() {
	local rc=$?
	if dpkg-query -W -f '${db:Status-Status}' sentrypeer 2>/dev/null | grep -qv '^not-installed$'; then
		dpkg --purge sentrypeer >/dev/null 2>&1 || true
	fi
	command dpkg --triggers-only --pending >/dev/null 2>&1 || true
	getent passwd sentrypeer >/dev/null && { userdel sentrypeer 2>/dev/null || true; }
	getent group sentrypeer >/dev/null && { groupdel sentrypeer 2>/dev/null || true; }
	rm -rf /var/lib/sentrypeer /etc/sentrypeer
	[ "$rc" = 0 ] || echo "test-install: FAILED (cleaned up)" >&2
	return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP # so that cleanup runs on those too
export DEBIAN_FRONTEND=noninteractive
step() { echo "test-install: $*"; }
# Others' triggers (man-db's index) wait until the end and run once: each run
# takes seconds. unsafe-io: no fsync of what the trap deletes anyway.
dpkg() { command dpkg --force-unsafe-io --no-triggers "$@"; }

step "install $(basename "$deb")"
dpkg -i "$deb" >/dev/null
want_version=$(dpkg-deb -f "$deb" Version)
[ "$(dpkg-query -W -f '${Version} ${db:Status-Status}' sentrypeer)" = "$want_version installed" ] ||
	fail "dpkg does not show sentrypeer $want_version installed"

step "files"
for f in /usr/bin/sentrypeer /usr/lib/systemd/system/sentrypeer.service /etc/sentrypeer/sentrypeer.conf \
	/usr/share/man/man1/sentrypeer.1.gz /usr/share/doc/sentrypeer/copyright \
	/usr/share/doc/sentrypeer/changelog.Debian.gz /usr/share/lintian/overrides/sentrypeer; do
	[ -f "$f" ] || fail "$f is missing"
done
[ "$(stat -c '%a %U:%G' /usr/bin/sentrypeer)" = "755 root:root" ] || fail "/usr/bin/sentrypeer: $(stat -c '%a %U:%G' /usr/bin/sentrypeer)"
[ "$(stat -c '%a %U:%G' /etc/sentrypeer/sentrypeer.conf)" = "644 root:root" ] || fail "sentrypeer.conf: $(stat -c '%a %U:%G' /etc/sentrypeer/sentrypeer.conf)"
dpkg-query -W -f '${Conffiles}\n' sentrypeer | grep -q '^ /etc/sentrypeer/sentrypeer.conf ' || fail "sentrypeer.conf is not a conffile"
if dpkg -L sentrypeer | grep '^/var/lib' >/dev/null; then fail "the package ships /var/lib (StateDirectory= makes it)"; fi
[ ! -e /var/lib/sentrypeer ] || fail "/var/lib/sentrypeer was made at install (StateDirectory= makes it)"
out=$(MANWIDTH=80 man --warnings -l /usr/share/man/man1/sentrypeer.1.gz 2>&1 >/dev/null) || fail "man: $out"
[ -z "$out" ] || fail "man warns: $out"
out=$(systemd-analyze verify --man=no /usr/lib/systemd/system/sentrypeer.service 2>&1) || true
[ -z "$out" ] || fail "systemd-analyze verify of the installed unit: $out"

step "sentrypeer -V"
out=$(/usr/bin/sentrypeer -V) || fail "sentrypeer -V: $out"
case ${out%%$'\n'*} in "sentrypeer "?*) ;; *) fail "sentrypeer -V printed: $out" ;; esac

step "user"
IFS=: read -r _ _ uid gid _ home shell < <(getent passwd sentrypeer) || fail "no user sentrypeer"
[ "$uid" -lt 1000 ] || fail "sentrypeer is not a system user (uid $uid)"
[ "$(getent group sentrypeer | cut -d: -f3)" = "$gid" ] || fail "sentrypeer's group is not sentrypeer"
[ "$home" = /var/lib/sentrypeer ] || fail "sentrypeer's home is $home"
case $shell in */nologin | /bin/false) ;; *) fail "sentrypeer's shell is $shell" ;; esac

# What systemd's StateDirectory= would do, then the service user reads its
# config (whose data-dir is /var/lib/sentrypeer) and writes there.
step "the service user reads its config and writes its data folder"
install -d -o sentrypeer -g sentrypeer -m 0750 /var/lib/sentrypeer
out=$(runuser -u sentrypeer -- /usr/bin/sentrypeer id --config /etc/sentrypeer/sentrypeer.conf 2>&1) ||
	fail "sentrypeer id as the user sentrypeer: $out"
grep -q '^peer ID: ' <<<"$out" || fail "sentrypeer id as the user sentrypeer printed: $out"
[ -f /var/lib/sentrypeer/p2p-key ] || fail "sentrypeer id did not write /var/lib/sentrypeer/p2p-key"
echo marker >/var/lib/sentrypeer/marker
chown sentrypeer:sentrypeer /var/lib/sentrypeer/marker
echo "# a local change" >>/etc/sentrypeer/sentrypeer.conf

step "upgrade over itself"
dpkg -i "$deb" >/dev/null
[ "$(cat /var/lib/sentrypeer/marker 2>/dev/null)" = marker ] || fail "the upgrade lost /var/lib/sentrypeer/marker"
[ -f /var/lib/sentrypeer/p2p-key ] || fail "the upgrade lost the node's key"
[ "$(tail -n 1 /etc/sentrypeer/sentrypeer.conf)" = "# a local change" ] || fail "the upgrade replaced the changed conffile"
[ "$(getent passwd sentrypeer | cut -d: -f3)" = "$uid" ] || fail "the upgrade changed the user"

step "remove (keeps the data, the user and the conffile)"
dpkg --remove sentrypeer >/dev/null
[ ! -e /usr/bin/sentrypeer ] || fail "remove left /usr/bin/sentrypeer"
[ -f /var/lib/sentrypeer/marker ] || fail "remove deleted the data"
getent passwd sentrypeer >/dev/null || fail "remove deleted the user"
[ -f /etc/sentrypeer/sentrypeer.conf ] || fail "remove deleted the conffile"

step "purge (deletes the data, the user and the conffile)"
dpkg --purge sentrypeer >/dev/null
[ ! -e /var/lib/sentrypeer ] || fail "purge left /var/lib/sentrypeer"
if getent passwd sentrypeer >/dev/null; then fail "purge left the user sentrypeer"; fi
if getent group sentrypeer >/dev/null; then fail "purge left the group sentrypeer"; fi
[ ! -e /etc/sentrypeer ] || fail "purge left /etc/sentrypeer"
if dpkg-query -W -f '${db:Status-Status}' sentrypeer 2>/dev/null | grep -qv '^not-installed$'; then
	fail "dpkg still knows sentrypeer after purge"
fi
step "passed"
