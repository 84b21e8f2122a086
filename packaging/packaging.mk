# Packages (.deb, .rpm), the systemd unit and the man page; see
# packaging/README.md. Included by the Makefile.
.PHONY: man package check-packaging

# Rewrites the checked-in man page and config file from internal/config and
# internal/cli (the sources of -h); the test in packaging/mangen fails when
# they are stale.
man:
	$(GO) run ./packaging/mangen

# bin/pkg/sentrypeer_VERSION-1_ARCH.deb and sentrypeer-VERSION-1.ARCH.rpm from
# bin/sentrypeer (rebuilt when stale), with their sizes. SENTRYPEER_MAINTAINER
# ("Name <email>") sets the maintainer.
package: build
	@GO='$(GO)' VERSION='$(VERSION)' DATE='$(DATE)' packaging/package.sh

# The man page test, the unit's security score and syntax, lintian, the
# .rpm's contents, and the .deb installed, upgraded and purged here (root).
check-packaging: package
	@GO='$(GO)' packaging/check.sh
