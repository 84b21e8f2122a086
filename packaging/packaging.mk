# Packages (.deb, .rpm), the systemd unit and the man page; see
# packaging/README.md. Included by the Makefile.
.PHONY: check-packaging
check-packaging:
	@true
