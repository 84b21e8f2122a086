#!/usr/bin/env bash
# Runs the .deb's hardened unit under a real systemd, which is not PID 1 on
# the machines that run make check: a Debian bookworm root file system with
# systemd (made once with mmdebstrap from the Debian mirror and kept as the
# podman image below) booted in a podman container with systemd as PID 1
# and no network but its own loopback (--network none), so the service's
# wildcard listeners and its peers reach nothing outside. In it: install
# the package, start the service, and check that it runs as sentrypeer
# with exactly its two capabilities under a system-call filter, stores a
# probe sent to 127.0.0.1:5060 and serves it back through the API, keeps
# it across a restart, and stops cleanly. The container is removed on any
# exit. Needs root, podman, runc and mmdebstrap.
#   packaging/test-systemd.sh bin/pkg/sentrypeer_*.deb
set -euo pipefail

deb=${1:?usage: test-systemd.sh PACKAGE.deb}
image=localhost/sentrypeer-systemd-test:bookworm
name=sentrypeer-systemd-test-$$
fail() { echo "test-systemd: $*" >&2; exit 1; }
step() { echo "test-systemd: $*"; }

[ "$(id -u)" = 0 ] || fail "needs root (podman, mmdebstrap)"
for t in podman runc mmdebstrap; do
	command -v "$t" >/dev/null || fail "$t is missing (run ./.ci/install-peers)"
done
[ -f "$deb" ] || fail "no package $deb"

tmp=$(mktemp -d)
cleanup() {
	local rc=$?
	podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if ! podman image exists "$image"; then
	step "making $image with mmdebstrap (once per machine)"
	mmdebstrap --quiet --variant=minbase --include=systemd,systemd-sysv,procps --mode=root \
		bookworm "$tmp/root.tar" http://deb.debian.org/debian || fail "mmdebstrap failed"
	podman import --quiet "$tmp/root.tar" "$image" >/dev/null
	rm -f "$tmp/root.tar"
fi

# The ulimits and runc are what rootful podman needs on these machines
# (../shared/PEERS.md). podman leaves NET_ADMIN and SYS_ADMIN out of a
# container's capabilities by default: the unit grants the first (--nft),
# and systemd needs the second to build the service's mount namespace
# (ProtectSystem=, PrivateTmp=, PrivateDevices=...); without it systemd
# starts the service unsandboxed.
podman --runtime runc run -d --name "$name" --network none --systemd=always --cap-add NET_ADMIN,SYS_ADMIN \
	--ulimit nofile=20000:20000 --ulimit nproc=32768:32768 "$image" /sbin/init >/dev/null
ctr() { podman exec "$name" "$@"; }
# retry N CMD...: runs CMD every 0.2 s until it succeeds, for at most N
# tries; wait_for N CMD... does so in the container.
retry() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
wait_for() { retry "$1" ctr "${@:2}"; }
# shellcheck disable=SC2016 # expanded by the container's shell
wait_for 100 sh -c '[ "$(systemctl is-system-running)" = running ]' ||
	fail "systemd did not come up: $(ctr systemctl is-system-running 2>&1)"

step "install $(basename "$deb") and start the service"
podman cp "$deb" "$name:/tmp/sentrypeer.deb"
ctr dpkg -i /tmp/sentrypeer.deb >/dev/null
# Debug logging, as an operator's drop-in would set it: the page-out of the
# binary's unused pages (madvise, under the unit's system-call filter) says
# only at debug whether it worked.
ctr mkdir -p /etc/systemd/system/sentrypeer.service.d
ctr sh -c 'printf "[Service]\nEnvironment=SENTRYPEER_DEBUG=true\n" >/etc/systemd/system/sentrypeer.service.d/debug.conf'
ctr systemctl daemon-reload
ctr systemctl start sentrypeer
wait_for 50 systemctl is-active --quiet sentrypeer || fail "not active: $(ctr systemctl status --no-pager sentrypeer 2>&1)"
wait_for 50 sentrypeer events --limit 1 || fail "the API did not answer: $(ctr journalctl -u sentrypeer --no-pager 2>&1 | tail -20)"

step "the process: user, capabilities, no new privileges, seccomp, mounts"
pid=$(ctr systemctl show -p MainPID --value sentrypeer)
[ "$(ctr ps -o user= -p "$pid")" = sentrypeer ] || fail "runs as $(ctr ps -o user= -p "$pid")"
status=$(ctr cat "/proc/$pid/status")
# CAP_NET_BIND_SERVICE (10) and CAP_NET_ADMIN (12): 0x1400, and nothing else.
for f in CapEff CapPrm CapBnd CapAmb; do
	got=$(awk -v f="$f:" '$1 == f { print $2 }' <<<"$status")
	[ "$got" = 0000000000001400 ] || fail "$f is $got, want 0000000000001400 (NET_BIND_SERVICE, NET_ADMIN)"
done
grep -q '^NoNewPrivs:[[:space:]]*1$' <<<"$status" || fail "NoNewPrivs is not set"
grep -q '^Seccomp:[[:space:]]*2$' <<<"$status" || fail "no system-call filter (Seccomp is not 2)"
# The service's own mount namespace: the file system read-only but its
# state directory, its own /tmp and /dev.
mounts=$(ctr cat "/proc/$pid/mountinfo" | awk '{ print $5, substr($6, 1, 2) }')
for want in "/ ro" "/var/lib/sentrypeer rw" "/tmp rw" "/dev ro" "/home ro"; do
	grep -qx "$want" <<<"$mounts" || fail "the service's mounts lack \"$want\": $(head -20 <<<"$mounts")"
done
owner=$(ctr stat -c '%U %a' /var/lib/sentrypeer)
[ "$owner" = "sentrypeer 750" ] || fail "/var/lib/sentrypeer is $owner, want sentrypeer 750"

step "the binary's unused pages given back under the filter"
pagedout() { ctr journalctl -u sentrypeer --no-pager -o cat | grep -q "gave back the executable's resident pages"; }
retry 50 pagedout || fail "no page-out: $(ctr journalctl -u sentrypeer --no-pager -o cat | grep -i 'executable' | tail -3)"

step "a probe to 127.0.0.1:5060, read back through the API"
# One write, one datagram: bash writes printf's output line by line.
ctr bash -c 'printf "OPTIONS sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-sd1\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:100@127.0.0.1>\r\nCall-ID: sd1@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nUser-Agent: systemd-unit-test\r\nContent-Length: 0\r\n\r\n" >/tmp/probe && cat /tmp/probe >/dev/udp/127.0.0.1/5060'
probed() { ctr sentrypeer events --json --limit 10 | grep -q systemd-unit-test; }
retry 50 probed || fail "the probe is not in the API: $(ctr sentrypeer events --limit 10 2>&1)"

step "restart keeps it; stop exits cleanly"
ctr systemctl restart sentrypeer
wait_for 50 sentrypeer events --limit 1 || fail "the API did not answer after the restart"
probed || fail "the probe is gone after a restart"
ctr systemctl stop sentrypeer
result=$(ctr systemctl show -p Result --value sentrypeer) code=$(ctr systemctl show -p ExecMainStatus --value sentrypeer)
if [ "$result" != success ] || [ "$code" != 0 ]; then
	fail "stop: result $result, exit status $code"
fi
journal=$(ctr journalctl -u sentrypeer --no-pager -o cat)
grep -q 'msg=stopped' <<<"$journal" || fail "no clean stop in the journal: $(tail -5 <<<"$journal")"
if grep -E 'level=ERROR|SIGSYS|bad system call' <<<"$journal"; then
	fail "errors in the service's journal (above)"
fi
step "ok: the unit runs under systemd $(ctr systemctl --version | awk 'NR == 1 { print $2 }')"
