# SentryPeer. `make check` is the test command CI runs (.ci/run).
GO        ?= go
BIN       := bin/sentrypeer
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null)
# The commit's time, not the clock's: the same commit builds the same bytes.
DATE      ?= $(shell git log -1 --format=%cI 2>/dev/null)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
FUZZTIME  ?= 10s
export CGO_ENABLED ?= 0
SHELL       := /bin/bash
.SHELLFLAGS := -eo pipefail -c

.PHONY: all build run check peers fmt-check vet test race fuzz integration cross clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/sentrypeer

# Starts the honeypot with its defaults (data in ./sentrypeer-data).
run: build
	./$(BIN)

# Everything: real peers, formatting, vet, unit tests with the race
# detector, integration tests against the real binary, short fuzzing.
check: peers fmt-check vet race integration fuzz check-packaging check-container check-lite
	@echo "make check: all passed"

# Shipping: packages and the service, the container and the releases.
include packaging/packaging.mk
include container/container.mk
include lite/lite.mk

peers:
	./.ci/install-peers

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# The race detector needs cgo.
race:
	CGO_ENABLED=1 $(GO) test -race -count=1 $$($(GO) list ./... | grep -v /test/integration)

test:
	$(GO) test -count=1 ./...

integration:
	SENTRYPEER_ARTIFACTS=$(CURDIR)/artifacts $(GO) test -count=1 -v -timeout 15m ./test/integration/ 2>&1 | tee integration.log | grep -E '^\s*(--- |PASS|FAIL|ok|panic)|_test.go:'

# Each fuzz target runs for FUZZTIME, seeded from its testdata (.ci/fuzz).
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) ./.ci/fuzz

# Static cross-builds; prints each stripped binary's size.
CROSS := linux/amd64 linux/arm64 linux/arm/7 linux/riscv64 darwin/arm64 windows/amd64 freebsd/amd64
cross:
	@set -e; for t in $(CROSS); do \
	  os=$${t%%/*}; rest=$${t#*/}; arch=$${rest%%/*}; arm=$${rest#*/}; [ "$$arm" = "$$rest" ] && arm=; \
	  out=bin/cross/sentrypeer-$$os-$$arch$${arm:+v$$arm}; [ $$os = windows ] && out=$$out.exe; \
	  GOOS=$$os GOARCH=$$arch GOARM=$$arm $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $$out ./cmd/sentrypeer; \
	  awk -v f=$$out -v n=$$(stat -c %s $$out) 'BEGIN{printf "%-42s %6.1f MiB\n", f, n/1048576}'; \
	done

clean:
	rm -rf bin integration.log
