# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2054
# run-vm --arch arm64 (sourced by run-vm): Debian's arm64 kernel, prepared
# by tests/matrix/prepare VER-arm64, under qemu-system-aarch64 -M virt
# -cpu max with TCG.  Everything else (memfd RAM shared with the backends,
# vhost-user-fs-pci on virt's PCIe host bridge, the busybox initramfs, the
# result lines) is run-vm's usual path.  The transport stays fs_device()'s
# choice, so a virtio-mmio device on virt combines with --arch as it is.

# arm64_guest: run-vm's settings for an arm64 guest, after its options.
arm64_guest() {
	# run-vm's defaults, x86 QEMU and (--dax, --notify) QEMU 11's x86
	# build, become their aarch64 builds; a --qemu of the caller's stays.
	case "$QEMU" in
	qemu-system-x86_64) QEMU=qemu-system-aarch64 ;;
	"$TOP/tests/matrix/qemu11") QEMU="$TOP/tests/matrix/qemu11-aarch64" ;;
	esac
	command -v "$QEMU" >/dev/null || die "no $QEMU; run tests/setup (qemu-system-arm)"
	case "${KVER:-6.1}" in
	5.10|6.1|6.12|7.2|6.1-cloud|7.2-cloud) KVER="${KVER:-6.1}-arm64" ;;
	*-arm64) ;;
	*) die "--arch arm64 boots an arm64 kernel of the matrix: --kernel 5.10|6.1|6.12|7.2|6.1-cloud|7.2-cloud (VER-arm64 from tests/matrix/prepare)" ;;
	esac
	# shellcheck source=../matrix/lib.sh
	. "$TOP/tests/matrix/lib.sh"
	matrix_ver_of "$KVER" >/dev/null || die "unknown arm64 kernel '$KVER'"
	# virt's GIC and PCIe host bridge; -cpu max and TCG as on x86.
	MACHINE=(-machine virt)
	BUSYBOX="$VTEST_CACHE/arm64/busybox/bin/busybox"
	[ -x "$BUSYBOX" ] || die "no arm64 busybox at $BUSYBOX; run tests/matrix/prepare 6.1-arm64"
}

# arm64_serials: virt has one UART (PL011, ttyAMA0): the kernel's console.
# The result port and the host hook's line are PCI serial cards (16550,
# built into Debian's arm64 kernels: SERIAL_8250_PCI=y), after a first
# card on a null backend, so the guest sees them as ttyS1 and ttyS2 as on
# x86 (8250 numbers PCI ports in the order they are found; virt has no
# legacy ports).
arm64_serials() {
	CONSOLE_TTY=ttyAMA0
	SERIALS=(-serial "file:$CONSOLE"
		-chardev null,id=vtser0 -device pci-serial,chardev=vtser0
		-chardev "file,id=vtser1,path=$RESULTS" -device pci-serial,chardev=vtser1)
	[ -z "$HOOK" ] || SERIALS+=(
		-chardev "socket,id=vtser2,path=$HOSTCMD,server=on,wait=off"
		-device pci-serial,chardev=vtser2)
}

# initramfs_check_foreign SRC: a file --add'ed to an arm64 guest; its
# shared libraries would be the host's, so ELF binaries must be static
# arm64 ones (scripts and data pass).
initramfs_check_foreign() {
	local what
	what=$(file -L "$1" 2>/dev/null) || return 0
	case "$what" in
	*ELF*) ;;
	*) return 0 ;;
	esac
	case "$what" in
	*"ARM aarch64"*"statically linked"*|*"ARM aarch64"*"static-pie linked"*) ;;
	*) die "--add $1: an arm64 guest needs a static arm64 binary (aarch64-linux-gnu-gcc -static), not: ${what#*: }" ;;
	esac
}
