# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
# Shared by the sanitizer-kernel scripts (sourced, not executed): where the
# debug kernel lives and how to load its settings.
#
# Layout under $VTEST_CACHE/debug-kernel:
#   src-<srcver>/          Debian's linux-source-6.1, unpacked once
#   <key>/build/           the O= build tree, also the KDIR out-of-tree
#                          modules build against
#   <key>/kroot/           boot/vmlinuz-KVER + lib/modules/KVER (depmod),
#                          the tree run-vm boots
#   <key>/debug.env        KVER=, KROOT=, KDIR=; written last, so its
#                          presence means the kernel is complete
#   <key>/build.log        output of the last build
# <key> hashes the config fragment, the recipe version below and the
# source package's version: changing any of them builds a new kernel.

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

VTEST_CACHE=${VTEST_CACHE:-/var/cache/virtiofs-ng}
DEBUG_CACHE="$VTEST_CACHE/debug-kernel"
DEBUG_FRAGMENT="$TOP/tests/debug/kernel.config"
DEBUG_SRC_TARBALL=/usr/src/linux-source-6.1.tar.xz
# Bump when tests/debug/kernel builds differently from the same inputs.
DEBUG_RECIPE=1

# How much slower a guest runs on this kernel than on Debian's 6.1 under
# TCG; run-vm multiplies its --timeout by it.  Measured here: the e2e
# suite (virtiofs_ng, inrepo) took 6.5 min on it, at the edge of the 420 s
# run-suite allows.
DEBUG_SLOWDOWN=3

debug_src_version() {
	dpkg-query -W -f '${Version}' linux-source-6.1 2>/dev/null ||
		die "linux-source-6.1 is not installed; run tests/setup"
}

debug_key() {
	{ echo "recipe $DEBUG_RECIPE"; echo "source $(debug_src_version)"
	  cat "$DEBUG_FRAGMENT"; } | sha256sum | cut -c1-16
}

debug_dir() {
	echo "$DEBUG_CACHE/$(debug_key)"
}

# debug_ready: true when the debug kernel for the current fragment is built.
debug_ready() {
	[ -r "$(debug_dir)/debug.env" ]
}

# debug_env: loads KVER, KROOT, KDIR of the debug kernel.
debug_env() {
	local f
	f="$(debug_dir)/debug.env"
	[ -r "$f" ] || die "the debug kernel is not built; run tests/debug/kernel"
	# shellcheck disable=SC1090
	. "$f"
}
