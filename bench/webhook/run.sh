#!/usr/bin/env bash
# Webhook benchmark: how fast the daemon's webhook (-w) drains a backlog to
# a local receiver. For each batch size in BATCHES it starts the daemon on a
# fresh data folder with -w pointing at bench/webhook/hookbench, a Go
# receiver that answers 503 with Retry-After: 1 until told to go; sends
# EVENTS probes over UDP; waits until /metrics shows every one in the
# outbox on disk (sentrypeer_webhook_enqueued_events_total); then opens the
# receiver and prints the delivery rate it measured from the first 2xx to
# the last event. Everything stays on 127.0.0.1. Needs curl and go.
#
# Environment (defaults in brackets):
#   EVENTS       probes sent, then delivered, per run [20000]
#   BATCHES      --webhook-batch values, one run each ["1 100"]
#   CONCURRENCY  --webhook-concurrency [1]
#   PORT         first of the daemon's SIP, API and the receiver's ports [15070]
#   BIN          sentrypeer binary; built from ./cmd/sentrypeer when empty []
#   DAEMON_ARGS  extra flags for the daemon, split on spaces []
#   TIMEOUT      seconds each wait may take [120]
#   KEEP         1 keeps the work directory (logs, databases) []
# Exit status: 0 when every run delivered every event, 1 when one did not,
# 2 when the harness itself failed.
set -euo pipefail
export LC_ALL=C

EVENTS=${EVENTS:-20000}
BATCHES=${BATCHES:-1 100}
CONCURRENCY=${CONCURRENCY:-1}
PORT=${PORT:-15070}
BIN=${BIN:-}
[[ $BIN != */* || $BIN == /* ]] || BIN=$PWD/$BIN
DAEMON_ARGS=${DAEMON_ARGS:-}
TIMEOUT=${TIMEOUT:-120}
KEEP=${KEEP:-}

die() { echo "run.sh: $*" >&2; exit 2; }

[[ $EVENTS =~ ^[1-9][0-9]*$ ]] || die "EVENTS must be a positive integer, got '$EVENTS'"
[[ $CONCURRENCY =~ ^[1-9][0-9]*$ ]] || die "CONCURRENCY must be a positive integer, got '$CONCURRENCY'"
[[ $PORT =~ ^[1-9][0-9]*$ ]] && ((PORT < 65000)) || die "PORT must be a number below 65000, got '$PORT'"
command -v curl >/dev/null || die "curl not found"
command -v go >/dev/null || die "go not found"

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/webhook.XXXXXX")
sip=127.0.0.1:$PORT api=127.0.0.1:$((PORT + 1)) hook=127.0.0.1:$((PORT + 2))

pids=() # every live process this script started, stopped by PID on exit
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [[ -n $KEEP ]]; then
		echo "work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
forget() { local p=$1 q keep=(); for q in "${pids[@]}"; do [[ $q == "$p" ]] || keep+=("$q"); done; pids=("${keep[@]}"); }

cd "$root"
if [[ -z $BIN ]]; then
	BIN=$work/sentrypeer
	CGO_ENABLED=0 go build -o "$BIN" ./cmd/sentrypeer || die "building sentrypeer failed"
fi
CGO_ENABLED=0 go build -o "$work/hookbench" ./bench/webhook/hookbench || die "building hookbench failed"

# enqueued prints sentrypeer_webhook_enqueued_events_total, or 0.
enqueued() {
	curl -sf "http://$api/metrics" 2>/dev/null | awk '$1 == "sentrypeer_webhook_enqueued_events_total" {print $2; found=1} END {if (!found) print 0}'
}

echo "webhook benchmark: EVENTS=$EVENTS BATCHES=\"$BATCHES\" CONCURRENCY=$CONCURRENCY, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
for batch in $BATCHES; do
	[[ $batch =~ ^[1-9][0-9]*$ ]] || die "BATCHES must hold positive integers, got '$batch'"
	run=$work/batch$batch
	mkdir -p "$run"
	"$work/hookbench" receive -listen "$hook" -n "$EVENTS" >"$run/rate" 2>"$run/receiver.log" &
	rx=$!
	pids+=("$rx")
	# shellcheck disable=SC2086 # DAEMON_ARGS is split on purpose
	"$BIN" --data-dir "$run/data" --sip-listen "$sip" --api-listen "$api" --no-share \
		-w "http://$hook/hook" --webhook-batch "$batch" --webhook-concurrency "$CONCURRENCY" \
		--webhook-max-queue $((EVENTS * 2)) --queue-size 65536 $DAEMON_ARGS >"$run/daemon.log" 2>&1 &
	sp=$!
	pids+=("$sp")
	for ((i = 0; i < TIMEOUT * 10; i++)); do
		grep -qs "sentrypeer started" "$run/daemon.log" && break
		kill -0 "$sp" 2>/dev/null || die "the daemon exited; see $run/daemon.log"
		sleep 0.1
	done
	"$work/hookbench" send -to "$sip" -n "$EVENTS"
	for ((i = 0; i < TIMEOUT * 10; i++)); do
		(($(enqueued) >= EVENTS)) && break
		sleep 0.1
	done
	q=$(enqueued)
	((q >= EVENTS)) || { echo "batch $batch: only $q of $EVENTS events queued (UDP loss?)"; status=1; }
	curl -sf "http://$hook/go" >/dev/null || die "the receiver does not answer"
	ok=
	for ((i = 0; i < TIMEOUT * 10; i++)); do
		if ! kill -0 "$rx" 2>/dev/null; then ok=1; break; fi
		sleep 0.1
	done
	wait "$rx" 2>/dev/null || true
	forget "$rx"
	kill -TERM "$sp"
	wait "$sp" 2>/dev/null || true
	forget "$sp"
	if [[ -n $ok ]] && [[ -s $run/rate ]]; then
		echo "batch $batch: $(cat "$run/rate") (events/s from the first 2xx to the last event)"
	else
		echo "batch $batch: not every event arrived within ${TIMEOUT}s"
		kill -TERM "$rx" 2>/dev/null || true
		status=1
	fi
done
exit $status
