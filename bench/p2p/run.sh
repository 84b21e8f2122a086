#!/usr/bin/env bash
# Peer-to-peer benchmark: a thin wrapper around `go run ./bench/p2p`
# (main.go says what it measures). Flags given to this script are passed
# on; the environment sets the defaults:
#   NODES    nodes [20]
#   RECORDS  records injected at node 0 [1000]
#   RATE     INVITEs per second [50]
#   TIMEOUT  longest wait for the mesh and for every record [60s]
#   BIN      sentrypeer binary; built from ./cmd/sentrypeer when empty []
#   KEEP     set to keep the harness's temporary directory []
# Exit status: 0 when every floor holds, 1 when one does not, 2 when the
# harness failed or was interrupted.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/p2pbench-run.XXXXXX")
pid=

# shellcheck disable=SC2317 # called by the trap
cleanup() {
	# The harness stops its nodes itself on SIGTERM; give it time to.
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

(cd "$root" && go build -o "$work/p2pbench" ./bench/p2p) || { echo "run.sh: building bench/p2p failed" >&2; exit 2; }
cd "$root"
"$work/p2pbench" -nodes "${NODES:-20}" -records "${RECORDS:-1000}" -rate "${RATE:-50}" \
	-timeout "${TIMEOUT:-60s}" "$@" &
pid=$!
rc=0
wait "$pid" || rc=$?
pid=
exit "$rc"
