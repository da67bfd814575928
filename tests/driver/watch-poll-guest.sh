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

# A watched file without a dentry (a watch pins the inode, not its name;
# drop_caches prunes the dentry): a host write reaches the file's watch and
# its directory's, once each.
nodentry() {
	vng-watch host $TTY mkdir nd >/dev/null &&
		vng-watch host $TTY create nd/x >/dev/null || {
		say FAIL nodentry.setup "the host hook did not create nd/x"
		return
	}
	vng-watch /mnt/nd /mnt/nd/x >/tmp/nd.ev 2>/dev/null &
	w=$!
	sleep $((MS * 2 / 1000 + 1))	# both polled once: the baseline
	sync
	echo 2 >/proc/sys/vm/drop_caches
	vng-watch host $TTY append nd/x hello >/dev/null
	limit=$((MS * 8 / 1000 + 30))
	s=0
	while [ "$(grep -c '^EV [0-9]* MODIFY /mnt/nd/x$' /tmp/nd.ev)" -lt 2 ] &&
	      [ $s -lt $limit ]; do
		sleep 1
		s=$((s + 1))
	done
	sleep $((MS * 2 / 1000 + 1))	# and no third
	kill $w
	n=$(grep -c '^EV [0-9]* MODIFY /mnt/nd/x$' /tmp/nd.ev)
	[ "$n" = 2 ] && say PASS nodentry.both_watchers ||
		say FAIL nodentry.both_watchers "$n MODIFY events for nd/x (want 2: the file's watch, the directory's): $(tr '\n' '|' </tmp/nd.ev)"
}

# wait_events FILE PATTERN N: until FILE has N lines "EV <ns> PATTERN...",
# or LIMIT seconds; prints the seconds waited.  With LS, ls -l that
# directory once the first such event is there.
wait_events() {
	s=0 looked=0
	while [ "$(grep -c "^EV [0-9]* $2" "$1")" -lt "$3" ] && [ $s -lt $LIMIT ]; do
		if [ -n "${LS:-}" ] && [ $looked = 0 ] && grep -q "^EV [0-9]* $2" "$1"; then
			ls -l "$LS" >/dev/null
			looked=1
		fi
		sleep 1
		s=$((s + 1))
	done
	sleep $((MS * 2 / 1000 + 1))	# and none twice
	echo $s
}

# burst_check NAME FILE PATTERN N SECS: exactly N such events, N names
burst_check() {
	got=$(grep "^EV [0-9]* $3" "$2" | cut -d' ' -f4 | sort)
	all=$(echo "$got" | grep -c .)
	uniq=$(echo "$got" | sort -u | grep -c .)
	if [ "$all" = "$4" ] && [ "$uniq" = "$4" ]; then
		say PASS "$1" "$4 events in $5 s"
	else
		say FAIL "$1" "$all events ($uniq names) of $4 '$3' within $LIMIT s"
	fi
}

# A host burst past a tick's report budget (poll.c: 256 LOOKUPs for new
# names and changed children): every creation, then every write (after a
# drop_caches: each changed child needs a LOOKUP again), reaches the
# watcher exactly once, spread over ticks (poll/deferred moves in each
# phase).  Then a burst whose names the guest meets midway (ls -l once the
# first CREATE is in): a name met before its report still gets its CREATE.
burst() {
	n=1500
	vng-watch host $TTY mkdir burst >/dev/null &&
		vng-watch host $TTY mkdir burst2 >/dev/null || {
		say FAIL burst.setup "the host hook did not create burst, burst2"
		return
	}
	vng-watch /mnt/burst /mnt/burst2 >/tmp/burst.ev 2>/dev/null &
	w=$!
	sleep $((MS * 2 / 1000 + 1))	# polled once: the baseline
	# six ticks' worth at least, 2 x MS each under load, plus 30 s
	LIMIT=$((MS * 2 * (n / 256 + 4) / 1000 + 30))
	for what in create:CREATE append:MODIFY; do
		op=${what%%:*} ev=${what#*:}
		if [ $op = append ]; then
			sync
			echo 2 >/proc/sys/vm/drop_caches
		fi
		d0=$(counter deferred)
		vng-watch host $TTY ${op}many burst $n >/dev/null || {
			say FAIL burst.$op "the host hook failed: ${op}many"
			break
		}
		secs=$(wait_events /tmp/burst.ev "$ev /mnt/burst/f" $n)
		d1=$(counter deferred)
		echo "burst.$op: poll/deferred $d0 -> $d1, sent $(counter sent)" >/dev/console
		burst_check burst.$op /tmp/burst.ev "$ev /mnt/burst/f" $n "$secs"
		[ -n "$d1" ] && [ "$d1" -gt "${d0:-0}" ] && say PASS burst.$op.deferred "$((d1 - d0))" ||
			say FAIL burst.$op.deferred "poll/deferred $d0 -> $d1: the burst fit one tick's budget"
	done
	if vng-watch host $TTY createmany burst2 $n >/dev/null; then
		secs=$(LS=/mnt/burst2 wait_events /tmp/burst.ev "CREATE /mnt/burst2/f" $n)
		burst_check burst.met_midway /tmp/burst.ev "CREATE /mnt/burst2/f" $n "$secs"
	else
		say FAIL burst.met_midway "the host hook failed: createmany burst2"
	fi
	kill $w
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
nodentry
burst
[ "$COUNT" -gt 0 ] && latency
