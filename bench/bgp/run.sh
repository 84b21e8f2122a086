#!/usr/bin/env bash
# BGP benchmark: the real daemon's BGP blackhole speaker against Debian's
# BIRD 2 as its neighbour, both on the loopback of a network namespace this
# script creates and deletes (BIRD 127.0.0.1:1790 AS 65001, passive, as in
# internal/block/bgp/testdata/bird.conf; the daemon 127.0.0.2 AS 65002). It
# waits for the session to be Established, then
#   1. makes DECISIONS IP decisions at once, one POST /api/v1/decisions
#      each (the API takes one value per request), over PARALLEL keep-alive
#      connections (bench/bgp/post, a Go client: `curl -K` in parallel
#      mode was slower than the daemon), and times until BIRD holds
#      them all (`birdc show route count`, polled every 20 ms);
#   2. makes SAMPLES decisions one at a time over one keep-alive connection
#      (bash's /dev/tcp, so no process start is timed), timing each from
#      the request's first byte to the route in BIRD's table (birdc polled
#      back to back), then unblocks it and times the withdrawal the same way;
#   3. reads the daemon's resident memory (VmRSS, and its peak VmHWM, from
#      /proc/PID/status) and its Go heap (go_memstats_heap_alloc_bytes, live
#      and not yet collected, from /metrics) once the session is up and
#      again at the end.
# Decision values are public-looking addresses (11.0.0.0/8 and
# 2a0c:9a40::/32; the daemon never blocks loopback or bogons, and BIRD
# ignores 127/8 routes). Nothing is ever sent to them: the daemon and BIRD
# only talk over the namespace's loopback, and BIRD has no kernel protocol,
# so no route reaches any forwarding table. Needs root, ip, bird, birdc,
# curl and go (make peers installs bird2).
#
# Environment (defaults in brackets):
#   DECISIONS  IP decisions made at once [10000]
#   SAMPLES    single decisions timed one at a time after them; every other
#              one is IPv6 (a /128 over the IPv4 session) [100]
#   PARALLEL   connections the bulk POSTs are spread over [4]
#   MAX_PREFIXES  --bgp-max-prefixes; past it a new decision waits for the
#              next reconcile, so by default there is room for every
#              decision made [DECISIONS + SAMPLES]
#   BIN        sentrypeer binary; built from ./cmd/sentrypeer when empty []
#   BIRD, BIRDC  the BIRD 2 daemon and client [bird, birdc]
#   DAEMON_ARGS  extra flags for the daemon, split on spaces []
#   TIMEOUT    seconds each wait may take (session up, bulk in BIRD, one
#              sample) [60]
#   KEEP       1 keeps the work directory (logs, database) []
# Exit status: 0 when the floor holds, 1 when it does not, 2 when the
# harness itself failed.
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME with a decimal point
FUNCNEST=20     # a function calling itself by mistake stops at once

DECISIONS=${DECISIONS:-10000}
SAMPLES=${SAMPLES:-100}
PARALLEL=${PARALLEL:-4}
MAX_PREFIXES=${MAX_PREFIXES:-}
BIN=${BIN:-}
BIRD=${BIRD:-bird}
BIRDC=${BIRDC:-birdc}
DAEMON_ARGS=${DAEMON_ARGS:-}
TIMEOUT=${TIMEOUT:-60}
KEEP=${KEEP:-}

FLOOR_P99_MS=1000 # a decision reaches BIRD in under 1 s at p99

die() { echo "run.sh: $*" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=bench/lib/proc.sh
source "$root/bench/lib/proc.sh"

# --- outside the namespace: check, build, make the namespace, run inside ----

if [[ -z ${_BGPBENCH_NS:-} ]]; then
	for v in DECISIONS SAMPLES PARALLEL TIMEOUT; do
		[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
	done
	((DECISIONS <= 1000000)) || die "DECISIONS must be at most 1000000"
	((SAMPLES <= 10000)) || die "SAMPLES must be at most 10000"
	[[ -z $MAX_PREFIXES || $MAX_PREFIXES =~ ^[1-9][0-9]*$ ]] || die "MAX_PREFIXES must be a positive integer"
	((EUID == 0)) || die "needs root (network namespace)"
	for c in ip go curl "$BIRD" "$BIRDC"; do
		command -v "$c" >/dev/null || die "$c not found (make peers; bird and birdc are in bird2)"
	done
	work=$(mktemp -d "${TMPDIR:-/tmp}/bgpbench.XXXXXX")
	ns=spbgp-$$
	inner='' finished=''
	# shellcheck disable=SC2317 # called by the trap
	cleanup() {
		local rc=$?
		if [[ -n $inner ]]; then
			kill -TERM "$inner" 2>/dev/null || true
			wait "$inner" 2>/dev/null || true
		fi
		ip netns del "$ns" 2>/dev/null || true
		if [[ -n $KEEP ]]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
		# A command that failed under set -e is the harness's failure.
		if [[ -z $finished ]] && ((rc == 0 || rc == 1)); then rc=2; fi
		exit "$rc"
	}
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	if [[ -z $BIN ]]; then
		(cd "$root" && CGO_ENABLED=0 go build -o "$work/sentrypeer" ./cmd/sentrypeer) || die "building ./cmd/sentrypeer"
		BIN=$work/sentrypeer
	fi
	(cd "$root" && go build -o "$work/post" ./bench/bgp/post) || die "building bench/bgp/post"
	[[ -x $BIN ]] || die "BIN $BIN is not an executable"
	BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
	ip netns add "$ns" || die "ip netns add $ns"
	ip -n "$ns" link set lo up || die "bringing up lo in $ns"
	rc=0
	_BGPBENCH_NS=$ns _BGPBENCH_WORK=$work BIN=$BIN ip netns exec "$ns" bash "$here/run.sh" &
	inner=$!
	wait "$inner" || rc=$?
	inner='' finished=1
	exit "$rc"
fi

# --- inside the namespace -----------------------------------------------------

work=$_BGPBENCH_WORK
MAX_PREFIXES=${MAX_PREFIXES:-$((DECISIONS + SAMPLES))}
sock=$work/bird.ctl
api=127.0.0.1:8082
hz=$(getconf CLK_TCK)
pids=()     # every live process started here, stopped by PID on exit
finished='' # set once the floor is judged: any other exit is the harness's

# shellcheck disable=SC2317 # called by the trap
stop() { # PID: SIGTERM, then SIGKILL after 30 s
	local p=$1
	kill -TERM "$p" 2>/dev/null || return 0
	for _ in $(seq 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	local rc=$? p i
	exec 3>&- 2>/dev/null || true
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do # the daemon first, BIRD last
		p=${pids[i]}
		stop "$p"
	done
	if [[ -z $finished ]] && ((rc == 0 || rc == 1)); then rc=2; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_us() { echo "${EPOCHREALTIME/./}"; }
heap_mib() {
	curl -sf "http://$api/metrics" | awk '$1 == "go_memstats_heap_alloc_bytes" { printf "%.1f", $2 / 1048576 }'
}
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
bctl() { "$BIRDC" -s "$sock" "$@"; }
# v4 N / v6 N: the Nth decision value of the bulk (N < 2^24).
v4() { echo "11.$(($1 >> 16 & 255)).$(($1 >> 8 & 255)).$(($1 & 255))"; }
# Both print the canonical form, which is what birdc shows.
v6() { printf '2a0c:9a40:%x:%x::1\n' $((($1 >> 15) + 1)) $((($1 & 32767) + 1)); }
# wait_for SECONDS WHAT COMMAND...: until COMMAND succeeds.
wait_for() {
	local limit=$1 what=$2 start
	shift 2
	start=$(now_us)
	until "$@"; do
		(($(now_us) - start < limit * 1000000)) || die "$what: not within ${limit} s"
		sleep 0.05
	done
}
# pct P FILE: the P-th percentile (nearest rank) of the numbers in FILE.
pct() { sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 } END { r = int(NR * p / 100 + 0.999999); if (r < 1) r = 1; print v[r] }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }

# BIRD with the integration test's configuration; it logs to stderr.
"$BIRD" -f -c "$root/internal/block/bgp/testdata/bird.conf" -s "$sock" -P "$work/bird.pid" >"$work/bird.log" 2>&1 &
pids+=($!)
wait_for 10 "BIRD to answer birdc" bctl show status >/dev/null 2>&1

# The daemon: its defaults, SIP and the API on the namespace's loopback, no
# sharing, the speaker dialling BIRD.
# shellcheck disable=SC2086 # DAEMON_ARGS is split on purpose
"$BIN" --data-dir "$work/data" --sip-listen 127.0.0.1:5060 --api-listen "$api" --no-share \
	--bgp-asn 65002 --bgp-router-id 127.0.0.2 --bgp-neighbor 127.0.0.1:1790,65001,multihop=2,local=127.0.0.2 \
	--bgp-max-prefixes "$MAX_PREFIXES" $DAEMON_ARGS >"$work/daemon.log" 2>&1 &
dpid=$!
pids+=("$dpid")
# shellcheck disable=SC2317 # called by wait_for
started() { kill -0 "$dpid" 2>/dev/null || die "the daemon exited: $(tail -5 "$work/daemon.log")"; grep -qs 'sentrypeer started' "$work/daemon.log"; }
wait_for 30 "the daemon to start" started
up_start=$(now_us)
# shellcheck disable=SC2317 # called by wait_for
established() { bctl show protocols hp 2>/dev/null | grep -q Established; }
wait_for "$TIMEOUT" "the BGP session to be established" established
up_ms=$(ms $(($(now_us) - up_start)))
key=$(<"$work/data/admin.key")
hwm0=$(status_kb "$dpid" VmHWM) rss0=$(status_kb "$dpid" VmRSS) heap0=$(heap_mib)

# routes4: the IPv4 routes BIRD holds (filtered ones are not counted).
routes4() { bctl show route count table master4 | awk '/routes for/ { print $1; exit }'; }
[[ $(routes4) == 0 ]] || die "BIRD holds routes before the first decision"

# --- 1. DECISIONS at once -----------------------------------------------------

# The values first (v4 0 ... v4 DECISIONS-1), so that only the POSTs are timed.
awk -v n="$DECISIONS" 'BEGIN { for (i = 0; i < n; i++) printf "11.%d.%d.%d\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' >"$work/bulk.values"
[[ $(head -1 "$work/bulk.values") == "$(v4 0)" && $(tail -1 "$work/bulk.values") == "$(v4 $((DECISIONS - 1)))" ]] ||
	die "awk and v4 disagree"
dcpu0=$(cpu_ticks "$dpid") bcpu0=$(cpu_ticks "${pids[0]}")
bulk_start=$(now_us)
"$work/post" -api "http://$api" -key-file "$work/data/admin.key" -conns "$PARALLEL" <"$work/bulk.values" >"$work/bulk.out" 2>&1 &
cpid=$!
pids+=("$cpid")
posted_us='' seen=0
posted() { # the client exited: it must have made every decision
	wait "$cpid" || die "bench/bgp/post failed: $(head -3 "$work/bulk.out")"
	posted_us=$(($(now_us) - bulk_start))
	unset 'pids[${#pids[@]}-1]'
	grep -q "^posted=$DECISIONS created=$DECISIONS " "$work/bulk.out" || die "bench/bgp/post: $(cat "$work/bulk.out")"
}
while :; do
	[[ -n $posted_us ]] || kill -0 "$cpid" 2>/dev/null || posted
	seen=$(routes4)
	((seen < DECISIONS)) || break
	(($(now_us) - bulk_start < TIMEOUT * 1000000)) || die "bulk: $seen of $DECISIONS routes in BIRD after ${TIMEOUT} s"
	sleep 0.02
done
bulk_us=$(($(now_us) - bulk_start))
dcpu=$(($(cpu_ticks "$dpid") - dcpu0)) bcpu=$(($(cpu_ticks "${pids[0]}") - bcpu0))
[[ -n $posted_us ]] || posted
post_us=$(sed -n 's/.* took_us=\([0-9]*\).*/\1/p' "$work/bulk.out")
r=$(bctl show route "$(v4 $((DECISIONS - 1)))/32" all)
[[ $r == *"(65535,666)"* && $r == *blackhole* && $r == *192.0.2.1* ]] ||
	die "BIRD's route for the last decision lacks (65535,666), blackhole or next hop 192.0.2.1: $r"

# --- 2. SAMPLES one at a time -------------------------------------------------

exec 3<>"/dev/tcp/${api%:*}/${api#*:}" || die "connecting to the API"
# request METHOD PATH [BODY]: one request over fd 3, in this shell (no
# fork); the answer's status code is left in $code.
request() {
	local line len=0 req body=${3:+$3$'\n'}
	# One write(2): bash's stdout is line-buffered, so the request must end
	# in a newline (the body too), or its tail goes in a second segment
	# that Nagle holds back until the daemon's delayed ACK (40 ms).
	printf -v req '%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
		"$1" "$2" "$api" "$key" "${#body}" "$body"
	printf '%s' "$req" >&3
	IFS=' ' read -r -u 3 _ code _ || die "the API closed the connection"
	while IFS= read -r -u 3 line && [[ $line != $'\r' ]]; do
		if [[ ${line,,} == content-length:* ]]; then len=${line#*: } len=${len%$'\r'}; fi
	done
	((len == 0)) || read -r -N "$len" -u 3 _
}
in_bird() { [[ $(bctl show route "$1") == *"$1"* ]]; }
: >"$work/visible.us"
: >"$work/answer.us"
: >"$work/gone.us"
for ((i = 0; i < SAMPLES; i++)); do
	if ((i % 2)); then v=$(v6 $((DECISIONS + i))) p=$v/128; else v=$(v4 $((DECISIONS + i))) p=$v/32; fi
	t0=$(now_us)
	request POST /api/v1/decisions "{\"value\":\"$v\",\"reason\":\"bench sample\"}"
	t1=$(now_us)
	[[ $code == 201 ]] || die "POST $v: status $code"
	until in_bird "$p"; do
		(($(now_us) - t0 < TIMEOUT * 1000000)) || die "sample $p not in BIRD after ${TIMEOUT} s"
	done
	t2=$(now_us)
	echo $((t2 - t0)) >>"$work/visible.us"
	echo $((t1 - t0)) >>"$work/answer.us"
	t0=$(now_us)
	request DELETE "/api/v1/decisions/$v"
	[[ $code == 200 ]] || die "DELETE $v: status $code"
	while in_bird "$p"; do
		(($(now_us) - t0 < TIMEOUT * 1000000)) || die "sample $p still in BIRD ${TIMEOUT} s after its unblock"
	done
	echo $(($(now_us) - t0)) >>"$work/gone.us"
done
exec 3>&-
hwm1=$(status_kb "$dpid" VmHWM) rss1=$(status_kb "$dpid" VmRSS) heap1=$(heap_mib)
routes_end=$(routes4)

# --- report -------------------------------------------------------------------

p50=$(pct 50 "$work/visible.us") p99=$(pct 99 "$work/visible.us")
echo "bgp benchmark: DECISIONS=$DECISIONS SAMPLES=$SAMPLES PARALLEL=$PARALLEL MAX_PREFIXES=$MAX_PREFIXES"
echo "  $("$BIRD" --version 2>&1 | head -1), $(nproc) CPUs, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  session established ${up_ms} ms after the daemon started"
printf '%-58s %s\n' \
	"$DECISIONS decisions, POSTs all answered 201 after" "$(ms "$post_us") ms" \
	"  all $DECISIONS in BIRD's table after" "$(ms "$bulk_us") ms" \
	"  CPU meanwhile: the daemon / BIRD" "$((dcpu * 1000 / hz)) / $((bcpu * 1000 / hz)) ms" \
	"$SAMPLES single decisions, request to route in BIRD, p50 / p99" "$(ms "$p50") / $(ms "$p99") ms (max $(ms "$(pct 100 "$work/visible.us")"))" \
	"  of it the POST answered, p50 / p99" "$(ms "$(pct 50 "$work/answer.us")") / $(ms "$(pct 99 "$work/answer.us")") ms" \
	"  unblock to route gone from BIRD, p50 / p99" "$(ms "$(pct 50 "$work/gone.us")") / $(ms "$(pct 99 "$work/gone.us")") ms" \
	"daemon, session up: VmRSS / VmHWM / Go heap" "$((rss0 / 1024)) / $((hwm0 / 1024)) / $heap0 MiB" \
	"daemon, at the end: VmRSS / VmHWM / Go heap" "$((rss1 / 1024)) / $((hwm1 / 1024)) / $heap1 MiB" \
	"IPv4 routes in BIRD at the end" "$routes_end"
finished=1
if ((p99 < FLOOR_P99_MS * 1000)); then
	echo "floor: a decision reaches BIRD in under ${FLOOR_P99_MS} ms at p99: PASS"
	exit 0
fi
echo "floor: a decision reaches BIRD in under ${FLOOR_P99_MS} ms at p99: FAIL"
exit 1
