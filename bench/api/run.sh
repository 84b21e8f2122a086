#!/usr/bin/env bash
# API benchmark: starts the daemon on a copy of a database filled by
# bench/fill, waits until its index has loaded, then measures
#   - the first page of /api/v1/events, /api/v1/ip-addresses and
#     /api/v1/stats (median and max of REPS requests, curl's time_total),
#   - /api/v1/check/ip/{ip} under wrk: requests/s and latency percentiles,
#     over IPs drawn from the export (bad) and unseen ones,
#   - the daemon's resident memory (now and peak).
# It prints the figures and PASS/FAIL against the floors of the API issue.
#
# Environment (defaults in brackets):
#   EVENTS   events to fill when DB is empty [1000000]
#   DB       a filled database to copy; filled into the work dir when empty []
#   BIN      sentrypeer binary; built from ./cmd/sentrypeer when empty []
#   PORT     API port on 127.0.0.1 [18090]
#   CONNS    wrk connections [2]
#   THREADS  wrk threads [1]
#   DURATION wrk seconds per run [8]
#   RUNS     wrk runs; the median run is reported [3]
#   PIN      1 pins the daemon to CPU 0 and wrk to CPU 1, so that the load
#            generator does not take the daemon's core; 0 lets them share
#            both cores [1 when there are 2 or more CPUs]
#   REPS     requests per first-page figure [21]
#   KEEP     1 keeps the work directory []
# Exit status: 0 when every floor holds, 1 when one does not, 2 when the
# harness failed.
set -euo pipefail

EVENTS=${EVENTS:-1000000}
DB=${DB:-}
BIN=${BIN:-}
PORT=${PORT:-18090}
CONNS=${CONNS:-2}
THREADS=${THREADS:-1}
DURATION=${DURATION:-8}
RUNS=${RUNS:-3}
PIN=${PIN:-$( (($(nproc) >= 2)) && echo 1 || echo 0)}
REPS=${REPS:-21}
KEEP=${KEEP:-}

FLOOR_RPS=20000     # check requests/s
FLOOR_P99_MS=1      # check p99, ms
FLOOR_PAGE_MS=50    # first page of events, ip-addresses, stats, ms
FLOOR_RSS_MB=300    # resident, MB (10^6 bytes)

die() { echo "run.sh: $*" >&2; exit 2; }
command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
command -v curl >/dev/null || die "curl not found"

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/apibench.XXXXXX")
pid=

cleanup() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	if [[ -z $KEEP ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM

if [[ -z $BIN ]]; then
	BIN=$work/sentrypeer
	(cd "$root" && CGO_ENABLED=0 go build -o "$BIN" ./cmd/sentrypeer) || die "build failed"
fi
mkdir -p "$work/data"
if [[ -n $DB ]]; then
	[[ -f $DB ]] || die "no database at $DB"
	sqlite_copy() { cp "$1" "$2"; [[ -f $1-wal ]] && cp "$1-wal" "$2-wal"; return 0; }
	sqlite_copy "$DB" "$work/data/sentrypeer.db"
else
	echo "filling $EVENTS events..."
	(cd "$root" && go run ./bench/fill -db "$work/data/sentrypeer.db" -events "$EVENTS") | tail -1
fi

api=http://127.0.0.1:$PORT
daemon_cpu=() wrk_cpu=()
if [[ $PIN == 1 ]]; then daemon_cpu=(taskset -c 0) wrk_cpu=(taskset -c 1); fi
"${daemon_cpu[@]}" "$BIN" --data-dir "$work/data" --sip-listen 127.0.0.1:0 --api-listen 127.0.0.1:$PORT >"$work/daemon.log" 2>&1 &
pid=$!
started=$(date +%s.%N)
for _ in $(seq 600); do
	if curl -sf "$api/api/v1/stats?top=1" 2>/dev/null | grep -q '"ready":true'; then break; fi
	kill -0 "$pid" 2>/dev/null || { cat "$work/daemon.log"; die "daemon exited"; }
	sleep 0.1
done
curl -sf "$api/api/v1/stats?top=1" | grep -q '"ready":true' || die "index not ready after 60 s"
ready=$(date +%s.%N)
events=$(curl -sf "$api/api/v1/stats?top=1" | sed -n 's/.*"events_total":\([0-9]*\).*/\1/p')
ips=$(curl -sf "$api/api/v1/stats?top=1" | sed -n 's/.*"ip_addresses_total":\([0-9]*\).*/\1/p')
printf 'index: %s events, %s IPs, loaded %.1f s after start\n' "$events" "$ips" "$(echo "$ready - $started" | bc)"

rss_mb() { awk -v f="$1" '$1==f":" {printf "%.0f", $2*1024/1e6}' "/proc/$pid/status"; }

# median and max of REPS timings of one URL, in ms
page() {
	local url=$1 t=()
	for _ in $(seq "$REPS"); do
		t+=("$(curl -sf -o /dev/null -w '%{time_total}' "$url")") || die "GET $url failed"
	done
	printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1*1000} END {printf "%.1f %.1f", a[int((NR+1)/2)], a[NR]}'
}
fail=0
printf '%-40s %8s %8s\n' "first page (ms)" median max
for path in "/api/v1/events" "/api/v1/ip-addresses" "/api/v1/stats" "/api/v1/events?ip=$(curl -sf "$api/api/v1/stats?top=1" | sed -n 's/.*"top_ip_addresses":\[{"value":"\([^"]*\)".*/\1/p')"; do
	read -r med max <<<"$(page "$api$path")"
	ok=PASS
	awk -v m="$med" -v f="$FLOOR_PAGE_MS" 'BEGIN {exit !(m < f)}' || { ok=FAIL; fail=1; }
	printf '%-40s %8s %8s  %s\n' "$path" "$med" "$max" "$ok"
done

# check: half of the paths name bad IPs from the export, half unseen ones
curl -sf "$api/api/v1/export?format=txt" >"$work/export.txt" || die "export failed"
head -5000 "$work/export.txt" >"$work/bad.txt"
{
	echo 'local paths = {}'
	while read -r ip; do echo "paths[#paths+1] = \"/api/v1/check/ip/$ip\""; done <"$work/bad.txt"
	for i in $(seq 1 250); do for j in $(seq 1 20); do echo "paths[#paths+1] = \"/api/v1/check/ip/192.0.2.$i\""; done; done
	echo 'local i = 0'
	echo 'request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end'
} >"$work/check.lua"
lat() { awk -v p="$1" '$1==p {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}' "$2"; }
for run in $(seq "$RUNS"); do
	"${wrk_cpu[@]}" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$work/check.lua" "$api" >"$work/wrk$run.txt" || die "wrk failed"
	errors=$(grep -E 'Non-2xx|Socket errors' "$work/wrk$run.txt" || true)
	[[ -z $errors ]] || { echo "wrk: $errors"; fail=1; }
	printf '%s %s %s\n' "$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk$run.txt")" "$(lat 50% "$work/wrk$run.txt")" "$(lat 99% "$work/wrk$run.txt")"
done >"$work/runs.txt"
pin_note=shared; [[ $PIN == 1 ]] && pin_note="daemon on CPU 0, wrk on CPU 1"
printf 'check/ip under wrk (-t%s -c%s, %s runs of %ss, %s):\n' "$THREADS" "$CONNS" "$RUNS" "$DURATION" "$pin_note"
awk '{printf "  run %d: %8.0f req/s, p50 %s ms, p99 %s ms\n", NR, $1, $2, $3}' "$work/runs.txt"
# the median run by p99
read -r rps p50 p99 <<<"$(sort -k3,3n "$work/runs.txt" | awk -v m=$(( (RUNS + 1) / 2 )) 'NR==m')"
ok=PASS
awk -v r="$rps" -v f="$FLOOR_RPS" 'BEGIN {exit !(r >= f)}' || { ok=FAIL; fail=1; }
awk -v p="$p99" -v f="$FLOOR_P99_MS" 'BEGIN {exit !(p < f)}' || { ok=FAIL; fail=1; }
printf '  median run: %.0f req/s, p50 %s ms, p99 %s ms  %s\n' "$rps" "$p50" "$p99" "$ok"
curl -sf "$api/metrics" | awk '/^sentrypeer_api_request_duration_seconds_bucket\{route="\/api\/v1\/check\/ip\/\{ip\}",le="0.0001"\}/ {u=$2}
	/^sentrypeer_api_request_duration_seconds_count\{route="\/api\/v1\/check\/ip\/\{ip\}"\}/ {n=$2}
	END {if (n > 0) printf "  inside the daemon: %.2f %% of %d checks were answered in under 100 us\n", 100*u/n, n}'

rss=$(rss_mb VmRSS) hwm=$(rss_mb VmHWM)
ok=PASS
((hwm < FLOOR_RSS_MB)) || { ok=FAIL; fail=1; }
printf 'resident memory: now %s MB, peak %s MB  %s\n' "$rss" "$hwm" "$ok"
exit $fail
