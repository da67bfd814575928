# SPDX-License-Identifier: GPL-2.0
#
# virtiofs-ng: build, install, test and demo entry points.
#
#   make              module + userspace tools + test backend
#   make check        installs what it needs, builds, runs every test
#   make demo         boots a guest and shares a host directory by tag
#
# KVER / KDIR choose the kernel to build the module for.  The default is the
# running kernel when its headers are installed, otherwise the newest
# installed headers (a build host often runs a kernel it does not target).

# ARCH=arm64 cross-builds (CROSS_COMPILE defaults to aarch64-linux-gnu-):
# with KDIR= against that arm64 tree, otherwise against Debian's arm64
# headers that tests/matrix/prepare VER-arm64 caches, KVER=5.10, 6.1 (the
# default), 6.12 or 7.2 or such a kernel's release, through
# tests/matrix/build (the compiler the kernel was built with, in its
# suite's chroot where it needs one): build/KVER/virtiofs_ng.ko.
ifeq ($(ARCH),arm64)
CROSS_COMPILE ?= aarch64-linux-gnu-
ifeq ($(origin KDIR),undefined)
KVER ?= 6.1
MATRIX_BUILD := 1
endif
endif

KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
	else ls -1d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1 | \
	cut -d/ -f4; fi)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr
DESTDIR ?=
VERSION := $(shell cat VERSION)

all: module userspace backend

ifeq ($(MATRIX_BUILD),1)
module:
	tests/matrix/build --strict $(patsubst %-arm64,%,$(KVER))-arm64
else
module:
	@test -d "$(KDIR)" || { echo "error: no kernel headers at $(KDIR);" \
		"install linux-headers-$(KVER) or set KDIR=" >&2; exit 2; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) \
		$(if $(CROSS_COMPILE),CROSS_COMPILE=$(CROSS_COMPILE)) modules
endif

userspace:
	$(MAKE) -C userspace

backend:
	$(MAKE) -C tests/backend

e2e:
	$(MAKE) -C tests/e2e

setup:
	tests/setup

# The full test run; prints one line per test and "N passed, N failed".
check:
	tests/check

demo:
	tests/demo

# Kernel's virtiofs and virtiofs_ng side by side on each backend, then the
# coherent-caching table (cache=always with host notifications against
# cache=auto) and the DAX table on QEMU 11.1 (DAX, no DAX, and the host's
# own read speed).
bench: setup all e2e
	$(MAKE) -C tests/dax
	tests/bench/run --dax --coherent

# A Debian 12 image with virtiofs-ng installed from "make deb"'s packages
# with apt (DKMS builds the module), booted with fstab and automount
# entries by tag; then upgraded, a second kernel, purged, each booted
# (tests/distro/run; the base ~35 min once, the package steps 23 min at a
# load of 13 here, redone when the packaged sources change).
distro: setup userspace backend
	tests/distro/run

# Root on virtio-fs: a Debian 12 root served by the in-repo backend boots
# through initramfs-tools and dracut (tests/rootfs/run; the first run
# debootstraps, cached).
rootfs: setup module userspace backend
	tests/rootfs/run

# The module on every kernel of the matrix (5.10, 6.1, 6.12, 7.2): prepare,
# build without warnings, the e2e suite with virtiofs_ng and the kernel's
# virtiofs, the built-in takeover tests (tests/matrix/run).
matrix: setup
	tests/matrix/run

# Long stress run, not part of check: stress-ng file stressors and fsx
# loops in a guest, 6 min per backend (inrepo, virtiofsd); STRESS_ARGS=
# passes options (tests/driver/stress --help).
stress: setup module backend
	tests/driver/stress $(STRESS_ARGS)

# Reply fuzzing (tests/fuzz/run --help): the in-repo backend damages
# replies at random, one seed per mount, while a guest workload runs;
# 50 seeds by default here, FUZZ_ARGS= passes options (--short: 8 seeds).
fuzz: setup module backend
	tests/fuzz/run --seeds 50 $(FUZZ_ARGS)

# The suites under the sanitizer kernel (KASAN, KFENCE, UBSAN, lockdep,
# kmemleak; tests/debug/kernel builds it once, 36 min here, cached): e2e on
# three backends, fsx, robust, features, DAX, the reply fuzzer, kmemleak.
debug-check: setup
	tests/debug/check

# Only the sanitizer kernel (and virtiofs_ng.ko for it).
debug-kernel:
	tests/debug/kernel

# checkpatch --strict and sparse on the driver.
lint:
	tests/lint

# Both install steps end with the kernel command-line check for KVER
# (dkms-post-install: virtiofsctl cmdline); it only prints, never fails.
#
# DESTDIR= stages everything under that directory, nothing outside: the
# module goes to DESTDIR/lib/modules/KVER/extra/driver (Kbuild's
# INSTALL_MOD_PATH)
# and depmod runs on DESTDIR (-b) only when it holds that kernel's module
# tree (an image being built); a package's staging tree gets no depmod
# files, its installation runs depmod.  The test backend is not built.
MODDIR = $(DESTDIR)/lib/modules/$(KVER)

install: module userspace
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(abspath $(DESTDIR))) modules_install
	@if [ -z "$(DESTDIR)" ]; then \
		echo "depmod -a $(KVER)"; depmod -a $(KVER); \
	elif [ -f "$(MODDIR)/modules.dep" ]; then \
		echo "depmod -b $(DESTDIR) -a $(KVER)"; depmod -b "$(DESTDIR)" -a $(KVER); \
	else \
		echo "virtiofs-ng: $(MODDIR) is no module tree: run 'depmod $(KVER)' on the target"; \
	fi
	$(MAKE) -C userspace install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	@if [ -n "$(DESTDIR)" ]; then \
		echo "virtiofs-ng: DESTDIR set: run 'virtiofsctl cmdline' on the target system"; \
	else \
		./dkms-post-install "$(KVER)" userspace/virtiofsctl || true; \
	fi

# Removes what "make install" put there (same DESTDIR, PREFIX, KVER).
uninstall:
	rm -f $(MODDIR)/extra/driver/virtiofs_ng.ko*
	-rmdir $(MODDIR)/extra/driver 2>/dev/null
	@if [ -z "$(DESTDIR)" ]; then \
		echo "depmod -a $(KVER)"; depmod -a $(KVER); \
	elif [ -f "$(MODDIR)/modules.dep" ]; then \
		depmod -b "$(DESTDIR)" -a $(KVER); \
	fi
	$(MAKE) -C userspace uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

# Installs the source under /usr/src and lets DKMS build it for KVER (the
# kernel to name in a chroot, where DKMS would otherwise pick the running
# one); DKMS's autoinstall builds it for later kernels.  A version DKMS
# already has is removed first, so the source installed is this one; any
# DKMS error stops here.
DKMS_SRC = $(DESTDIR)/usr/src/virtiofs-ng-$(VERSION)

dkms-install:
	@if [ -n "$$(dkms status -m virtiofs-ng -v $(VERSION) 2>/dev/null)" ]; then \
		echo "dkms remove -m virtiofs-ng -v $(VERSION) --all"; \
		dkms remove -m virtiofs-ng -v $(VERSION) --all; \
	fi
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -a Kbuild dkms.conf dkms-post-install VERSION driver $(DKMS_SRC)/
	dkms add -m virtiofs-ng -v $(VERSION)
	dkms build -m virtiofs-ng -v $(VERSION) -k $(KVER)
	@# DKMS runs dkms-post-install itself (POST_INSTALL); the stamp says
	@# whether it did, so the check is printed once either way.
	@stamp=$$(mktemp) || exit 1; \
	echo "dkms install -m virtiofs-ng -v $(VERSION) -k $(KVER)"; \
	VNG_CMDLINE_STAMP=$$stamp dkms install -m virtiofs-ng -v $(VERSION) -k $(KVER); \
	rc=$$?; \
	if [ $$rc = 0 ] && [ ! -s "$$stamp" ]; then \
		./dkms-post-install "$(KVER)" userspace/virtiofsctl || true; \
	fi; \
	rm -f "$$stamp"; \
	exit $$rc

# Removes this version from DKMS for every kernel, and its source.
dkms-uninstall:
	@if [ -n "$$(dkms status -m virtiofs-ng -v $(VERSION) 2>/dev/null)" ]; then \
		echo "dkms remove -m virtiofs-ng -v $(VERSION) --all"; \
		dkms remove -m virtiofs-ng -v $(VERSION) --all; \
	else \
		echo "virtiofs-ng: DKMS has no virtiofs-ng $(VERSION)"; \
	fi
	rm -rf $(DKMS_SRC)

# Debian packages virtiofs-ng-dkms and virtiofs-ng-utils (debhelper,
# dh-dkms) with their source package, in build/deb/ (debian/make-deb).
deb:
	debian/make-deb

# The source RPM of rpm/virtiofs-ng.spec (virtiofs-ng, virtiofs-ng-dkms),
# with rpmbuild -bs and a private %_topdir, in build/rpm/ (rpm/make-srpm).
srpm:
	rpm/make-srpm

rpm-srpm: srpm

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	$(MAKE) -C tests/backend clean
	$(MAKE) -C tests/e2e clean
	$(MAKE) -C tests/dax clean

.PHONY: all module userspace backend e2e setup check demo bench lint distro rootfs matrix stress fuzz \
	debug-check debug-kernel \
	install uninstall dkms-install dkms-uninstall deb srpm rpm-srpm clean
