#!/usr/bin/env bash
# make check-container: builds the prebuilt target of container/Containerfile
# (the image from the binary `make build` made: no registry needed), runs
# it with podman on the host network on free loopback ports, probes it with
# sipp over UDP and TCP, reads the probes back through the API (with the
# API key), checks the data volume across a restart, and reports the image
# size. The container, its volume and the image are
# removed by ID however the test ends.
#
#   container/check.sh [BINARY]      (default bin/sentrypeer)
#
# Without podman it is skipped, except in CI (CI=true), where it fails.
# PODMAN_RUNTIME picks the OCI runtime (default runc when installed: crun
# fails on these VMs, see PEERS.md).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-bin/sentrypeer}
t0=$(date +%s%N)
say() { printf 'check-container: %s\n' "$*"; }
die() { printf 'check-container: FAIL: %s\n' "$*" >&2; exit 1; }

if ! command -v podman >/dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    die "podman is missing (CI=true, so this fails rather than skips; ./.ci/install-peers installs it)"
  fi
  say "SKIPPED: podman is missing (./.ci/install-peers installs it)"
  exit 0
fi
for tool in sipp curl jq ss od; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (./.ci/install-peers)"
done

runtime=${PODMAN_RUNTIME:-}
if [ -z "$runtime" ] && command -v runc >/dev/null 2>&1; then
  runtime=runc
fi
pm() {
  if [ -n "$runtime" ]; then podman --runtime "$runtime" "$@"; else podman "$@"; fi
}
# podman run with the limits these VMs accept (PEERS.md).
run() {
  pm run --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 "$@"
}

tmp=$(mktemp -d)
cid='' vol='' iid=''
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$rc" -ne 0 ] && [ -n "$cid" ]; then
    echo "--- container log (last 40 lines) ---" >&2
    pm logs --tail 40 "$cid" >&2 || true
  fi
  [ -z "$cid" ] || pm rm -f -v -t 2 "$cid" >/dev/null || rc=1
  [ -z "$vol" ] || podman volume rm -f "$vol" >/dev/null || rc=1
  [ -z "$iid" ] || podman rmi "$iid" >/dev/null || rc=1
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "check-container: FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

# --- build: the prebuilt target -------------------------------------------
container/context.sh "$bin" "$tmp/ctx"
arch=$(podman info --format '{{.Host.Arch}}')
# --layers=false and --no-cache: nothing is left behind but the one image,
# whose ID is ours alone (a cached build could share the ID of an image
# someone tagged).
if ! podman build --layers=false --no-cache --iidfile "$tmp/iid" \
  -f container/Containerfile --target prebuilt \
  --platform "linux/$arch" --build-arg TARGETVARIANT= \
  "$tmp/ctx" >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log" >&2
  die "podman build failed"
fi
iid=$(cat "$tmp/iid")
t1=$(date +%s%N)
size=$(podman image inspect --format '{{.Size}}' "$iid")
binsize=$(stat -c %s "$bin")
[ "$(podman image inspect --format '{{.Config.User}}' "$iid")" = 65532:65532 ] || die "image does not run as 65532:65532"

# --- the image's own defaults: API on 0.0.0.0 must demand a key ---------
want_version=$("$bin" version) want_version=${want_version%%$'\n'*}
got_version=$(run --rm --network none "$iid" version) got_version=${got_version%%$'\n'*}
[ "$got_version" = "$want_version" ] || die "the image says '$got_version', the binary '$want_version'"
rc=0
out=$(run --rm --network none "$iid" 2>&1) || rc=$?
if [ "$rc" -ne 2 ] || ! grep -q 'needs an API key' <<<"$out"; then
  die "without SENTRYPEER_API_KEY the image should refuse to start (exit 2), got $rc: $out"
fi

# --- run it on loopback ---------------------------------------------------
# shellcheck source=container/free-port.sh
. container/free-port.sh
ports=()
for _ in 1 2 3 4; do
  free_port
  ports+=("$port")
done
sip=${ports[0]} api=${ports[1]} sippu=${ports[2]} sippt=${ports[3]}
key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
vol=$(podman volume create)
cid=$(run -d --network host \
  -v "$vol:/var/lib/sentrypeer" \
  -e SENTRYPEER_SIP_LISTEN="127.0.0.1:$sip" \
  -e SENTRYPEER_API_LISTEN="127.0.0.1:$api" \
  -e SENTRYPEER_API_KEY="$key" \
  -e SENTRYPEER_PEER_TO_PEER=false \
  -e SENTRYPEER_JSON_LOG=true \
  "$iid")
base="http://127.0.0.1:$api"

wait_up() {
  local i
  for i in $(seq 150); do
    if curl -fsS -o /dev/null -H "X-Api-Key: $key" "$base/health-check" 2>/dev/null; then
      return 0
    fi
    [ "$(pm inspect --format '{{.State.Running}}' "$cid")" = true ] || die "the container exited"
    [ "$i" -lt 150 ] && sleep 0.1
  done
  die "the API did not answer on $base within 15 s"
}
wait_up
t2=$(date +%s%N)
api() { curl -fsS -H "Authorization: Bearer $key" "$base$1"; }

code=$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/stats")
[ "$code" = 401 ] || die "GET /api/v1/stats without the key: got $code, want 401"

pid=$(pm inspect --format '{{.State.Pid}}' "$cid")
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
[ "$uid" = 65532 ] || die "the daemon runs as uid $uid, want 65532"

# --- probes ----------------------------------------------------------------
nu=20 nt=5
(cd "$tmp" && sipp -sf "$OLDPWD/bench/flood/options.xml" "127.0.0.1:$sip" -i 127.0.0.1 -p "$sippu" \
  -m "$nu" -r 200 -nostdin -timeout 20 >"$tmp/sipp-udp.log" 2>&1) || { cat "$tmp/sipp-udp.log" >&2; die "sipp (UDP) failed"; }
(cd "$tmp" && sipp -sf "$OLDPWD/bench/flood/options.xml" "127.0.0.1:$sip" -i 127.0.0.1 -p "$sippt" -t t1 \
  -m "$nt" -r 50 -nostdin -timeout 20 >"$tmp/sipp-tcp.log" 2>&1) || { cat "$tmp/sipp-tcp.log" >&2; die "sipp (TCP) failed"; }

want=$((nu + nt)) got=0
for _ in $(seq 100); do
  got=$(api '/api/v1/events?ip=127.0.0.1&limit=1000' | jq '.events | length')
  [ "$got" -ge "$want" ] && break
  sleep 0.1
done
[ "$got" -eq "$want" ] || die "API: $got events from 127.0.0.1, want $want"
events=$(api '/api/v1/events?ip=127.0.0.1&limit=1000')
udp=$(jq '[.events[] | select((.transport | ascii_downcase) == "udp")] | length' <<<"$events")
tcp=$(jq '[.events[] | select((.transport | ascii_downcase) == "tcp")] | length' <<<"$events")
bad=$(jq '[.events[] | select(.method != "OPTIONS" or .user_agent != "friendly-scanner" or .destination_port != '"$sip"')] | length' <<<"$events")
if [ "$udp" -ne "$nu" ] || [ "$tcp" -ne "$nt" ] || [ "$bad" -ne 0 ]; then
  die "API: $udp UDP and $tcp TCP events (want $nu and $nt), $bad not OPTIONS from friendly-scanner to port $sip"
fi
count=$(api /api/v1/check/ip/127.0.0.1 | jq -r 'select(.bad) | .count')
[ "$count" = "$want" ] || die "API: check/ip/127.0.0.1 count '$count', want $want"
# The client in the same binary, inside the image (no shell there), with
# the container's SENTRYPEER_API_LISTEN and SENTRYPEER_API_KEY.
pm exec "$cid" /usr/bin/sentrypeer check 127.0.0.1 >"$tmp/cli.log" 2>&1 ||
  { cat "$tmp/cli.log" >&2; die "sentrypeer check in the container did not find 127.0.0.1"; }

# --- the data volume, a clean stop and a restart ---------------------------
mp=$(podman volume inspect --format '{{.Mountpoint}}' "$vol")
owner=$(stat -c %u:%g "$mp/sentrypeer.db")
[ "$owner" = 65532:65532 ] || die "sentrypeer.db in the volume is owned by $owner, want 65532:65532"
pm stop -t 10 "$cid" >/dev/null
ec=$(pm inspect --format '{{.State.ExitCode}}' "$cid")
[ "$ec" = 0 ] || die "after SIGTERM the daemon exited with $ec, want 0"
lines=$(grep -c '"sip_method":"OPTIONS"' "$mp/sentrypeer_json.log" || true)
[ "$lines" -eq "$want" ] || die "JSON log in the volume: $lines OPTIONS lines, want $want"
pm start "$cid" >/dev/null
wait_up
count=0
for _ in $(seq 100); do
  count=$(api /api/v1/check/ip/127.0.0.1 | jq -r 'if .bad then .count else 0 end')
  [ "$count" = "$want" ] && break
  sleep 0.1
done
[ "$count" = "$want" ] || die "after a restart: check/ip/127.0.0.1 count '$count', want $want"
pm stop -t 10 "$cid" >/dev/null

t3=$(date +%s%N)
ms() { echo $((($2 - $1) / 1000000)); }
awk -v s="$size" -v b="$binsize" 'BEGIN { printf "check-container: image %.1f MiB (%d bytes; binary %.1f MiB)\n", s/1048576, s, b/1048576 }'
say "build $(ms "$t0" "$t1") ms, start to API up $(ms "$t1" "$t2") ms, whole test $(ms "$t0" "$t3") ms"
say "ok: $nu UDP + $nt TCP probes recorded and read back through the API, kept across a restart"
