#!/usr/bin/env bash
# SIP agent benchmark: the daemon's SIP agent (--sip-agent-listen) under
# sipp, as a proxy would ask it about each new call: one INVITE per call
# (invite.xml), a new call and number each time, every BLOCKED_EVERY-th to a
# number that is a decision (so both 302 and 404 answers are exercised), each
# final response ACKed. Per round it measures:
#   (a) latency at RATE INVITEs/s (open loop, SECONDS long): p50 and p99 of
#       the time from an INVITE to its final response, from the packets'
#       kernel timestamps on lo (tcpdump), since sipp 3.6.1's clock only
#       ticks every 4 ms;
#   (b) top rate: sipp at TOP_RATE with at most WINDOW calls open at once,
#       TOP_CALLS calls: final responses received per second.
# and cross-checks both with the agent's own counters (GET /metrics,
# sentrypeer_sip_agent_*) and the kernel's drops at the agent's socket.
# Floors (issue): at least 20,000 answers/s; p99 under 1 ms at 5,000/s, with
# 99.9 % answered. See bench/README.md.
#
# Environment (defaults in brackets):
#   RATE       INVITEs/s offered in the latency run [5000]
#   SECONDS    length of the latency run, in seconds [3]
#   TOP_RATE   sipp's -r in the top-rate run [50000]
#   TOP_CALLS  calls in the top-rate run [100000]
#   WINDOW     calls open at once in the top-rate run (sipp -l); 0: no limit,
#              sipp sends at TOP_RATE whatever comes back [200]
#   ROUNDS     rounds of (a) then (b) against one daemon; the floors are read
#              from the medians [3]
#   BLOCKED    numbers blocked with `sentrypeer block` before the runs [20]
#   BLOCKED_EVERY  every Nth call is to one of them (0: none) [10]
#   AGENT_PORT the agent's port on 127.0.0.1, UDP and TCP [first free from 15072]
#   DEST_PORT  port of --sip-agent-destination 127.0.0.1:PORT, only written
#              into the 302's Contact; nothing is sent there [AGENT_PORT+1]
#   SIPP_PORT  sipp's own port on 127.0.0.1 [first free from 15080]
#   TRANSPORT  sipp's -t: u1 (UDP, one socket) or t1 (one TCP connection) [u1]
#   RECV_TIMEOUT  ms sipp waits for an answer before it fails the call [1000]
#   BIN        sentrypeer binary; built from ./cmd/sentrypeer when empty []
#   SIPP       sipp binary [sipp]
#   DAEMON_ARGS  extra flags for the daemon, split on spaces []
#   NICE       run the daemon, sipp and tcpdump at this nice(1) value, e.g.
#              -10 (root) to keep other work on a shared machine from
#              taking their CPU; the report says so []
#   PROFILE    a folder: record the daemon with perf(1) during the first
#              top-rate run and leave perf.data and reports there []
#   KEEP       1 keeps the work directory (logs, sipp files, captures) []
# The honeypot listens on a free loopback port (--sip-listen 127.0.0.1:0),
# the API on another (--api-listen 127.0.0.1:0), with --no-share and a
# temporary data directory. Needs go (without BIN), sipp, tcpdump and curl;
# root for the capture.
# Exit status: 0 when every floor holds, 1 when one does not, 2 when the
# harness itself failed, including when the run measured the machine
# rather than the agent: sipp offered less than 95 % of RATE, sipp lost
# answers the agent sent, or the capture missed packets.
set -euo pipefail

# SECONDS is bash's own clock, so read the caller's value from the
# environment before bash moves it on.
DURATION=$(printenv SECONDS || echo 3)
RATE=${RATE:-5000}
TOP_RATE=${TOP_RATE:-50000}
TOP_CALLS=${TOP_CALLS:-100000}
WINDOW=${WINDOW:-200}
ROUNDS=${ROUNDS:-3}
BLOCKED=${BLOCKED:-20}
BLOCKED_EVERY=${BLOCKED_EVERY:-10}
AGENT_PORT=${AGENT_PORT:-}
DEST_PORT=${DEST_PORT:-}
SIPP_PORT=${SIPP_PORT:-}
TRANSPORT=${TRANSPORT:-u1}
RECV_TIMEOUT=${RECV_TIMEOUT:-1000}
BIN=${BIN:-}
SIPP=${SIPP:-sipp}
DAEMON_ARGS=${DAEMON_ARGS:-}
PROFILE=${PROFILE:-}
KEEP=${KEEP:-}
NICE=${NICE:-}
WARMUP=2000       # calls at RATE before the first round, not measured
STOP_TIMEOUT=30   # seconds the daemon may take to exit after SIGTERM

# Floors of the requirement.
FLOOR_TOP=20000   # answers/s, median of the top-rate runs
FLOOR_P99_US=1000 # p99 at RATE, median, microseconds
FLOOR_ANSWERED=99.9 # % of the latency run's INVITEs answered, every round
FLOOR_OFFERED=95  # % of RATE sipp must offer for the latency run to count

die() { echo "run.sh: $*" >&2; exit 2; }

posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, got '$2'"; }
posint RATE "$RATE"
posint SECONDS "$DURATION"
posint TOP_RATE "$TOP_RATE"
posint TOP_CALLS "$TOP_CALLS"
posint ROUNDS "$ROUNDS"
posint RECV_TIMEOUT "$RECV_TIMEOUT"
[[ $WINDOW =~ ^[0-9]+$ ]] || die "WINDOW must be a number, got '$WINDOW'"
if ! [[ $BLOCKED =~ ^[0-9]+$ ]] || ((BLOCKED > 1000)); then
	die "BLOCKED must be from 0 to 1000, got '$BLOCKED'"
fi
[[ $BLOCKED_EVERY =~ ^[0-9]+$ ]] || die "BLOCKED_EVERY must be a number, got '$BLOCKED_EVERY'"
((BLOCKED > 0)) || BLOCKED_EVERY=0
prio=()
if [[ -n $NICE ]]; then
	if ! [[ $NICE =~ ^-?[0-9]+$ ]] || ((NICE < -20 || NICE > 19)); then
		die "NICE must be from -20 to 19, got '$NICE'"
	fi
	prio=(nice -n "$NICE")
fi
[[ $TRANSPORT == u1 || $TRANSPORT == t1 ]] || die "TRANSPORT must be u1 or t1, got '$TRANSPORT'"
for v in AGENT_PORT DEST_PORT SIPP_PORT; do
	if [[ -n ${!v} ]] && { ! [[ ${!v} =~ ^[1-9][0-9]*$ ]] || ((${!v} > 65535)); }; then
		die "$v must be a port number, got '${!v}'"
	fi
done
command -v "$SIPP" >/dev/null || die "sipp not found (apt-get install sip-tester)"
command -v tcpdump >/dev/null || die "tcpdump not found (apt-get install tcpdump)"
command -v curl >/dev/null || die "curl not found (apt-get install curl)"
if [[ -n $PROFILE ]]; then
	command -v perf >/dev/null || die "PROFILE needs perf (apt-get install linux-perf)"
	mkdir -p "$PROFILE" || die "cannot create $PROFILE"
	PROFILE=$(cd "$PROFILE" && pwd)
fi

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=bench/lib/proc.sh
source "$root/bench/lib/proc.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/sipagent.XXXXXX")
hz=$(getconf CLK_TCK)
proto=udp
[[ $TRANSPORT == u1 ]] || proto=tcp

pids=() # every live process this script started, stopped by PID on exit
declare -A wrapper

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [[ -n $KEEP ]]; then
		echo "work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- measurements from /proc -------------------------------------------------

# port_in_use PORT: whether any UDP or TCP socket, on any address, has PORT.
port_in_use() {
	awk -v p="$(printf '%04X' "$1")" 'FNR > 1 { split($2, a, ":"); if (a[2] == p) f = 1 } END { exit !f }' \
		/proc/net/udp /proc/net/tcp /proc/net/udp6 /proc/net/tcp6 2>/dev/null
}

# free_port FROM: the first port from FROM up that no socket uses.
free_port() {
	local p
	for ((p = $1; p < $1 + 500 && p <= 65535; p++)); do
		port_in_use "$p" || { echo "$p"; return 0; }
	done
	die "no free port from $1 to $(($1 + 499))"
}

# agent_drops: datagrams the kernel dropped at the agent's UDP socket(s)
# (the drops column of /proc/net/udp for 127.0.0.1:AGENT_PORT).
agent_drops() {
	local a d=0 addr rest
	a=$(printf '0100007F:%04X' "$AGENT_PORT")
	while read -r _ addr _ _ _ rest; do
		[[ $addr == "$a" ]] && d=$((d + ${rest##* }))
	done </proc/net/udp
	echo "$d"
}

# metrics PREFIX: the agent's counters from /metrics into M[PREFIX.name]
# (name without sentrypeer_sip_agent_ and _total).
declare -A M
metrics() {
	local name value body
	body=$(curl -sf --max-time 5 "http://$api/metrics") || die "GET http://$api/metrics failed"
	# Counters past a million come as 1.234567e+06: awk reads those.
	while read -r name value; do
		name=${name#sentrypeer_sip_agent_}
		M[$1.${name%_total}]=$value
	done < <(awk '/^sentrypeer_sip_agent_/ { printf "%s %.0f\n", $1, $2 }' <<<"$body")
	[[ -n ${M[$1.requests]:-} ]] || die "/metrics has no sentrypeer_sip_agent_requests_total"
}

# mdelta NAME: M[after.NAME] - M[before.NAME].
mdelta() { echo $((${M[after.$1]:-0} - ${M[before.$1]:-0})); }

# --- sipp ----------------------------------------------------------------------

# sipp_run LABEL CALLS RATE WINDOW [ARGS...]: runs one sipp UAC to the agent
# in the foreground (in the wrapper, for its CPU time) and leaves its files
# as LABEL.csv (statistics), LABEL.counts.csv (messages per step),
# LABEL.rtt.csv (response times) and LABEL.errors.log.
sipp_run() {
	local label=$1 calls=$2 rate=$3 window=$4 spid
	shift 4
	local lim=()
	((window == 0)) || lim=(-l "$window")
	# -nr: no retransmissions, so each INVITE is sent once and a lost one
	# shows as a timeout. -deadcall_wait 0: sipp otherwise keeps every
	# finished call for 33 s. -buff_size: sipp's socket buffers (64 KiB by
	# default overflow within a few ms at these rates).
	spawn "$label" "${prio[@]}" "$SIPP" -sf "$here/invite.xml" "127.0.0.1:$AGENT_PORT" -i 127.0.0.1 -p "$SIPP_PORT" \
		-t "$TRANSPORT" -inf "$work/calls.csv" -m "$calls" -r "$rate" -rp 1000 "${lim[@]}" \
		-nostdin -nr -deadcall_wait 0 -max_sched_loops 5000 -buff_size 4194304 \
		-recv_timeout "${RECV_TIMEOUT}ms" -timeout "$((calls / rate + 60))s" \
		-trace_stat -stf "$work/$label.csv" -fd 100ms -trace_counts -trace_err \
		-trace_rtt -rtt_freq 1000 "$@"
	spid=$spawned
	reap "$label"
	((reaped <= 1)) || die "sipp ($label) exited $reaped: $(tail -5 "$work/$label.out" "$work/$label.err")"
	# sipp names these files after the scenario and its PID.
	mv "$work/invite_${spid}_counts.csv" "$work/$label.counts.csv" 2>/dev/null ||
		die "sipp ($label) wrote no message counts: $(tail -5 "$work/$label.err")"
	mv "$work/invite_${spid}_rtt.csv" "$work/$label.rtt.csv" 2>/dev/null || : >"$work/$label.rtt.csv"
	mv "$work/invite_${spid}_errors.log" "$work/$label.errors.log" 2>/dev/null || : >"$work/$label.errors.log"
	[[ -s $work/$label.csv ]] || die "sipp ($label) wrote no statistics: $(tail -5 "$work/$label.err")"
}

# sipp_counts LABEL: from the per-step counts file, the final "invites acks
# r302 r404 unexpected timeouts", then the seconds from sipp's start until
# every INVITE was sent and until the last answer arrived (the first dump,
# every 100 ms and at exit, at which each count reached its final value).
sipp_counts() {
	awk -F';' '
		function epoch(f,   p) { split(f, p, "\t"); return p[3] }
		NR == 1 {
			for (i = 1; i <= NF; i++) {
				if ($i ~ /_INVITE_Sent$/) ci = i
				if ($i ~ /_ACK_Sent$/) ca = i
				if ($i ~ /_302_Recv$/) c302 = i
				if ($i ~ /_404_Recv$/) c404 = i
				if ($i ~ /_Unexp$/) cu[i] = 1
				if ($i ~ /_Timeout$/) ct[i] = 1
			}
			next
		}
		NR == 2 { start = epoch($1) }
		{
			t = epoch($1); ans = $c302 + $c404
			if ($ci != inv) { inv = $ci; tsent = t }
			if (ans != lastans) { lastans = ans; tans = t }
			u = 0; for (i in cu) u += $i
			to = 0; for (i in ct) to += $i
			acks = $ca; r302 = $c302; r404 = $c404
		}
		END {
			printf "%d %d %d %d %d %d %.3f %.3f\n", inv, acks, r302, r404, u, to, tsent - start, tans - start
		}' "$work/$1.counts.csv"
}

# sipp_stat LABEL COLUMN: a cumulative column of sipp's statistics file, last line.
sipp_stat() {
	awk -F';' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } { v = $k } END { print v + 0 }' "$work/$1.csv"
}

# --- capture -------------------------------------------------------------------

# capture_start LABEL: records the agent's traffic on lo into LABEL.pcap.
capture_start() {
	# The Call-ID is within the first 1 KiB of a datagram; a TCP segment may
	# hold several messages, so keep it whole.
	local snap=1024
	[[ $proto == udp ]] || snap=0
	spawn "$1-tcpdump" "${prio[@]}" tcpdump -i lo -nn -s "$snap" -B 32768 --immediate-mode -w "$work/$1.pcap" "$proto port $AGENT_PORT"
	capture_pid=$spawned
	local i
	for ((i = 0; i < 100; i++)); do
		if grep -q 'listening on' "$work/$1-tcpdump.err" 2>/dev/null; then
			sleep 0.2 # the filter is attached a moment after the message
			return 0
		fi
		sleep 0.05
	done
	die "tcpdump did not start: $(cat "$work/$1-tcpdump.err")"
}

# capture_stop LABEL: stops it and sets capture_dropped (packets the kernel
# dropped before tcpdump read them).
capture_stop() {
	sleep 0.1
	kill -INT "$capture_pid"
	reap "$1-tcpdump"
	capture_cpu=$(times_cpu "$work/$1-tcpdump.times")
	capture_dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$work/$1-tcpdump.err")
	[[ -n $capture_dropped ]] || die "tcpdump printed no statistics: $(cat "$work/$1-tcpdump.err")"
}

# latencies LABEL: microseconds from each INVITE to the first final response
# with its Call-ID, one a line, sorted, into LABEL.lat; prints "invites
# answered" as seen on the wire. The timestamps are the kernel's, taken as
# each packet left its sender on lo.
latencies() {
	tcpdump -r "$work/$1.pcap" -nn -tt -A 2>/dev/null | awk -v port="$AGENT_PORT" -v out="$work/$1.raw" '
		/^[0-9]+\.[0-9]+ IP6? / {
			split($1, ts, "."); if (!base) base = ts[1]
			t = (ts[1] - base) * 1000000 + ts[2]
			dst = $5; sub(/:$/, "", dst); n = split(dst, d, ".")
			req = (d[n] == port); kind = ""
			next
		}
		req && /INVITE sip:/ { kind = "I" }
		req && /ACK sip:/ { kind = "A" }
		!req && /SIP\/2\.0 [2-6][0-9][0-9] / { kind = "F" }
		/^(Call-ID|i):/ {
			id = $0; sub(/^[^:]*: */, "", id)
			if (kind == "I" && !(id in sent)) { sent[id] = t; invites++ }
			else if (kind == "F" && (id in sent) && !(id in done)) { done[id] = 1; answered++; print t - sent[id] > out }
			kind = ""
		}
		END { printf "%d %d\n", invites, answered }'
	if [[ -s $work/$1.raw ]]; then sort -n "$work/$1.raw" >"$work/$1.lat"; else : >"$work/$1.lat"; fi
}

# pct FILE P: the P-th percentile of a sorted file of numbers (nearest rank).
pct() {
	awk -v p="$2" '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } k = int(NR * p / 100 + 0.999999); if (k < 1) k = 1; print v[k] }' "$1"
}

# --- profile -------------------------------------------------------------------

perf_start() {
	spawn perf perf record -F 999 -g -p "$1" -o "$PROFILE/perf.data"
	perf_pid=$spawned
	sleep 0.3 # perf attaches to each thread before it samples
}

perf_stop() {
	kill -INT "$perf_pid"
	reap perf
	((reaped == 0 || reaped == 130)) || echo "warning: perf exited $reaped: $(tail -3 "$work/perf.err")" >&2
	perf report -i "$PROFILE/perf.data" --no-children --sort sym --stdio -g none --percent-limit 0.3 \
		>"$PROFILE/self.txt" 2>/dev/null || echo "warning: perf report failed" >&2
	perf report -i "$PROFILE/perf.data" --children --sort sym --stdio -g none --percent-limit 2 \
		>"$PROFILE/children.txt" 2>/dev/null || true
}

# --- set-up --------------------------------------------------------------------

[[ -n $AGENT_PORT ]] || AGENT_PORT=$(free_port 15072)
[[ -n $DEST_PORT ]] || DEST_PORT=$((AGENT_PORT + 1))
if [[ -z $SIPP_PORT ]]; then
	SIPP_PORT=$(free_port 15080)
	[[ $SIPP_PORT != "$AGENT_PORT" ]] || SIPP_PORT=$(free_port $((AGENT_PORT + 1)))
fi
! port_in_use "$AGENT_PORT" || die "port $AGENT_PORT is in use (AGENT_PORT)"
! port_in_use "$SIPP_PORT" || die "port $SIPP_PORT is in use (SIPP_PORT)"

cd "$root"
if [[ -z $BIN ]]; then
	go build -o "$work/sentrypeer" ./cmd/sentrypeer || die "building ./cmd/sentrypeer"
	BIN=$work/sentrypeer
fi
[[ -x $BIN ]] || die "BIN $BIN is not executable"
cd "$work"

# The calls: "number;caller" per line, read in order by every sipp run.
# Every BLOCKED_EVERY-th number is a blocked one (00447700900000 ...),
# the others are all different (0044207946...), from documentation
# addresses that are not decisions.
lat_calls=$((RATE * DURATION))
lines=$(((lat_calls > TOP_CALLS ? lat_calls : TOP_CALLS) + WARMUP))
awk -v n="$lines" -v every="$BLOCKED_EVERY" -v blocked="$BLOCKED" 'BEGIN {
	print "SEQUENTIAL"
	for (i = 0; i < n; i++) {
		if (every > 0 && i % every == 0) printf "00447700900%03d;198.51.100.%d\n", int(i / every) % blocked, i % 250 + 1
		else printf "0044207946%07d;203.0.113.%d\n", i, i % 250 + 1
	}
}' >"$work/calls.csv"

# expected_blocked N: how many of the first N calls are to a blocked number.
expected_blocked() { ((BLOCKED_EVERY > 0)) && echo $((($1 + BLOCKED_EVERY - 1) / BLOCKED_EVERY)) || echo 0; }

data=$work/data
mkdir -p "$data"
args=(--data-dir "$data" --sip-listen 127.0.0.1:0 --api-listen 127.0.0.1:0 --no-share
	--sip-agent-listen "127.0.0.1:$AGENT_PORT" --sip-agent-destination "127.0.0.1:$DEST_PORT")
# shellcheck disable=SC2206 # split on purpose: several flags
[[ -z $DAEMON_ARGS ]] || args+=($DAEMON_ARGS)
spawn daemon "${prio[@]}" "$BIN" "${args[@]}"
dpid=$spawned
api=""
for ((i = 0; i < 200; i++)); do
	kill -0 "$dpid" 2>/dev/null || die "the daemon exited: $(tail -5 "$work/daemon.err")"
	api=$(sed -n 's/.*msg="sentrypeer started".* api=\([^ ]*\).*/\1/p' "$work/daemon.err" | head -1)
	[[ -z $api ]] || break
	sleep 0.05
done
[[ -n $api && $api != "<nil>" ]] || die "the daemon did not start with its API: $(tail -5 "$work/daemon.err")"
port_in_use "$AGENT_PORT" || die "the agent does not listen on 127.0.0.1:$AGENT_PORT"

for ((b = 0; b < BLOCKED && BLOCKED_EVERY > 0; b++)); do
	"$BIN" block "$(printf '00447700900%03d' "$b")" --data-dir "$data" --api "http://$api" \
		--for 1h --reason bench/sipagent >/dev/null 2>"$work/block.err" ||
		die "sentrypeer block failed: $(cat "$work/block.err")"
done

load=$(cut -d' ' -f1-3 /proc/loadavg)

# Warm-up: the first calls pay for page faults and the scheduler's first
# wake-ups; not measured.
sipp_run warmup "$WARMUP" "$RATE" 0
metrics warm
read -r _ _ _ w404 _ _ _ _ < <(sipp_counts warmup)
if ((w404 != $(expected_blocked "$WARMUP"))); then
	die "warm-up: $w404 answers 404, want $(expected_blocked "$WARMUP") (are the decisions in place?)"
fi

# run_measured LABEL KIND: one sipp run (KIND lat or top) with the daemon's
# CPU, the machine's idle time, the agent's counters and socket drops
# around it. Results go to R[LABEL.*].
declare -A R
run_measured() {
	local label=$1 kind=$2 c0 c1 i0 i1 w0 w1 d0 d1 inv acks r302 r404 unexp tout tsent tans sipp_cpu
	metrics before
	d0=$(agent_drops)
	c0=$(cpu_ticks "$dpid")
	i0=$(idle_ticks)
	w0=$(now)
	capture_cpu=0
	if [[ $kind == lat ]]; then
		capture_start "$label"
		sipp_run "$label" "$lat_calls" "$RATE" 0
		capture_stop "$label"
	else
		if [[ -n $PROFILE && -z ${profiled:-} ]]; then
			perf_start "$dpid"
			profiled=1
		fi
		sipp_run "$label" "$TOP_CALLS" "$TOP_RATE" "$WINDOW"
		[[ -z ${perf_pid:-} ]] || { perf_stop; perf_pid=""; }
	fi
	w1=$(now)
	i1=$(idle_ticks)
	c1=$(cpu_ticks "$dpid")
	d1=$(agent_drops)
	sleep 0.05
	metrics after
	kill -0 "$dpid" 2>/dev/null || die "the daemon exited during $label: $(tail -5 "$work/daemon.err")"

	read -r inv acks r302 r404 unexp tout tsent tans < <(sipp_counts "$label")
	sipp_cpu=$(times_cpu "$work/$label.times")
	R[$label.invites]=$inv
	R[$label.acks]=$acks
	R[$label.302]=$r302
	R[$label.404]=$r404
	R[$label.answered]=$((r302 + r404))
	R[$label.unexp]=$unexp
	R[$label.timeouts]=$tout
	R[$label.outofcall]=$(sipp_stat "$label" 'OutOfCallMsgs(C)')
	R[$label.offered]=$(awk -v n="$inv" -v t="$tsent" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')
	R[$label.rate]=$(awk -v n="$((r302 + r404))" -v t="$tans" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }')
	R[$label.elapsed]=$tans
	R[$label.drops]=$((d1 - d0))
	R[$label.a_requests]=$(mdelta requests)
	R[$label.a_redirects]=$(mdelta redirects)
	R[$label.a_rejected]=$(($(mdelta rejected_number) + $(mdelta rejected_caller)))
	R[$label.a_other]=$(($(mdelta other) + $(mdelta malformed) + $(mdelta options)))
	R[$label.a_errors]=$(mdelta errors)
	R[$label.cpu]=$(awk -v c="$((c1 - c0))" -v hz="$hz" 'BEGIN { printf "%.2f", c / hz }')
	R[$label.sipp_cpu]=$sipp_cpu
	R[$label.others]=$(awk -v w="$w0" -v w1="$w1" -v cpus="$(nproc)" -v i="$((i1 - i0))" \
		-v c="$((c1 - c0))" -v s="$sipp_cpu" -v d="$capture_cpu" -v hz="$hz" \
		'BEGIN { x = (w1 - w) * cpus - i / hz - c / hz - s - d; printf "%.2f", (x < 0 ? 0 : x) }')
	R[$label.capture_cpu]=$capture_cpu
	R[$label.wall]=$(awk -v a="$w0" -v b="$w1" 'BEGIN { printf "%.2f", b - a }')
	if [[ $kind == lat ]]; then
		local winv wans
		latencies "$label" >"$work/$label.wire"
		read -r winv wans <"$work/$label.wire"
		R[$label.wire_invites]=$winv
		R[$label.wire_answered]=$wans
		R[$label.p50]=$(pct "$work/$label.lat" 50)
		R[$label.p99]=$(pct "$work/$label.lat" 99)
		R[$label.max]=$(pct "$work/$label.lat" 100)
		R[$label.capdrop]=$capture_dropped
		# sipp's own figure, in ms on its 4 ms clock: a cross-check only.
		R[$label.sipp_p99]=$(awk -F';' 'NR > 1 { print $2 }' "$work/$label.rtt.csv" | sort -n >"$work/$label.srtt" && pct "$work/$label.srtt" 99)
		R[$label.pct_answered]=$(awk -v a="$((r302 + r404))" -v n="$lat_calls" 'BEGIN { printf "%.3f", (n > 0 ? 100 * a / n : 0) }')
	fi
}

for ((r = 1; r <= ROUNDS; r++)); do
	run_measured "lat$r" lat
	run_measured "top$r" top
done

# --- report --------------------------------------------------------------------

# median KEY: the median over the rounds of R[latN.KEY] or R[topN.KEY]
# (KEY given as lat.p99 or top.rate).
median() {
	local k=${1#*.} p=${1%%.*} r
	for ((r = 1; r <= ROUNDS; r++)); do echo "${R[$p$r.$k]}"; done |
		sort -n | awk '{ v[NR] = $1 } END { n = NR; if (n % 2) print v[(n + 1) / 2]; else printf "%.0f\n", (v[n / 2] + v[n / 2 + 1]) / 2 }'
}

sipp_version=$("$SIPP" -v 2>&1 | grep -o 'SIPp v[^ ]*' | head -1 | sed 's/[.,]$//' || true) # sipp -v exits 99
echo
echo "SIP agent benchmark: $ROUNDS round(s); $proto; $BLOCKED numbers blocked, every ${BLOCKED_EVERY}th call to one"
echo "  ${sipp_version:-sipp}, $(nproc) CPUs, load average at start $load$([[ -z $NICE ]] || echo ", daemon, sipp and tcpdump at nice $NICE")"
echo "  daemon: $BIN ${args[*]} (API $api)"
echo "  sipp: $SIPP -sf bench/sipagent/invite.xml 127.0.0.1:$AGENT_PORT -p $SIPP_PORT -t $TRANSPORT -nr -r R [-l WINDOW]"
echo

echo "(a) latency: $lat_calls calls at $RATE/s offered; INVITE to final response on the wire (tcpdump on lo), us"
printf '  %-5s %9s %9s %7s %7s %5s %5s %7s %7s %7s %10s %6s %6s %6s %6s\n' \
	round offered/s answered% 302 404 tout unexp p50 p99 max "sipp p99ms" drops cpu sipp other
for ((r = 1; r <= ROUNDS; r++)); do
	l=lat$r
	printf '  %-5s %9s %9s %7s %7s %5s %5s %7s %7s %7s %10s %6s %6s %6s %6s\n' "$r" "${R[$l.offered]}" \
		"${R[$l.pct_answered]}" "${R[$l.302]}" "${R[$l.404]}" "${R[$l.timeouts]}" "${R[$l.unexp]}" \
		"${R[$l.p50]}" "${R[$l.p99]}" "${R[$l.max]}" "${R[$l.sipp_p99]}" "${R[$l.drops]}" \
		"${R[$l.cpu]}" "${R[$l.sipp_cpu]}" "${R[$l.others]}"
done
echo
echo "(b) top rate: $TOP_CALLS calls, sipp -r $TOP_RATE$( ((WINDOW == 0)) || echo " -l $WINDOW")"
printf '  %-5s %9s %10s %7s %7s %5s %5s %7s %6s %6s %6s %6s\n' \
	round sent/s answered/s 302 404 tout unexp secs drops cpu sipp other
for ((r = 1; r <= ROUNDS; r++)); do
	l=top$r
	printf '  %-5s %9s %10s %7s %7s %5s %5s %7s %6s %6s %6s %6s\n' "$r" "${R[$l.offered]}" "${R[$l.rate]}" \
		"${R[$l.302]}" "${R[$l.404]}" "${R[$l.timeouts]}" "${R[$l.unexp]}" "${R[$l.elapsed]}" \
		"${R[$l.drops]}" "${R[$l.cpu]}" "${R[$l.sipp_cpu]}" "${R[$l.others]}"
done
echo "  (tout: calls sipp failed after RECV_TIMEOUT=${RECV_TIMEOUT}ms without an answer; drops: datagrams the"
echo "  kernel dropped at the agent's socket; cpu/sipp/other: CPU s of the daemon, of sipp and of everything"
echo "  else on the machine during the run, tcpdump excepted; other work on the machine shows in \"other\")"
echo

# Cross-check against the agent's own counters: every message sipp sent was
# either read by the agent (requests) or dropped by the kernel at its socket
# (UDP); every INVITE the agent read got a 302 or a reject, and sipp
# received every answer the agent sent. INVITEs the kernel dropped before
# the agent read them are shown, not a failure here: they are in the
# answered figures above.
echo "agent's counters (/metrics, sentrypeer_sip_agent_*), per run:"
printf '  %-6s %8s %8s %9s %9s %8s %8s %6s %6s %9s %9s  %s\n' \
	run invites "acks rd" requests "+drops" 302s rejects other errors "sipp got" "wire inv" verdict
xfail=0 hfail=0
for ((r = 1; r <= ROUNDS; r++)); do
	for l in "lat$r" "top$r"; do
		sent=$((R[$l.invites] + R[$l.acks]))
		answers=$((R[$l.a_redirects] + R[$l.a_rejected]))
		acks_read=$((R[$l.a_requests] - answers - R[$l.a_other]))
		verdict=ok
		if [[ $proto == udp ]] && ((R[$l.a_requests] + R[$l.drops] != sent)); then
			verdict="requests+drops != sent ($sent)"
		elif ((R[$l.a_other] > 0 || R[$l.a_errors] > 0)); then
			verdict="unexpected answers or errors"
		elif ((R[$l.answered] < answers)); then
			# sipp, starved of CPU, read them after RECV_TIMEOUT or not at
			# all: the run measured sipp, not the agent.
			verdict="harness: sipp got $((answers - R[$l.answered])) answers fewer than the agent sent"
			hfail=1
		elif ((R[$l.answered] != answers || R[$l.302] != R[$l.a_redirects])); then
			verdict="sipp's 302s and 404s != the agent's redirects and rejects"
		fi
		[[ $verdict == ok || $verdict == harness:* ]] || xfail=1
		if [[ $verdict == ok ]] && ((answers < R[$l.invites])); then
			verdict="ok; $((R[$l.invites] - answers)) INVITEs dropped before the agent read them"
		fi
		printf '  %-6s %8s %8s %9s %9s %8s %8s %6s %6s %9s %9s  %s\n' "$l" "${R[$l.invites]}" "$acks_read" \
			"${R[$l.a_requests]}" "$((R[$l.a_requests] + R[$l.drops]))" "${R[$l.a_redirects]}" "${R[$l.a_rejected]}" \
			"${R[$l.a_other]}" "${R[$l.a_errors]}" "${R[$l.answered]}" "${R[$l.wire_invites]:--}" "$verdict"
	done
done
# The 404s are exactly the calls to blocked numbers (when none was lost).
mix=ok
for ((r = 1; r <= ROUNDS; r++)); do
	l=lat$r
	if ((R[$l.answered] == lat_calls && R[$l.404] != $(expected_blocked "$lat_calls"))); then
		mix="round $r: ${R[$l.404]} answers 404, want $(expected_blocked "$lat_calls")"
	fi
done
echo "  404s = calls to blocked numbers: $mix"

if [[ -n $PROFILE && -s $PROFILE/self.txt ]]; then
	echo
	echo "daemon's CPU during the first top-rate run (perf, self time; $PROFILE):"
	grep -E '^ +[0-9.]+%' "$PROFILE/self.txt" | head -n 20 | cut -c1-110 | sed 's/^/  /'
fi
echo

top=$(median top.rate)
p50=$(median lat.p50)
p99=$(median lat.p99)
offered=$(median lat.offered)
min_answered=$(for ((r = 1; r <= ROUNDS; r++)); do echo "${R[lat$r.pct_answered]}"; done | sort -n | head -1)
echo "medians over $ROUNDS round(s): offered $offered/s: p50 $p50 us, p99 $p99 us; top rate $top answers/s"
echo

fail=0
check() { # check NAME OK DETAIL
	local verdict=PASS
	if [[ $2 != 1 ]]; then verdict=FAIL; fail=1; fi
	printf '  %-46s %s  (%s)\n' "$1" "$verdict" "$3"
}
echo "floors:"
check "answers/s at the top rate >= $FLOOR_TOP (median)" \
	"$(awk -v a="$top" -v f="$FLOOR_TOP" 'BEGIN { print (a >= f) }')" "$top/s"
check "p99 at $RATE/s < $FLOOR_P99_US us (median)" \
	"$(awk -v a="$p99" -v f="$FLOOR_P99_US" 'BEGIN { print (a != "-" && a < f) }')" "$p99 us"
check "answered at $RATE/s >= $FLOOR_ANSWERED % (every round)" \
	"$(awk -v a="$min_answered" -v f="$FLOOR_ANSWERED" 'BEGIN { print (a >= f) }')" "lowest $min_answered %"
check "302/404 as decided, counters agree" "$([[ $mix == ok && $xfail == 0 ]] && echo 1 || echo 0)" \
	"$([[ $mix == ok && $xfail == 0 ]] && echo "every run" || echo "see above")"

low=$(for ((r = 1; r <= ROUNDS; r++)); do echo "${R[lat$r.offered]}"; done | sort -n | head -1)
if ! awk -v o="$low" -v r="$RATE" -v f="$FLOOR_OFFERED" 'BEGIN { exit !(o >= r * f / 100) }'; then
	echo "result: HARNESS FAILED (sipp offered only $low/s of RATE=$RATE in a latency run; see \"other\")"
	exit 2
fi
if ((hfail)); then
	echo "result: HARNESS FAILED (sipp lost answers the agent sent: it was short of CPU; see \"other\")"
	exit 2
fi
for ((r = 1; r <= ROUNDS; r++)); do
	l=lat$r
	if ((R[$l.capdrop] > 0 || R[$l.wire_invites] != R[$l.invites])); then
		echo "result: HARNESS FAILED (latency round $r: the capture holds ${R[$l.wire_invites]} of ${R[$l.invites]} INVITEs; tcpdump dropped ${R[$l.capdrop]} packets)"
		exit 2
	fi
done

# Stop the daemon; a clean exit is part of the run.
kill -TERM "$dpid"
for ((i = 0; i < STOP_TIMEOUT * 20; i++)); do
	[[ -e $work/daemon.rc ]] && break
	sleep 0.05
done
[[ -e $work/daemon.rc ]] || die "the daemon did not exit within ${STOP_TIMEOUT}s of SIGTERM"
reap daemon
((reaped == 0)) || echo "warning: the daemon exited $reaped: $(tail -3 "$work/daemon.err")" >&2

if ((fail)); then
	echo "result: FAIL"
	exit 1
fi
echo "result: PASS"
