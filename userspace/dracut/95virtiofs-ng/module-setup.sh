#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dracut module "virtiofs-ng": virtiofs_ng in the initramfs and a root file
# system on virtio-fs (root=virtiofs:TAG, or rootfstype=virtiofs root=TAG)
# mounted through it.  It takes the place of dracut's own "virtiofs"
# module (dracut.conf.d/virtiofs-ng.conf omits that one), whose hook loads
# the kernel's virtiofs by name and would mount the share a second time:
# this one accepts the same command lines and falls back to the kernel's
# virtiofs itself when virtiofs_ng cannot load.

# called by dracut
check() {
	# Host-only images get it when something mounted needs virtio-fs.
	if [[ $hostonly ]] || [[ $mount_needs ]]; then
		local fs
		for fs in "${host_fs_types[@]}"; do
			[[ $fs == virtiofs || $fs == virtiofs_ng ]] && return 0
		done
		return 255
	fi
	return 0
}

# called by dracut
depends() {
	echo base
}

# called by dracut
installkernel() {
	# The transports too: modules on Debian's, Ubuntu's and Fedora's
	# kernels, and a host-only image would not know it needs them.
	hostonly='' instmods virtio_pci virtio_mmio virtiofs_ng virtiofs
	if ! modprobe -S "$kernel" --ignore-install --show-depends virtiofs_ng \
		>/dev/null 2>&1; then
		dwarn "virtiofs-ng: no virtiofs_ng module for kernel $kernel (see 'dkms status'): a virtio-fs root in this initramfs uses the kernel's virtiofs"
	fi
}

# called by dracut
install() {
	# The modprobe.d policy's fallback runs these through /bin/sh.
	inst_multiple -o /lib/modprobe.d/virtiofs-ng.conf \
		/usr/lib/modprobe.d/virtiofs-ng.conf
	inst_multiple uname rm mkdir
	# The helper waits for the tag and names what is missing.
	inst_multiple -o mount.virtiofs
	inst_hook cmdline 95 "$moddir/parse-virtiofs-ng.sh"
	inst_hook pre-mount 90 "$moddir/mount-virtiofs-ng.sh"
}
