# sam build runs `make build-<LogicalId>` for every resource with `BuildMethod: makefile`, here in
# the source folder (samconfig.toml sets build_in_source), with ARTIFACTS_DIR set to where that
# resource's files must go. No Docker: the artifacts are built on this machine (Debian or Ubuntu)
# and made to load on provided.al2023's glibc 2.34 (packaging/deployable); packaging/sam-target
# stops a build for another architecture than this machine's.

# ValidateFunction -> validate, and so on for every function.
build-%Function:
	packaging/sam-target $*Function
	packaging/function $(shell echo '$*' | tr '[:upper:]' '[:lower:]') "$(ARTIFACTS_DIR)"

# The lean libvips (layers/libvips/build.sh, from Debian's source; kept in build/layer between builds).
build-LibvipsLayer:
	packaging/sam-target LibvipsLayer
	scripts/build-layer build/layer
	rm -rf "$(ARTIFACTS_DIR)/lib" && cp -a build/layer/lib "$(ARTIFACTS_DIR)/"
	packaging/deployable "$(ARTIFACTS_DIR)"

.PHONY: build-LibvipsLayer
