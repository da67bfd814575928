#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/driver/notify-pm (busybox sh): the notification
# queue's buffers across pm_test=devices suspend (freeze) and hibernation
# (disk) cycles, and a host change after each one.
D=$(ls -d /sys/fs/virtiofs_ng/*/ | head -n 1)
TTY=/dev/ttyS2
EV=/tmp/ev

say() { echo "$1 notify-pm.$2${3:+: $3}"; }
posted() { cat "$D/queues/notify/in_flight"; }

if [ "$(cat "$D/watch" 2>/dev/null)" != notify ]; then
	say FAIL setup "watch is '$(cat "$D/watch" 2>/dev/null)', not notify"
	exit 0
fi
if [ ! -w /sys/power/pm_test ]; then
	say SKIP pm "no /sys/power/pm_test in this kernel"
	exit 0
fi
[ "$(posted)" -gt 0 ] && say PASS stocked "$(posted) buffers" ||
	say FAIL stocked "no buffer on the notification queue"

vng-watch /mnt >$EV 2>/tmp/ev.err &
W=$!
i=0
until grep -q '^READY' $EV; do
	i=$((i + 1))
	[ $i -gt 50 ] && { say FAIL watcher "$(cat /tmp/ev.err)"; exit 0; }
	sleep 0.1
done

n=0
for s in freeze disk; do
	grep -qw $s /sys/power/state || { say SKIP $s "no '$s' in /sys/power/state"; continue; }
	before=$(posted)
	echo devices >/sys/power/pm_test
	if echo $s >/sys/power/state 2>/tmp/pm.err; then
		say PASS $s.cycle
	else
		say FAIL $s.cycle "$(cat /tmp/pm.err)"
	fi
	echo none >/sys/power/pm_test
	after=$(posted)
	[ "$after" = "$before" ] && say PASS $s.restocked "$after buffers" ||
		say FAIL $s.restocked "$before buffers before, $after after"
	n=$((n + 1))
	vng-watch host $TTY create pm$n >/tmp/host.out 2>&1 ||
		{ say FAIL $s.host "$(cat /tmp/host.out)"; continue; }
	i=0
	while ! grep -Eq "^EV [0-9]+ CREATE /mnt/pm$n\$" $EV; do
		i=$((i + 1))
		[ $i -gt 50 ] && break
		sleep 0.1
	done
	grep -Eq "^EV [0-9]+ CREATE /mnt/pm$n\$" $EV && say PASS $s.event_after ||
		say FAIL $s.event_after "no CREATE /mnt/pm$n within 5 s"
done
kill $W
wait $W 2>/dev/null
[ "$(cat "$D/notify_nobuf")" = 0 ] && say PASS no_alloc_failure ||
	say FAIL no_alloc_failure "notify_nobuf $(cat "$D/notify_nobuf")"
