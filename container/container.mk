# The container image and the release configuration; see
# container/README.md. Included by the Makefile.
.PHONY: check-container
check-container:
	@true
