#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/driver/watch-poll (busybox sh, in the test VM; /mnt is
# mounted watch=poll:MS, the host hook answers on /dev/ttyS2).
#
#   watch-poll-guest MS COUNT   (COUNT host writes timed; 0: none)
#
# Prints PASS|FAIL|SKIP lines.
MS=${1:?}
COUNT=${2:?}
TTY=/dev/ttyS2
SYS=""

say() { echo "$1 poll.$2${3:+: $3}"; }

# the sysfs directory of the device mounted at /mnt
for d in /sys/fs/virtiofs_ng/*; do
	[ "$(cat "$d/tag" 2>/dev/null)" = myfs ] && SYS=$d
done
counter() { cat "$SYS/poll/$1"; }

# refused: mount -o OPTS must fail and say WHY in the kernel log
refused() {
	name=$1 opts=$2 why=$3
	mkdir -p /tmp/m
	if mount -t virtiofs -o "$opts" myfs /tmp/m 2>/tmp/mount.err; then
		umount /tmp/m
		say FAIL "option.$name" "'$opts' was accepted"
	elif dmesg | tail -n 20 | grep -q "$why"; then
		say PASS "option.$name"
	else
		say FAIL "option.$name" "no '$why' in the log: $(cat /tmp/mount.err)"
	fi
}

options() {
	grep -q " /mnt virtiofs.*watch=poll:$MS" /proc/mounts &&
		say PASS option.shown || say FAIL option.shown "$(grep ' /mnt ' /proc/mounts)"
	refused too_fast watch=poll:50 "interval must be 100"
	refused too_slow watch=poll:3600001 "interval must be 100"
	refused not_a_number watch=poll:soon "number of milliseconds"
	refused unknown watch=sometimes "use notify, poll"
	refused no_queue watch=notify "has no notification queue"
	mount -o remount,watch=off /mnt && grep -q " /mnt .*watch=off" /proc/mounts &&
		mount -o remount,watch=poll:$MS /mnt &&
		grep -q " /mnt .*watch=poll:$MS" /proc/mounts &&
		say PASS option.remount || say FAIL option.remount "$(grep ' /mnt ' /proc/mounts)"
}

# nobody watches: the poller sends nothing
idle() {
	[ -n "$SYS" ] || { say FAIL counters "no /sys/fs/virtiofs_ng/N for myfs"; return; }
	a=$(counter sent)
	sleep $((MS * 3 / 1000 + 1))
	b=$(counter sent)
	[ "$a" = "$b" ] && say PASS idle.no_polls || say FAIL idle.no_polls "sent $a -> $b"
}

# the counters moved with the event checks' host changes
counters() {
	b=$(counter sent)
	d=$(counter differences)
	r=$(counter reported)
	echo "poll counters: sent $b, differences $d, reported $r" >/dev/console
	[ "$b" -gt 0 ] && [ "$d" -gt 0 ] && [ "$r" -gt 0 ] &&
		say PASS counters || say FAIL counters "sent $b, differences $d, reported $r"
}

# Latency is measured, not judged: a timing verdict would fail whenever
# the machine is loaded (make bench's watch=poll row reports it).  A change
# the guest never heard of is a FAIL.
latency() {
	vng-watch host $TTY mkdir bench >/dev/null &&
		vng-watch host $TTY create bench/f >/dev/null || {
		say FAIL latency.setup "the host hook did not create bench/f"
		return
	}
	# the file's first poll is its baseline (see above): watched and
	# polled once before the first timed change
	vng-watch /mnt/bench/f >/dev/null 2>&1 &
	held=$!
	sleep $((MS * 2 / 1000 + 1))
	# each change at a random phase of the tick (vng-watch's SPREAD_MS):
	# right after the previous event it would wait a whole interval
	vng-watch bench $TTY /mnt bench/f "$COUNT" "$MS" >/tmp/bench.out
	st=$?
	kill $held
	grep -E '^BENCH ' /tmp/bench.out
	grep -E '^BENCH ' /tmp/bench.out >/dev/console
	[ $st = 0 ] && say PASS latency.none_lost ||
		say FAIL latency.none_lost "$(grep -v '^BENCH' /tmp/bench.out | grep -c lost) of $COUNT lost"
}

# the host hook must answer before anything else
i=0
while ! vng-watch host $TTY ping >/tmp/host.out 2>&1; do
	i=$((i + 1))
	[ $i -ge 5 ] && { say FAIL hook "no host hook on $TTY: $(cat /tmp/host.out)"; exit 0; }
done
options
idle
# A watch's first poll is its baseline: what the host changes before it is
# not reported (a documented limit of watch=poll).  notify-guest's watcher
# starts right before the first host change, so a watch on the tree is
# held from here on, and the tree is polled once before.
mkdir -p /mnt/tree
vng-watch /mnt/tree >/dev/null 2>&1 &
BASE=$!
sleep $((MS * 2 / 1000 + 1))
# an event may take up to MS plus a tick's work: wait 4 x MS + 3 s each
NOTIFY_POLL=1 NOTIFY_WAIT=$((MS * 4 / 100 + 30)) sh /bin/notify-guest events
kill $BASE
counters
[ "$COUNT" -gt 0 ] && latency
