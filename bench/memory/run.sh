#!/usr/bin/env bash
# Memory benchmark: the attacker's shape of a toll-fraud scan, a new called
# number on every probe. For each daemon configuration it starts the daemon
# with its defaults (sharing, API, index, store) on loopback, sends EVENTS
# OPTIONS with sipp whose Request-URIs cycle over NUMBERS distinct numbers,
# waits until every probe is stored and indexed, then measures
#   - resident memory now and at its peak (VmRSS, VmHWM),
#   - the CPU the idle daemon uses afterwards (IDLE seconds),
#   - GET /api/v1/check/ip/{ip} under wrk (-t1 -c8, as in the issue), in
#     ROUNDS rounds that take each configuration in turn once all are
#     filled, so that the machine's noise falls on all alike (median),
#   - what the index holds (/api/v1/stats) and the Go heap (/metrics).
# It prints one row per configuration and PASS/FAIL against the floors,
# and fails any configuration that did not store every probe sent.
#
# Environment (defaults in brackets):
#   EVENTS   probes sent per configuration [1000000]
#   NUMBERS  distinct called numbers they cycle over [1000000]
#   RATE     sipp rate, probes/s [50000]
#   CONFIGS  daemon flag sets, separated by '|'; "default" is no extra flag
#            ["default|--memory-limit 0"]
#   LIMIT_MB the configured limit the first configuration must stay under,
#            MB (10^6 bytes); empty: the floor of 150 MB only []
#   BIN      sentrypeer binary; built from ./cmd/sentrypeer when empty []
#   PORT     SIP port on 127.0.0.1 of the first configuration; the API is
#            PORT+1, peer-to-peer PORT+2, sipp sends from PORT+3; the next
#            configuration uses PORT+10 and so on [17060]
#   IDLE     seconds of idle CPU measured [10]
#   WRK_SECS wrk seconds per round [5]
#   ROUNDS   wrk rounds [3]
#   KEEP     1 keeps the work directory []
#   TRACE    a file: every 0.1 s from the daemon's start until its probes
#            are stored, append "config seconds RssAnon_kB RssFile_kB" from
#            /proc/PID/status (where a peak comes from: the heap or the
#            binary's pages) []
# Exit status: 0 when every floor holds, 1 when one does not, 2 when the
# harness failed.
set -euo pipefail

EVENTS=${EVENTS:-1000000}
NUMBERS=${NUMBERS:-1000000}
RATE=${RATE:-50000}
CONFIGS=${CONFIGS:-default|--memory-limit 0}
LIMIT_MB=${LIMIT_MB:-}
BIN=${BIN:-}
PORT=${PORT:-17060}
IDLE=${IDLE:-10}
WRK_SECS=${WRK_SECS:-5}
ROUNDS=${ROUNDS:-3}
KEEP=${KEEP:-}
TRACE=${TRACE:-}

FLOOR_RSS_MB=150   # resident after EVENTS, default configuration
FLOOR_IDLE=0.01    # cores used while idle
FLOOR_RPS_RATIO=90 # % of the last configuration's check/ip throughput

die() { echo "run.sh: $*" >&2; exit 2; }
for c in sipp wrk curl; do command -v $c >/dev/null || die "$c not found (make peers)"; done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=bench/lib/proc.sh
source "$root/bench/lib/proc.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/membench.XXXXXX")
hz=$(getconf CLK_TCK)
pids=()

stop_daemon() {
	local p=$1
	if kill -0 "$p" 2>/dev/null; then
		kill -TERM "$p" 2>/dev/null || true
		for _ in $(seq 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	fi
}
cleanup() {
	local p
	for p in "${pids[@]}"; do stop_daemon "$p"; done
	if [[ -n $KEEP ]]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
api() { curl -sf "http://127.0.0.1:$((port + 1))$1"; }
jnum() { sed -n "s/.*\"$1\": *\([0-9][0-9]*\).*/\1/p" | head -1; }

if [[ -z $BIN ]]; then
	(cd "$root" && go build -o "$work/sentrypeer" ./cmd/sentrypeer) || die "building ./cmd/sentrypeer"
	BIN=$work/sentrypeer
fi

# One called number per line, cycled over by sipp in order.
awk -v n="$NUMBERS" 'BEGIN { print "SEQUENTIAL"; for (i = 0; i < n; i++) printf "004670%09d\n", i }' >"$work/numbers.csv"
cat >"$work/options.xml" <<'EOF'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="OPTIONS to a new number each">
  <send>
    <![CDATA[

      OPTIONS sip:[field0]@[remote_ip] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      To: <sip:[field0]@[remote_ip]>
      From: "sipvicious"<sip:100@1.1.1.1>;tag=[pid]31[call_number]
      User-Agent: friendly-scanner
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      Content-Length: 0

    ]]>
  </send>
</scenario>
EOF

printf '%-28s %9s %9s %9s %9s %10s %9s\n' config sent stored indexed rss_MB peak_MB idle_core
fail=0
i=0
declare -a rps_of rss_of idle_of peak_of stored_of
IFS='|' read -ra configs <<<"$CONFIGS"
for conf in "${configs[@]}"; do
	i=$((i + 1))
	data=$work/data$i
	port=$((PORT + 10 * (i - 1)))
	ports[i]=$port
	extra=()
	[[ $conf == default ]] || read -ra extra <<<"$conf"
	"$BIN" --data-dir "$data" --sip-listen "127.0.0.1:$port" --api-listen "127.0.0.1:$((port + 1))" \
		--p2p-listen "/ip4/127.0.0.1/tcp/$((port + 2))" "${extra[@]}" >"$work/daemon$i.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	pid_of[i]=$pid
	tracer=
	if [[ -n $TRACE ]]; then
		(
			start=$(date +%s.%N)
			while [[ -r /proc/$pid/status ]]; do
				awk -v c="${conf// /_}" -v t="$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }')" \
					'$1 == "RssAnon:" { a = $2 } $1 == "RssFile:" { f = $2 } END { if (a) print c, t, a, f }' "/proc/$pid/status" 2>/dev/null
				sleep 0.1
			done
		) >>"$TRACE" &
		tracer=$!
	fi
	for _ in $(seq 200); do api /health-check >/dev/null 2>&1 && break; sleep 0.05; done
	api /health-check >/dev/null || die "daemon ($conf) did not start: $(tail -3 "$work/daemon$i.log")"

	sipp -sf "$work/options.xml" -inf "$work/numbers.csv" "127.0.0.1:$port" -i 127.0.0.1 -p "$((port + 3))" -t u1 \
		-m "$EVENTS" -r "$RATE" -rp 1000 -nostdin -nr -deadcall_wait 0 -max_sched_loops 5000 \
		-timeout "$((EVENTS / RATE * 3 + 30))s" >"$work/sipp$i.log" 2>&1 || echo "warning: sipp: $(tail -2 "$work/sipp$i.log")" >&2

	# Wait until the store's count stops moving (every probe committed and
	# indexed), at most 120 s.
	last=-1 stored=0
	for _ in $(seq 240); do
		stored=$(api /api/v1/stats | jnum events_total || echo 0)
		[[ $stored == "$last" ]] && break
		last=$stored
		sleep 0.5
	done
	stored_db=$(api /metrics | awk '$1 == "sentrypeer_store_events_stored_total" { print $2 }')
	if [[ -n $tracer ]]; then kill "$tracer" 2>/dev/null || true; wait "$tracer" 2>/dev/null || true; fi
	indexed=$(api /api/v1/stats | jnum events_total)
	sleep 2 # let the last commit and the collector settle
	t0=$(cpu_ticks "$pid")
	sleep "$IDLE"
	t1=$(cpu_ticks "$pid")
	idle=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$IDLE" 'BEGIN { printf "%.3f", d / hz / s }')
	rss=$(awk -v k="$(status_kb "$pid" VmRSS)" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')

	peak=$(awk -v k="$(status_kb "$pid" VmHWM)" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')
	echo "  [$conf] $(grep -E '^(RssAnon|RssFile|RssShmem)' "/proc/$pid/status" | tr -s ' \t' ' ' | tr '\n' ' ')"
	api /metrics | grep -E '^(go_memstats_heap_inuse_bytes|go_gc_gomemlimit_bytes|sentrypeer_index_(bytes|budget_bytes|events|evicted_events_total)) ' | sed "s/^/  [$conf] /" || true
	printf '%-28s %9s %9s %9s %9s %10s %9s\n' "$conf" "$EVENTS" "${stored_db:-?}" "$indexed" "$rss" "$peak" "$idle"
	rss_of[i]=$rss peak_of[i]=$peak idle_of[i]=$idle
	stored_of[i]=$(awk -v s="${stored_db:-0}" 'BEGIN { printf "%d", s }')
done

# check/ip under wrk, every configuration once a round.
echo
printf '%-28s %s\n' config "check/ip req/s and p99 ms, round by round"
declare -A rps_round p99_round
for ((r = 1; r <= ROUNDS; r++)); do
	for ((c = 1; c <= i; c++)); do
		f=$work/wrk$c.$r.txt
		wrk -t1 -c8 -d"${WRK_SECS}s" --latency "http://127.0.0.1:$((ports[c] + 1))/api/v1/check/ip/127.0.0.1" >"$f" 2>&1 || die "wrk failed"
		rps_round[$c,$r]=$(awk '/^Requests\/sec/ { printf "%d", $2 }' "$f")
		p99_round[$c,$r]=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) sub(/ms/, "", v); else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 }; printf "%.2f", v }' "$f")
	done
done
for ((c = 1; c <= i; c++)); do
	line=
	for ((r = 1; r <= ROUNDS; r++)); do line+="${rps_round[$c,$r]}/${p99_round[$c,$r]} "; done
	rps_of[c]=$(for ((r = 1; r <= ROUNDS; r++)); do echo "${rps_round[$c,$r]}"; done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	printf '%-28s %s median %s req/s\n' "${configs[c - 1]}" "$line" "${rps_of[c]}"
done

echo
verdict() { if (($1)); then echo "PASS  $2"; else echo "FAIL  $2"; fail=1; fi; }
for ((c = 1; c <= i; c++)); do
	verdict "$((stored_of[c] == EVENTS))" "stored ${stored_of[c]} of $EVENTS, ${configs[c - 1]} (nothing sent may be lost)"
done
verdict "$(awk -v r="${rss_of[1]}" -v f=$FLOOR_RSS_MB 'BEGIN { print (r <= f) }')" "resident ${rss_of[1]} MB after $EVENTS events, first configuration (floor $FLOOR_RSS_MB MB)"
if [[ -n $LIMIT_MB ]]; then
	verdict "$(awk -v r="${peak_of[1]}" -v f="$LIMIT_MB" 'BEGIN { print (r <= f) }')" "peak resident ${peak_of[1]} MB, first configuration (limit $LIMIT_MB MB)"
fi
verdict "$(awk -v r="${idle_of[1]}" -v f=$FLOOR_IDLE 'BEGIN { print (r < f) }')" "idle CPU ${idle_of[1]} of a core, first configuration (floor < $FLOOR_IDLE)"
if ((i >= 2)); then
	pct=$(awk -v a="${rps_of[1]}" -v b="${rps_of[i]}" 'BEGIN { printf "%.0f", 100 * a / b }')
	verdict "$((pct >= FLOOR_RPS_RATIO))" "check/ip ${rps_of[1]} req/s, $pct % of the last configuration's ${rps_of[i]} (floor $FLOOR_RPS_RATIO %)"
fi
exit $fail
