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
#   flavours/<ver>/root/  no chroot: a 6.1 flavour's headers (cloud, rt)
#                         unpacked with dpkg -x; the host's gcc-12 builds
#                         them (7.2's flavours are installed in sid/)
#   matrix/<ver>.env      KVER=, KROOT=, CHROOT=, KDIR= for one kernel
#   matrix/<ver>.log      output of the last preparation step

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

VTEST_CACHE=${VTEST_CACHE:-/var/cache/virtiofs-ng}
MATRIX_DIR="$VTEST_CACHE/matrix"
MIRROR=${VTEST_MIRROR:-http://deb.debian.org/debian}
MATRIX_VERSIONS="5.10 6.1 6.12 7.2"
# arm64 builds of them that make matrix runs (tests/matrix/arm64.sh), and
# of their cloud flavour (VER-cloud-arm64: what Debian's arm64 cloud
# images boot)
MATRIX_ARM64="6.1-arm64 7.2-arm64 6.1-cloud-arm64 7.2-cloud-arm64"
# Debian's other amd64 kernel flavours, named VER-FLAVOUR: cloud (what
# Debian's cloud images boot, a reduced config) and rt (PREEMPT_RT, whose
# sleeping spinlocks catch sleeping-in-atomic bugs).  Each is the release
# of the generic kernel of its VER, so rows compare like with like.
MATRIX_FLAVOURS="6.1-cloud 6.1-rt 7.2-cloud 7.2-rt"
MATRIX_ALL="$MATRIX_VERSIONS $MATRIX_FLAVOURS"

# Which Debian suite provides each matrix kernel (6.1 is the host's own).
suite_of() {
	case "$1" in
	5.10) echo bullseye ;;
	6.1) echo host ;;
	6.1-*) echo bookworm ;;
	6.12) echo "${VTEST_612_SUITE:-bookworm-backports}" ;;
	7.2|7.2-*|sid-tools) echo sid ;;
	*) return 1 ;;
	esac
}

# flavour_of VER: generic, cloud or rt.
flavour_of() {
	case "${1%-arm64}" in
	*-cloud) echo cloud ;;
	*-rt) echo rt ;;
	*) echo generic ;;
	esac
}

# matrix_is_name WORD: WORD names a matrix kernel (5.10, 7.2-rt, ...).
matrix_is_name() {
	case " $MATRIX_ALL " in *" $1 "*) return 0 ;; esac
	return 1
}

# matrix_env VER: loads the env file prepare wrote for VER.
matrix_env() {
	local f="$MATRIX_DIR/$1.env"
	[ -r "$f" ] || die "kernel $1 is not prepared; run tests/matrix/prepare $1"
	# shellcheck disable=SC1090
	. "$f"
}

# matrix_ver_of KVER-or-VER: maps "5.10.0-32-amd64" or "5.10" to "5.10",
# "6.1.0-57-rt-amd64" or "6.1-rt" to "6.1-rt", an arm64 kernel
# ("6.1.0-57-arm64", "6.1-arm64") to "6.1-arm64", and its cloud flavour
# ("6.1.0-57-cloud-arm64", "6.1-cloud-arm64") to "6.1-cloud-arm64".
matrix_ver_of() {
	local v f=""
	if matrix_is_name "$1"; then
		echo "$1"
		return 0
	fi
	case "$1" in
	*-cloud-arm64) f=-cloud-arm64 ;;
	*-arm64) f=-arm64 ;;
	*-cloud-amd64) f=-cloud ;;
	*-rt-amd64) f=-rt ;;
	*-cloud|*-rt) return 1 ;;	# a flavour the matrix does not have
	esac
	for v in $MATRIX_VERSIONS; do
		case "$1" in
		"$v".*|"$v"-*)
			# any VER has its arm64 builds (generic, cloud);
			# amd64 flavours are listed
			case "$f" in -arm64|-cloud-arm64) ;;
			*) matrix_is_name "$v$f" || return 1 ;;
			esac
			echo "$v$f"
			return 0 ;;
		esac
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
