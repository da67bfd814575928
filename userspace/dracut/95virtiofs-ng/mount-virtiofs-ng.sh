#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Mounts a root on virtio-fs at $NEWROOT before dracut's own mount step
# (and before systemd's sysroot.mount, which then finds it mounted).
# Sourced by dracut: no exit.  The share is mounted by virtiofs_ng; when
# that cannot load, modprobe.d's policy loads the kernel's virtiofs, and
# this says so on the console.

type getarg >/dev/null 2>&1 || . /lib/dracut-lib.sh

vng_tag=
case ${root} in
virtiofs:*) vng_tag=${root#virtiofs:} ;;
*) [ "${fstype}" = virtiofs ] && vng_tag=${root} ;;
esac

# The driver that has the tag, said on the console.
vng_report_driver() {
	for vng_d in /sys/fs/virtiofs_ng/*; do
		[ -r "$vng_d/tag" ] || continue
		read -r vng_t <"$vng_d/tag" || continue
		if [ "$vng_t" = "$1" ]; then
			# the kernel log, as initramfs-tools' script says it:
			# dracut's info() reaches it only with rd.info
			echo "<6>virtiofs-ng: root file system: tag '$1' mounted by virtiofs_ng" \
				>/dev/kmsg 2>/dev/null ||
				info "virtiofs-ng: root file system: tag '$1' mounted by virtiofs_ng"
			return 0
		fi
	done
	warn "virtiofs-ng: virtiofs_ng is not available for kernel $(uname -r): the root file system (tag '$1') is on the kernel's virtiofs"
	[ -r /run/virtiofs-ng/fallback ] &&
		warn "virtiofs-ng: why: $(cat /run/virtiofs-ng/fallback)"
	return 0
}

if [ -n "${vng_tag}" ] && ! ismounted "${NEWROOT}"; then
	# udev's coldplug loads virtiofs_ng by the device's modalias; by
	# name too, for a device udev has not handled yet.
	modprobe virtiofs_ng >/dev/null 2>&1 || true
	vng_delay=$(getarg rootdelay=)
	vng_delay=${vng_delay%%.*}
	case ${vng_delay} in '' | *[!0-9]*) vng_delay=30 ;; esac
	vng_opts=${rflags:-ro}
	if command -v mount.virtiofs >/dev/null 2>&1; then
		# waits for the tag (wait=) and names what is missing;
		# -n: no utab in the initramfs
		mount.virtiofs "${vng_tag}" "${NEWROOT}" -n \
			-o "${vng_opts},wait=${vng_delay}" 2>&1 | vinfo
	else
		# the kernel says "no such tag" until the device is probed
		vng_i=0
		while :; do
			mount -t virtiofs -o "${vng_opts}" "${vng_tag}" "${NEWROOT}" 2>&1 | vinfo
			ismounted "${NEWROOT}" && break
			[ "${vng_i}" -ge "${vng_delay}" ] && break
			sleep 1
			vng_i=$((vng_i + 1))
		done
	fi
	if ismounted "${NEWROOT}"; then
		vng_report_driver "${vng_tag}"
	else
		die "virtiofs-ng: cannot mount tag '${vng_tag}' on ${NEWROOT}"
	fi
fi
