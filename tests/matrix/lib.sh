# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2016
# Shared by the kernel matrix scripts (sourced, not executed): where the
# cached chroots and kernel trees live and how to enter a chroot.
#
# Layout under $VTEST_CACHE (default /var/cache/virtiofs-ng):
#   <suite>/              debootstrap chroot (bullseye, trixie, sid) with the
#                         kernel headers and the compiler that built them
#   bookworm-backports/   no chroot: a private apt list (apt/) and the
#                         6.12 headers unpacked with dpkg -x (root/); the
#                         host's gcc-12 is the compiler they name
#   kroot/<KVER>/         boot/vmlinuz-KVER + lib/modules/KVER (+ depmod
#                         files), the tree run-vm --kroot boots
#   matrix/<ver>.env      KVER=, KROOT=, CHROOT=, KDIR= for one kernel
#   matrix/<ver>.log      output of the last preparation step

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

VTEST_CACHE=${VTEST_CACHE:-/var/cache/virtiofs-ng}
MATRIX_DIR="$VTEST_CACHE/matrix"
MIRROR=${VTEST_MIRROR:-http://deb.debian.org/debian}
MATRIX_VERSIONS="5.10 6.1 6.12 7.2"
# arm64 builds of them that make matrix runs (tests/matrix/arm64.sh)
MATRIX_ARM64="6.1-arm64 7.2-arm64"

# Which Debian suite provides each matrix kernel (6.1 is the host's own).
suite_of() {
	case "$1" in
	5.10) echo bullseye ;;
	6.1) echo host ;;
	6.12) echo "${VTEST_612_SUITE:-bookworm-backports}" ;;
	7.2|sid-tools) echo sid ;;
	*) return 1 ;;
	esac
}

# matrix_env VER: loads the env file prepare wrote for VER.
matrix_env() {
	local f="$MATRIX_DIR/$1.env"
	[ -r "$f" ] || die "kernel $1 is not prepared; run tests/matrix/prepare $1"
	# shellcheck disable=SC1090
	. "$f"
}

# matrix_ver_of KVER-or-VER: maps "5.10.0-32-amd64" or "5.10" to "5.10";
# an arm64 kernel ("6.1.0-57-arm64", "6.1-arm64") to "6.1-arm64".
matrix_ver_of() {
	local v arch=""
	case "$1" in *-arm64) arch=-arm64 ;; esac
	for v in $MATRIX_VERSIONS; do
		case "$1" in "$v"|"$v".*|"$v"-*) echo "$v$arch"; return 0 ;; esac
	done
	return 1
}

# in_chroot DIR CMD...: runs CMD in the chroot inside a private mount
# namespace, so /proc, /dev, /sys and the VTEST_BINDS ("SRC[:DST] ...") it
# mounts vanish with the command and nothing leaks into the host's mount
# table.  in_chroot_exec does the same in place of the calling shell, so a
# wrapper's pid is the command's own (run-vm kills QEMU by pid).
NS_SCRIPT='
	set -e
	c=$VNG_CHROOT
	mount -t proc proc "$c/proc"
	mount --rbind /dev "$c/dev"
	mount --rbind /sys "$c/sys"
	for b in $VNG_BINDS; do
		src=${b%%:*}; dst=${b#*:}
		[ -e "$src" ] || continue
		if [ -d "$src" ]; then
			mkdir -p "$c$dst"
		else
			mkdir -p "$(dirname "$c$dst")"
			[ -e "$c$dst" ] || : >"$c$dst"
		fi
		mount --rbind "$src" "$c$dst"
	done
	exec chroot "$c" "$@"'
in_chroot() {
	local dir=$1
	shift
	VNG_CHROOT=$dir VNG_BINDS=${VTEST_BINDS:-} \
		unshare --mount --propagation private -- \
		/bin/sh -c "$NS_SCRIPT" vng-chroot "$@"
}
in_chroot_exec() {
	local dir=$1
	shift
	VNG_CHROOT=$dir VNG_BINDS=${VTEST_BINDS:-} \
		exec unshare --mount --propagation private -- \
		/bin/sh -c "$NS_SCRIPT" vng-chroot "$@"
}
