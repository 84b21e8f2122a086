#!/usr/bin/env bash
# Blocking benchmark: prints the figures docs/BLOCKING.md and
# docs/PERFORMANCE.md quote, from the tests that measure them against the
# real kernel and the real bouncer, in network namespaces they create and
# remove (root, nft, ip, sipp and crowdsec-firewall-bouncer: make peers).
#   - probe to nftables element, p50 and p99, over 50 sources, through the
#     real daemon (floor: p99 under 200 ms);
#   - three sharing nodes, quorum 2: the second probe to the third node's
#     element (floor 1 s);
#   - 100,000 decisions loaded into nftables with one Sync: time and memory
#     (floor 2 s);
#   - Debian's crowdsec-firewall-bouncer against the real daemon: probe to
#     the bouncer's set, unblock to gone (floor: update frequency + 0.5 s),
#     and 10,000 decisions served to it at its start.
# Exit status: that of the tests (0 when every floor held).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
CI=true go test -count=1 -v -run 'TestNftBlocksAProbe|TestNftQuorum|TestCrowdSecBouncer' ./test/integration/ >"$out" 2>&1 || rc=$?
CI=true go test -count=1 -v -run 'TestSync100k|TestFirewallBouncer' ./internal/block/nft/ ./internal/block/crowdsec/ >>"$out" 2>&1 || rc=$?
grep -E '^\s+\w+_test\.go:[0-9]+: ' "$out" | grep -Ev 'level=|sentrypeer log|bouncer output' | sed 's/^[[:space:]]*//'
grep -E '^(--- FAIL|FAIL|ok)' "$out" || true
exit $rc
