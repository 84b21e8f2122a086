# The lite build for small devices (README.md, "Lite build"): built with
# -tags lite, it leaves out the peer-to-peer engine (libp2p), Prometheus
# (/metrics) and the BGP speaker (GoBGP), and a few smaller parts (the
# webhook among them); the standard library's nethttpomithttp2 leaves out
# HTTP/2, which the API (plain HTTP/1.1) never speaks. Included by the
# Makefile.
.PHONY: lite lite-cross check-lite

LITE_TAGS    := lite,nethttpomithttp2
# No inlining in the standard library's crypto packages: 0.38 MiB less on
# armv7, which is just over 12 MiB without it. They only run for TLS handshakes (SIP over TLS, an HTTPS API),
# rare on a honeypot; on amd64 the change was within noise in crypto/tls's
# BenchmarkHandshakeServer (README.md, "Lite build").
LITE_GCFLAGS := -gcflags=crypto/...=-l
LITE_BIN     := bin/sentrypeer-lite
# lite-cross fails when a binary is larger than this, in MiB (issue 13).
LITE_MAX_MIB ?= 12
LITE_CROSS   := linux/arm64 linux/arm/7
# The packages with lite files: their unit tests run with -tags lite too.
LITE_PKGS    := ./internal/config/ ./internal/daemon/ ./internal/httpapi/ ./internal/cli/ ./cmd/sentrypeer/
# Integration tests run against the lite binary: those that need none of
# what it leaves out, and TestLite*. The others call requireFull and skip
# on it; `make integration` runs all of them against the full binary.
LITE_IT      := ^Test(Lite.*|TLSProbe|RestartKeepsEverything|KillNine|TortureMessages|BadSettingsStopStartup|UnimplementedSettingsAreReported|VersionAndHelp|SIGHUPReopensJSONLog|SyslogLine|Fail2ban|APIKeyRequiredOffLoopback|APIAfterSIPp|APIStream|ExportLoadsIntoFirewalls|CLI|DecisionsCLI|Dashboard|FloodSmall|SIPpProbesAllRecorded|ResponsiveAnswersSatisfySIPp|Svmap|NftBlocksAProbe|BlockEvidenceProven|SIPAgentKamailio)$$

# bin/sentrypeer-lite, for this machine.
lite:
	$(GO) build -tags $(LITE_TAGS) $(LITE_GCFLAGS) -trimpath -ldflags '$(LDFLAGS)' -o $(LITE_BIN) ./cmd/sentrypeer

# Static, stripped lite builds for linux arm64 and armv7 in bin/cross/,
# with their sizes; fails when one is over LITE_MAX_MIB.
lite-cross:
	@set -e; over=; for t in $(LITE_CROSS); do \
	  rest=$${t#*/}; arch=$${rest%%/*}; arm=$${rest#*/}; [ "$$arm" = "$$rest" ] && arm=; \
	  out=bin/cross/sentrypeer-lite-linux-$$arch$${arm:+v$$arm}; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch GOARM=$$arm $(GO) build -tags $(LITE_TAGS) $(LITE_GCFLAGS) -trimpath -ldflags '$(LDFLAGS)' -o $$out ./cmd/sentrypeer; \
	  n=$$(stat -c %s $$out); \
	  awk -v f=$$out -v n=$$n 'BEGIN{printf "%-42s %6.1f MiB\n", f, n/1048576}'; \
	  if [ $$n -gt $$(awk 'BEGIN { printf "%d", $(LITE_MAX_MIB) * 1048576 }') ]; then echo "lite-cross: $$out is over $(LITE_MAX_MIB) MiB" >&2; over=1; fi; \
	done; [ -z "$$over" ]

# The lite build: its cross builds and their sizes, vet and the unit tests
# with -tags lite, a check that it links none of what it leaves out, and
# the integration tests (LITE_IT) against bin/sentrypeer-lite.
check-lite: lite lite-cross
	$(GO) vet -tags lite ./...
	$(GO) test -tags lite -count=1 $(LITE_PKGS)
	@if $(GO) version -m $(LITE_BIN) | grep -E 'libp2p|prometheus|gobgp'; then \
	  echo "check-lite: $(LITE_BIN) links what lite builds leave out" >&2; exit 1; fi
	@if $(GO) list -deps -tags $(LITE_TAGS) ./cmd/sentrypeer | grep -E '/internal/(p2p|metrics|webhook|block/bgp)$$'; then \
	  echo "check-lite: the lite build imports packages it leaves out" >&2; exit 1; fi
	SENTRYPEER_BIN=$(CURDIR)/$(LITE_BIN) SENTRYPEER_ARTIFACTS=$(CURDIR)/artifacts/lite $(GO) test -count=1 -v -timeout 6m \
	  -run '$(LITE_IT)' ./test/integration/ 2>&1 | tee bin/integration-lite.log | grep -E '^\s*(--- |PASS|FAIL|ok|panic)|_test.go:'
