# The container image and the release configuration; see
# container/README.md. Included by the Makefile.
#
#   make image            the image from bin/sentrypeer (podman, else docker)
#   make check-container  build that image, run it, probe it with sipp,
#                         read the probes back through the API (and
#                         check-release, check-multiarch)
#   make check-multiarch  the image for amd64, arm64 and arm/v7, pushed to
#                         a local registry and read back
#   make check-release    actionlint on .github/workflows, goreleaser check
#   make release-snapshot goreleaser release --snapshot in a copy of the tree
#                         (not part of make check: see container/README.md)
.PHONY: image check-container check-multiarch check-release release-snapshot tool-actionlint tool-goreleaser

CONTAINER_ENGINE ?= $(shell command -v podman 2>/dev/null || command -v docker 2>/dev/null)
IMAGE_NAME       ?= localhost/sentrypeer
IMAGE_CONTEXT    := bin/image-context
# podman keeps no intermediate image of the stages (docker has no such flag).
PODMAN_ONLY       = $(if $(findstring podman,$(notdir $(CONTAINER_ENGINE))),--layers=false)

# Release tools, installed on first use (and when the version differs).
TOOLS_BIN          := $(firstword $(subst :, ,$(shell $(GO) env GOPATH)))/bin
ACTIONLINT_VERSION := v1.7.12
GORELEASER_VERSION := v2.15.1
ACTIONLINT         := $(TOOLS_BIN)/actionlint
GORELEASER         := $(TOOLS_BIN)/goreleaser

# The prebuilt target of container/Containerfile from the binary `make
# build` made, in a context laid out by container/context.sh: no registry
# needed. (--platform and TARGETVARIANT only name the binary's platform and
# quiet buildah about the builder stage's arguments; it is not built.)
# Tagged IMAGE_NAME:VERSION and IMAGE_NAME:latest.
image: build
	@[ -n "$(CONTAINER_ENGINE)" ] || { echo "make image: neither podman nor docker found (./.ci/install-peers installs podman)" >&2; exit 1; }
	container/context.sh $(BIN) $(IMAGE_CONTEXT)
	arch=$$($(GO) env GOARCH); variant=; [ "$$arch" = arm ] && variant=v$$($(GO) env GOARM | cut -d, -f1); \
	$(CONTAINER_ENGINE) build -f container/Containerfile --target prebuilt $(PODMAN_ONLY) \
	  --platform linux/$$arch$${variant:+/$$variant} --build-arg TARGETVARIANT=$$variant \
	  -t $(IMAGE_NAME):$(VERSION) -t $(IMAGE_NAME):latest $(IMAGE_CONTEXT)
	@$(CONTAINER_ENGINE) image inspect --format '{{.Size}}' $(IMAGE_NAME):$(VERSION) | \
	  awk '{ printf "make image: $(IMAGE_NAME):$(VERSION) %.1f MiB\n", $$1/1048576 }'

check-container: build check-release check-multiarch
	./container/check.sh $(BIN)

# The release workflow's multi-architecture image, locally: built for
# linux/amd64, arm64 and arm/v7, pushed to a registry on 127.0.0.1 that the
# test starts, and read back (container/check-multiarch.sh).
check-multiarch:
	GO='$(GO)' LDFLAGS='$(LDFLAGS)' ./container/check-multiarch.sh

check-release: tool-actionlint tool-goreleaser
	$(ACTIONLINT) -color .github/workflows/*.yaml
	$(GORELEASER) check

# goreleaser needs a git remote to name the version (else it is
# 0.0.0-SNAPSHOT-none) and this tree must not be changed, so the snapshot
# runs in a copy of it, uncommitted files included. Its output (archives,
# packages, checksums) lands in bin/dist here. 1.5 min with a warm Go
# cache, 10 min cold; not part of make check (CI runs it: ci.yaml).
release-snapshot: tool-goreleaser
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	tar --exclude=./bin --exclude=./artifacts --exclude=./sentrypeer-data -cf - . | tar -xf - -C "$$tmp"; \
	git -C "$$tmp" remote add snapshot https://github.com/sentrypeer/sentrypeer.git 2>/dev/null || true; \
	(cd "$$tmp" && $(GORELEASER) release --snapshot --clean); \
	rm -rf bin/dist; mkdir -p bin; cp -a "$$tmp/bin/dist" bin/dist; ls -l bin/dist

tool-actionlint:
	@$(ACTIONLINT) -version 2>/dev/null | grep -qx '$(ACTIONLINT_VERSION)' || \
	  { echo "installing actionlint $(ACTIONLINT_VERSION) into $(TOOLS_BIN)"; \
	    GOBIN=$(TOOLS_BIN) $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION); }
	@command -v shellcheck >/dev/null || { echo "shellcheck is missing: actionlint would not check run: scripts (./.ci/install-peers)" >&2; exit 1; }

tool-goreleaser:
	@$(GORELEASER) --version 2>/dev/null | grep -q '$(patsubst v%,%,$(GORELEASER_VERSION))' || \
	  { echo "installing goreleaser $(GORELEASER_VERSION) into $(TOOLS_BIN) (about 2.5 min, 121 MB, once)"; \
	    GOBIN=$(TOOLS_BIN) $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION); }
