#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/driver/transport: what differs between virtio
# transports, seen from virtiofs_ng and the tools.  Two devices (myfs at
# /mnt, myfs2 at /mnt2), two request queues each, two vCPUs.
#
#   transport-guest.sh pci|mmio|mmio-legacy
TRANSPORT=$1
res() { echo "$1 transport.$2${3:+: $3}"; }

case $TRANSPORT in
pci) want_bus=pci ;;
mmio*) want_bus=platform ;;
*) res FAIL args "unknown transport '$TRANSPORT'"; exit 0 ;;
esac

# the virtio-fs devices, by bus order
fsdevs=""
for d in /sys/bus/virtio/devices/*; do
	[ "$(cat "$d/device" 2>/dev/null)" = 0x001a ] && fsdevs="$fsdevs ${d##*/}"
done
# shellcheck disable=SC2086
set -- $fsdevs
if [ $# -eq 2 ]; then
	res PASS devices "$fsdevs"
else
	res FAIL devices "want 2 virtio-fs devices, found:$fsdevs"
fi

# --- the device's parent is the transport's device -----------------------
# virtio-pci: a PCI function (bus pci); virtio-mmio: a platform device
# (LNRO0005:NN from ACPI, or a device-tree node), never PCI.  This also
# proves the run used the transport it was asked for.
for d in $fsdevs; do
	parent=$(realpath "/sys/bus/virtio/devices/$d/..")
	bus=$(basename "$(realpath "$parent/subsystem" 2>/dev/null)")
	if [ "$bus" = "$want_bus" ]; then
		res PASS "parent.$d" "${parent#/sys/devices/} on $bus"
	else
		res FAIL "parent.$d" "${parent#/sys/devices/} on '$bus', want $want_bus"
	fi
done

# --- virtiofs_ng's view: tag, queues, sysfs --------------------------------
ngdir() {	# the /sys/fs/virtiofs_ng entry of tag $1
	for e in /sys/fs/virtiofs_ng/*; do
		[ "$(cat "$e/tag" 2>/dev/null)" = "$1" ] && { echo "$e"; return; }
	done
}
for tag in myfs myfs2; do
	e=$(ngdir $tag)
	if [ -z "$e" ]; then
		res FAIL "sysfs.$tag" "no /sys/fs/virtiofs_ng entry"
		continue
	fi
	q=$(cat "$e/num_request_queues")
	qs=$(ls "$e/queues" | tr '\n' ' ')
	if [ "$q" = 2 ] && [ -d "$e/queues/requests.0" ] && [ -d "$e/queues/requests.1" ]; then
		res PASS "sysfs.$tag" "2 request queues ($qs)"
	else
		res FAIL "sysfs.$tag" "num_request_queues $q, queues: $qs"
	fi
done

# --- interrupts ------------------------------------------------------------
# virtio-mmio has one interrupt per device for all its queues (the driver
# gets no per-queue vectors and no affinity); virtio-pci with MSI-X one
# per queue plus config.
for d in $fsdevs; do
	n=$(grep -cE "[[:space:]]$d(-|\$)" /proc/interrupts)
	lines=$(grep -E "[[:space:]]$d(-|\$)" /proc/interrupts | awk '{ print $NF }' | tr '\n' ' ')
	case $TRANSPORT in
	mmio*) [ "$n" = 1 ] && res PASS "irq.$d" "one shared line: $lines" ||
		res FAIL "irq.$d" "$n lines for $d: $lines" ;;
	pci) [ "$n" -ge 1 ] && res PASS "irq.$d" "$n: $lines" ||
		res FAIL "irq.$d" "no interrupt for $d" ;;
	esac
done

# --- both request queues carry requests, from either CPU --------------------
# Without per-queue interrupt affinity (mmio), CPUs map to request queues
# by number: CPU 0 to the first, CPU 1 to the second.  Writes made on each
# CPU must reach the host through the queue of that CPU, and come back.
e=$(ngdir myfs)
if [ -n "$e" ] && [ "$(nproc)" -ge 2 ]; then
	s0=$(cat "$e/queues/requests.0/sent") s1=$(cat "$e/queues/requests.1/sent")
	ok=1
	for cpu in 0 1; do
		taskset -c $cpu sh -c "
			dd if=/dev/urandom of=/tmp/q$cpu bs=64k count=16 2>/dev/null
			i=0
			while [ \$i -lt 20 ]; do
				cp /tmp/q$cpu /mnt/q$cpu.\$i && cmp -s /tmp/q$cpu /mnt/q$cpu.\$i || exit 1
				i=\$((i + 1))
			done" || ok=0
	done
	rm -f /mnt/q0.* /mnt/q1.*
	d0=$(($(cat "$e/queues/requests.0/sent") - s0))
	d1=$(($(cat "$e/queues/requests.1/sent") - s1))
	if [ $ok = 1 ] && [ $d0 -gt 20 ] && [ $d1 -gt 20 ]; then
		res PASS queues.per-cpu "requests.0 +$d0, requests.1 +$d1"
	else
		res FAIL queues.per-cpu "data ok $ok; requests.0 +$d0, requests.1 +$d1"
	fi
else
	res SKIP queues.per-cpu "one CPU or no myfs entry"
fi

# --- the tools -------------------------------------------------------------
if command -v virtiofsctl >/dev/null; then
	out=$(virtiofsctl list 2>&1)
	echo "$out" >/dev/console
	for tag in myfs myfs2; do
		if echo "$out" | awk -v t=$tag '$1 == t && $2 ~ /^virtio[0-9]+$/ && $3 == "virtiofs_ng"' | grep -q .; then
			res PASS "virtiofsctl.list.$tag"
		else
			res FAIL "virtiofsctl.list.$tag" "$(echo "$out" | tr '\n' '|')"
		fi
	done
	# TRANSPORT and PARENT: the parent's driver and name, as sysfs has them
	case $TRANSPORT in pci) want_drv=virtio-pci ;; *) want_drv=virtio-mmio ;; esac
	out=$(virtiofsctl list -n -o DEVICE,TRANSPORT,PARENT 2>/dev/null)
	echo "$out" >/dev/console
	for d in $fsdevs; do
		p=$(basename "$(realpath "/sys/bus/virtio/devices/$d/..")")
		if echo "$out" | awk -v d=$d -v t=$want_drv -v p="$p" \
			'$1 == d && $2 == t && $3 == p' | grep -q .; then
			res PASS "virtiofsctl.transport.$d" "$want_drv $p"
		else
			res FAIL "virtiofsctl.transport.$d" "want $want_drv $p: $(echo "$out" | tr '\n' '|')"
		fi
	done
else
	res SKIP virtiofsctl "not added"
fi

# --- unbind and bind again (remove and probe on this transport) -------------
d2=$2
if [ -n "$d2" ] && umount /mnt2; then
	drv=/sys/bus/virtio/drivers/virtiofs_ng
	echo "$d2" >$drv/unbind
	gone=1
	[ -z "$(ngdir myfs2)" ] || gone=0
	echo "$d2" >$drv/bind
	if [ $gone = 1 ] && [ -n "$(ngdir myfs2)" ] &&
	   mount -t virtiofs myfs2 /mnt2 && echo rebound >/mnt2/rebind &&
	   [ "$(cat /mnt2/rebind)" = rebound ]; then
		res PASS rebind "$d2 unbound, bound, mounted"
		rm -f /mnt2/rebind
	else
		res FAIL rebind "gone after unbind: $gone; entry: $(ngdir myfs2)"
	fi
else
	res FAIL rebind "cannot unmount /mnt2"
fi
