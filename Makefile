# sam build calls build-<LogicalId> for every resource with `BuildMethod: makefile`, with
# ARTIFACTS_DIR set to where that resource's files must go.
#
# What ships to AWS must be built on Amazon Linux 2023 (glibc 2.34): run `sam build` inside the
# image of layers/libvips/Dockerfile (see the README), not on a Debian machine, whose glibc is newer.

SWIFT_BUILD := swift build -c release --static-swift-stdlib -Xlinker -s

define function
	$(SWIFT_BUILD) --product $(1)
	cp "$$($(SWIFT_BUILD) --show-bin-path)/$(1)" "$(ARTIFACTS_DIR)/bootstrap"
endef

build-ValidateFunction:
	$(call function,validate)

build-MetadataFunction:
	$(call function,metadata)

build-ResizeFunction:
	$(call function,resize)

build-ThumbnailFunction:
	$(call function,thumbnail)

build-ModerateFunction:
	$(call function,moderate)

build-ArchiveFunction:
	$(call function,archive)

build-ReconcileFunction:
	$(call function,reconcile)

build-SettleFunction:
	$(call function,settle)

build-LibvipsLayer:
	layers/libvips/build.sh "$(ARTIFACTS_DIR)"

.PHONY: build-ValidateFunction build-MetadataFunction build-ResizeFunction build-ThumbnailFunction \
	build-ModerateFunction build-ArchiveFunction build-ReconcileFunction build-SettleFunction build-LibvipsLayer
