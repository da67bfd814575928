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
#                           machine's virtio-mmio bus ("vhost-user-fs-device",
#                           "vhost-user-test-device")
#   transport_module        the guest's transport driver module
#   transport_machine       MACHINE (QEMU's machine arguments) and, when the
#                           machine has no second and third serial port of
#                           its own, SERIAL_DEVICES (transport_serials)
#
# x86 over mmio is QEMU's microvm machine: no PCI, ACPI on (QEMU's
# default there) so the kernel finds the virtio-mmio slots in the DSDT
# (LNRO0005 devices).  Debian's kernels have VIRTIO_MMIO as a module
# without VIRTIO_MMIO_CMDLINE_DEVICES, so slots announced only on the
# command line (microvm's acpi=off way) would never appear.  microvm
# makes one ISA serial port; the results port (ttyS1) and the host hook's
# line (ttyS2) are ISA serial devices added at the standard COM2 and COM3
# addresses, which the kernel's 8250 driver probes on x86.

# VTEST_TRANSPORT=mmio in the environment makes it the default of every
# run-vm a suite starts, as VTEST_KERNEL does for the kernel.
#
# mmio is virtio-mmio version 2 (virtio 1.x), what Firecracker, Cloud
# Hypervisor and crosvm expose; QEMU's virtio-mmio defaults to the legacy
# version 1 register layout (force-legacy), which libvhost-user (QEMU's C
# virtiofsd) refuses outright.  mmio-legacy keeps QEMU's default: the
# driver must cope with it too (no VIRTIO_F_VERSION_1, guest-endian
# config, no shared-memory registers); only the inrepo backend serves it.
TRANSPORT=${VTEST_TRANSPORT:-pci}

transport_check() {
	case "$TRANSPORT" in
	pci|mmio|mmio-legacy) ;;
	*) die "--transport (VTEST_TRANSPORT) takes pci, mmio or mmio-legacy" ;;
	esac
}

transport_device() {	# BASE
	case "$TRANSPORT" in
	pci) echo "$1-pci" ;;
	# QEMU's names: vhost-user-fs-device, but vhost-user-test-device
	mmio*) case $1 in *-device) echo "$1" ;; *) echo "$1-device" ;; esac ;;
	esac
}

transport_module() {
	case "$TRANSPORT" in
	pci) echo virtio_pci ;;
	mmio*) echo virtio_mmio ;;
	esac
}

# Sets MACHINE (QEMU's machine and global arguments) and SERIAL_DEVICES: 1
# when the serial ports after the first are ISA devices run-vm must add.
# GUEST_ARCH (run-vm --arch, default x86_64) picks the machine; arm64's virt machine has
# virtio-mmio slots of its own and keeps the MACHINE its caller chose.
SERIAL_DEVICES=0
transport_machine() {
	[ "$TRANSPORT" = pci ] && return 0
	case "${GUEST_ARCH:-x86_64}" in
	x86_64|amd64)
		# The debug kernel's q35 (for its ACPI _PRT) has no business
		# here: microvm has no PCI and so no _PRT.
		MACHINE=(-machine microvm,acpi=on)
		SERIAL_DEVICES=1
		transport_tsc_rate
		;;
	esac
	if [ "$TRANSPORT" = mmio ]; then
		MACHINE+=(-global virtio-mmio.force-legacy=false)
	fi
}

# transport_slots: how many virtio devices the machine takes, or nothing
# when it is not known to be short (microvm: 24 virtio-mmio slots with its
# second IO-APIC, QEMU's default).
transport_slots() {
	[ "$TRANSPORT" = pci ] && return 0
	case "${GUEST_ARCH:-x86_64}" in
	x86_64|amd64) echo 24 ;;
	esac
}

# microvm has no HPET and no ACPI PM timer.  The kernel measures the TSC
# against the PIT alone, which fails on a loaded host under TCG (the vCPU
# thread is preempted in the measuring loop); then the TSC deadline timer
# is off and the local APIC timer's calibration waits for PIT ticks that
# microvm never routes: the boot hangs (seen every time at load 13).
# TCG's TSC is the host's, so its rate is known: tsc_early_khz says it.
transport_tsc_rate() {
	local khz
	khz=$(awk '/^cpu MHz/ { printf "%d", $4 * 1000; exit }' /proc/cpuinfo)
	if [ -n "$khz" ] && [ "$khz" -gt 0 ]; then
		APPEND="tsc_early_khz=$khz${APPEND:+ $APPEND}"
	fi
}

# transport_serials: run-vm's SERIALS where the machine has one serial
# port of its own (microvm): the results and host-hook lines are ISA
# serial devices at COM2 and COM3 (ttyS1, ttyS2 as on a PC).
transport_serials() {
	SERIALS=(-serial "file:$CONSOLE"
		-chardev "file,id=vtser1,path=$RESULTS"
		-device isa-serial,chardev=vtser1,index=1)
	[ -z "$HOOK" ] || SERIALS+=(
		-chardev "socket,id=vtser2,path=$HOSTCMD,server=on,wait=off"
		-device isa-serial,chardev=vtser2,index=2)
}
