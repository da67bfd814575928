# SPDX-License-Identifier: GPL-2.0
# How the guest's virtio devices reach it (sourced by run-vm).
#
# virtio-pci is what QEMU's PC machines (and most clouds) give a guest;
# virtio-mmio is the transport of microVMs (Firecracker, Cloud Hypervisor,
# libkrun, QEMU's microvm) and of arm64's virt machine without PCI.  The
# driver must not care: every suite runs on either.  The choice touches
# three things only, each answered here so that other machines and
# architectures can join by adding a case:
#
#   transport_device BASE   the QEMU device of virtio device BASE
#                           (vhost-user-fs, vhost-user-test-device) on the
#                           transport: BASE-pci, or BASE-device on the
#                           machine's virtio-mmio bus ("vhost-user-fs-device")
#   transport_module        the guest's transport driver module
#   transport_machine       MACHINE (QEMU's machine arguments) and, when the
#                           machine has no second and third serial port of
#                           its own, SERIAL_DEVICES (see below)
#
# x86 over mmio is QEMU's microvm machine: no PCI, ACPI on (QEMU's
# default there) so the kernel finds the virtio-mmio slots in the DSDT
# (LNRO0005 devices).  Debian's kernels have VIRTIO_MMIO as a module
# without VIRTIO_MMIO_CMDLINE_DEVICES, so slots announced only on the
# command line (microvm's acpi=off way) would never appear.  microvm
# makes one ISA serial port; the results port (ttyS1) and the host hook's
# line (ttyS2) are ISA serial devices added at the standard COM2 and COM3
# addresses, which the kernel's 8250 driver probes on x86.

TRANSPORT=${TRANSPORT:-pci}

transport_check() {
	case "$TRANSPORT" in
	pci|mmio) ;;
	*) die "--transport takes pci or mmio" ;;
	esac
}

transport_device() {	# BASE
	case "$TRANSPORT" in
	pci) echo "$1-pci" ;;
	mmio) echo "$1-device" ;;
	esac
}

transport_module() {
	case "$TRANSPORT" in
	pci) echo virtio_pci ;;
	mmio) echo virtio_mmio ;;
	esac
}

# Sets MACHINE (kept when it already names a machine that fits) and
# SERIAL_DEVICES: 1 when the serial ports after the first are ISA devices
# run-vm must add itself.
SERIAL_DEVICES=0
transport_machine() {
	case "$TRANSPORT" in
	pci) ;;
	mmio)
		# The debug kernel's q35 (for its ACPI _PRT) has no business
		# here: microvm has no PCI and so no _PRT.
		MACHINE=(-machine microvm,acpi=on)
		SERIAL_DEVICES=1
		# microvm has no HPET and no ACPI PM timer.  The kernel
		# measures the TSC against the PIT alone, which fails on a
		# loaded host under TCG (the vCPU thread is preempted in the
		# measuring loop); then the TSC deadline timer is off and the
		# local APIC timer's calibration waits for PIT ticks that
		# microvm never routes: the boot hangs (seen every time at
		# load 13).  TCG's TSC is the host's, so its rate is known.
		local khz
		khz=$(awk '/^cpu MHz/ { printf "%d", $4 * 1000; exit }' /proc/cpuinfo)
		[ -n "$khz" ] && [ "$khz" -gt 0 ] &&
			APPEND="tsc_early_khz=$khz${APPEND:+ $APPEND}"
		;;
	esac
}

# transport_serial ID INDEX CHARDEV-OPTIONS: appends to SERIALS the guest's
# serial port ttyS<INDEX> fed by a chardev (e.g. "file,path=LOG"): -serial
# on PC machines, an ISA serial device where the machine has no such port.
transport_serial() {
	SERIALS+=(-chardev "$3,id=$1")
	if [ "$SERIAL_DEVICES" = 1 ] && [ "$2" -gt 0 ]; then
		SERIALS+=(-device "isa-serial,chardev=$1,index=$2")
	else
		SERIALS+=(-serial "chardev:$1")
	fi
}
