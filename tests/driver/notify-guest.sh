#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/driver/notify (busybox sh, in the test VM): a
# watcher (vng-watch -r) on /mnt/tree while the host hook (notify-hook,
# over /dev/ttyS2) creates, writes, truncates, chmods, renames within and
# across directories, deletes and replaces files and directories.  Each
# expected event must arrive (5 s each, TCG), in order per file; the
# guest's own changes must not come back doubled.  Then, on /mnt/c with
# no watcher at all, coherence under the backend's --cache=always: a read
# after a host write returns the new bytes, ls shows host creations and
# deletions, stat a host chmod, all well inside the 86400 s timeouts.
#
#   notify-guest events|coherence|modes|all    (default all)
#   notify-guest layout                  the kernel's virtiofs: no feature,
#                                        only the mount in --notify mode
#   notify-guest malformed KIND          the backend damages every message
#                                        (--fault notify:corrupt:KIND): each
#                                        is refused and counted, the mount
#                                        goes on working
#   notify-guest slowhost                the backend never answers a LOOKUP
#                                        (--fault lookup:drop) while the
#                                        host changes a watched directory:
#                                        listing it, reading in it, another
#                                        notification and the umount of
#                                        /mnt each end within SLOW_BOUND s
#   notify-guest slowread                the backend never answers the first
#                                        READ (--fault read:drop:first=1),
#                                        whose page stays locked; the host
#                                        writes that file, and the page
#                                        cache invalidation of its
#                                        INVAL_INODE waits for the page:
#                                        later changes of another file
#                                        still reach the guest, and the
#                                        umount ends (it aborts the
#                                        session, which fails the READ)
#   notify-guest caps                    the backend leaves file
#                                        capabilities to the guest
#                                        (--no-killpriv): few GETXATTRs,
#                                        and a capability the host or the
#                                        guest sets goes with a write
# Prints PASS|FAIL|SKIP lines.
TTY=/dev/ttyS2
EV=/tmp/ev
T=/mnt/tree
WAIT=${NOTIFY_WAIT:-50}		# tenths of a second per expected event

say() { echo "$1 notify.$2${3:+: $3}"; }

host() {	# host COMMAND...: have the host hook do it now
	if ! vng-watch host $TTY "$@" >/tmp/host.out 2>&1; then
		say FAIL "host.$1" "'$*': $(cat /tmp/host.out)"
		return 1
	fi
}

# has PATTERN: an event line matching "EV <ns> PATTERN" (extended regex)
has() { grep -Eq "^EV [0-9]+ $1( cookie=[0-9]+)?\$" $EV; }
count() { grep -Ec "^EV [0-9]+ $1( cookie=[0-9]+)?\$" $EV; }

# expect NAME PATTERN: wait for the event, PASS/FAIL NAME
expect() {
	i=0
	while ! has "$2"; do
		i=$((i + 1))
		if [ $i -gt "$WAIT" ]; then
			say FAIL "$1" "no event '$2' within $((WAIT / 10)) s"
			return 1
		fi
		sleep 0.1
	done
	say PASS "$1"
}

# expect_n NAME N PATTERN: wait for the N-th such event
expect_n() {
	i=0
	while [ "$(count "$3")" -lt "$2" ]; do
		i=$((i + 1))
		if [ $i -gt "$WAIT" ]; then
			say FAIL "$1" "event '$3' seen $(count "$3") times, want $2"
			return 1
		fi
		sleep 0.1
	done
	say PASS "$1"
}

# in_order NAME PAT1 PAT2...: each pattern's first match after the last
in_order() {
	name=$1
	shift
	printf '%s\n' "$@" >/tmp/order
	awk 'FNR == NR { p[++n] = $0; next }
		k == 0 { k = 1 }
		k <= n && $0 ~ ("^EV [0-9]+ " p[k] "( cookie=[0-9]+)?$") { k++ }
		END { exit (k == 0 || k <= n) ? 1 : 0 }' /tmp/order $EV &&
		say PASS "$name" ||
		say FAIL "$name" "not in order: $* ($(grep -c '^EV' $EV) events)"
}

# same_cookie NAME FROM_PATH TO_PATH: a move reported as one (paired)
same_cookie() {
	a=$(grep -E " MOVED_FROM([|]ISDIR)? $2 cookie=" $EV | tail -n 1 | sed 's/.*cookie=//')
	b=$(grep -E " MOVED_TO([|]ISDIR)? $3 cookie=" $EV | tail -n 1 | sed 's/.*cookie=//')
	if [ -n "$a" ] && [ "$a" = "$b" ]; then
		say PASS "$1"
	else
		say FAIL "$1" "MOVED_FROM cookie '$a', MOVED_TO cookie '$b'"
	fi
}

hook_ready() {
	i=0
	while ! vng-watch host $TTY ping >/tmp/host.out 2>&1; do
		i=$((i + 1))
		[ $i -ge 5 ] && { say FAIL hook "no host hook on $TTY: $(cat /tmp/host.out)"; return 1; }
	done
	say PASS hook
}

events() {
	mkdir -p $T || { say FAIL events.setup "mkdir $T"; return; }
	vng-watch -r $T >$EV 2>/tmp/ev.err &
	WPID=$!
	i=0
	until grep -q '^READY' $EV; do
		i=$((i + 1))
		[ $i -gt 50 ] && { say FAIL events.watcher "$(cat /tmp/ev.err)"; return; }
		sleep 0.1
	done

	# a file: create, write, truncate, chmod, rename in its directory
	host create tree/f1 && expect events.create "CREATE $T/f1"
	host append tree/f1 hello && expect events.write "MODIFY $T/f1"
	host truncate tree/f1 2 && expect_n events.truncate 2 "MODIFY $T/f1"
	host chmod tree/f1 600 && expect events.chmod "ATTRIB $T/f1"
	host mv tree/f1 tree/f2 && expect events.rename.from "MOVED_FROM $T/f1" &&
		expect events.rename.to "MOVED_TO $T/f2" &&
		same_cookie events.rename.paired "$T/f1" "$T/f2"
	in_order events.order.f1 "CREATE $T/f1" "MODIFY $T/f1" "ATTRIB $T/f1" "MOVED_FROM $T/f1"

	# across directories.  With watch=poll (NOTIFY_POLL=1) the two
	# directories are listed one after the other: a move between the two
	# listings is seen as a delete and a create (a documented limit)
	FROM=MOVED_FROM TO=MOVED_TO
	[ "${NOTIFY_POLL:-0}" = 1 ] && FROM="(MOVED_FROM|DELETE)" TO="(MOVED_TO|CREATE)"
	host mkdir tree/d && expect events.mkdir "CREATE[|]ISDIR $T/d"
	host mv tree/f2 tree/d/f3 && expect events.xrename.from "$FROM $T/f2" &&
		expect events.xrename.to "$TO $T/d/f3" &&
		{ [ "${NOTIFY_POLL:-0}" = 1 ] && ! grep -q " MOVED_TO $T/d/f3 " $EV ||
		  same_cookie events.xrename.paired "$T/f2" "$T/d/f3"; }
	host append tree/d/f3 more && expect events.write.moved "MODIFY $T/d/f3"

	# an editor's save: written elsewhere, renamed over the file
	host replace tree/d/f3 new && expect events.replace "(MOVED_TO|CREATE) $T/d/f3"
	host rm tree/d/f3 && expect events.delete "DELETE $T/d/f3"
	in_order events.order.f3 "$TO $T/d/f3" "MODIFY $T/d/f3" "DELETE $T/d/f3"

	# directories: rename across, remove, replace by a new one
	host mkdir tree/e && expect events.mkdir2 "CREATE[|]ISDIR $T/e"
	host mv tree/d tree/e/d2 && expect events.dir.rename.from "$FROM[|]ISDIR $T/d" &&
		expect events.dir.rename.to "$TO[|]ISDIR $T/e/d2"
	host rmdir tree/e/d2 && expect events.rmdir "DELETE[|]ISDIR $T/e/d2"
	# the watcher must watch r before x appears (as with any recursive
	# inotify watcher: changes in a directory nobody watches yet are lost)
	host mkdir tree/r && expect events.mkdir3 "CREATE[|]ISDIR $T/r" &&
		host create tree/r/x && expect events.nested.create "CREATE $T/r/x"
	host rmtree tree/r && expect events.tree.delete "DELETE[|]ISDIR $T/r"
	host mkdir tree/r && expect_n events.dir.replace 2 "CREATE[|]ISDIR $T/r" &&
		in_order events.order.r "CREATE[|]ISDIR $T/r" "DELETE $T/r/x" "DELETE[|]ISDIR $T/r" "CREATE[|]ISDIR $T/r"

	# the guest's own changes: once each, never echoed by the host
	echo own >$T/own
	chmod 600 $T/own
	mv $T/own $T/own2
	rm $T/own2
	host ping	# the host has seen them all by now; give echoes time
	sleep 2
	bad=""
	for p in "CREATE $T/own" "MODIFY $T/own" "ATTRIB $T/own" \
		"MOVED_FROM $T/own" "MOVED_TO $T/own2" "DELETE $T/own2"; do
		n=$(count "$p")
		[ "$n" = 1 ] || bad="$bad '$p' x$n"
	done
	[ -z "$bad" ] && say PASS events.own.once || say FAIL events.own.once "$bad"

	kill $WPID 2>/dev/null
	sleep 0.5
	kill -9 $WPID 2>/dev/null	# a watcher stuck in the driver: go on
	wait $WPID 2>/dev/null
	grep -q Q_OVERFLOW $EV && say FAIL events.overflow "the watcher's queue overflowed"
	echo "events seen: $(grep -c '^EV' $EV)" >/dev/console
}

# poll NAME CMD...: CMD must succeed within the wait, no cache timeout
poll() {
	name=$1
	shift
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt "$WAIT" ]; then
			say FAIL "$name" "still stale after $((WAIT / 10)) s"
			return 1
		fi
		sleep 0.1
	done
	say PASS "$name" "after $((i * 100)) ms"
}

content_is() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
listed() { ls /mnt/c | grep -qx "$1"; }
unlisted() { ! ls /mnt/c | grep -qx "$1"; }
gone() { ! cat "$1"; }
mode_is() { [ "$(stat -c %a "$1")" = "$2" ]; }

coherence() {
	host mkdir c && host write c/file v1 || return
	# cached now: contents, attributes, the listing, a negative entry
	content_is /mnt/c/file v1 || { say FAIL coherence.setup "$(cat /mnt/c/file)"; return; }
	ls /mnt/c >/dev/null
	stat /mnt/c/new >/dev/null 2>&1
	host write c/file v2 && poll coherence.read_after_host_write content_is /mnt/c/file v2
	host append c/file v3 && poll coherence.read_after_host_append content_is /mnt/c/file "$(printf 'v2\nv3')"
	host truncate c/file 0 && poll coherence.read_after_host_truncate content_is /mnt/c/file ""
	host create c/new && poll coherence.ls_shows_create listed new
	host chmod c/new 600 && poll coherence.stat_after_host_chmod mode_is /mnt/c/new 600
	host rm c/file && poll coherence.ls_shows_delete unlisted file &&
		poll coherence.open_after_host_delete gone /mnt/c/file
	host replace c/new fresh && poll coherence.read_after_host_replace content_is /mnt/c/new fresh
}

layout() {
	# the kernel's virtiofs does not ack the feature: queue 1 must still
	# be its request queue, so plain I/O works
	echo data >/mnt/layout && [ "$(cat /mnt/layout)" = data ] &&
		mkdir /mnt/layout.d && [ -d /mnt/layout.d ] && rm -r /mnt/layout /mnt/layout.d &&
		say PASS layout.unacked_io || say FAIL layout.unacked_io
	host create layout.host && [ -e /mnt/layout.host ] &&
		say PASS layout.host_create_seen || say FAIL layout.host_create_seen
	say SKIP events "the kernel's virtiofs has no notification queue"
}

# the driver's counter of the first device
counter() { cat /sys/fs/virtiofs_ng/*/"$1" 2>/dev/null | head -n 1; }

malformed() {
	kind=$1
	before=$(counter notify_dropped)
	[ -n "$before" ] || { say FAIL "malformed.$kind" "no notify_dropped in sysfs"; return; }
	mkdir -p /mnt/m && ls /mnt/m >/dev/null
	host create m/a && host append m/a x && host mv m/a m/b && host rm m/b
	i=0
	while [ "$(counter notify_dropped)" -le "$before" ]; do
		i=$((i + 1))
		[ $i -gt "$WAIT" ] && break
		sleep 0.1
	done
	after=$(counter notify_dropped)
	if [ "$after" -gt "$before" ]; then
		say PASS "malformed.$kind.refused" "$((after - before)) dropped, $(counter notify_received) received"
	else
		say FAIL "malformed.$kind.refused" "notify_dropped stayed $before"
	fi
	# the session is unharmed: requests still work, and see the host
	host write m/c fine && [ "$(cat /mnt/m/c)" = fine ] && ls /mnt/m | grep -qx c &&
		say PASS "malformed.$kind.mount_works" ||
		say FAIL "malformed.$kind.mount_works" "$(ls /mnt/m)"
}

# ends_within NAME SEC CMD...: CMD succeeds within SEC s.  Run in the
# background and killed at SEC s, so that a CMD stuck in the kernel does
# not stall the guest (an unkillable one is reported as such).
ends_within() {
	name=$1 sec=$2
	shift 2
	rm -f /tmp/ends.rc
	( timeout -s KILL "$sec" "$@" >/tmp/ends.out 2>&1; echo $? >/tmp/ends.rc ) &
	i=0
	while [ ! -e /tmp/ends.rc ]; do
		i=$((i + 1))
		if [ $i -gt $(((sec + 5) * 10)) ]; then
			say FAIL "$name" "'$*' still running after $sec s, unkillable"
			return 1
		fi
		sleep 0.1
	done
	rc=$(cat /tmp/ends.rc)
	if [ "$rc" = 0 ]; then
		say PASS "$name" "$((i * 100)) ms"
	elif [ "$rc" = 137 ]; then
		say FAIL "$name" "'$*' still running after $sec s (killed)"
		return 1
	else
		say FAIL "$name" "'$*' failed: $(cat /tmp/ends.out)"
		return 1
	fi
}

# The mount's watch= decides who hears the queue: watch=off gets coherent
# caches and no events; watch=poll hears its poller only, so a host write
# to a watched file in a watched directory never reaches a watcher (the
# file's, the directory's) twice, once from the queue and once from the
# poller.
modes() {
	M=/mnt/md EV=/tmp/evm
	host mkdir md && host write md/f v1 || return
	# the queue's INVAL_ENTRY of f must not unhash the dentry made below:
	# a watched file with no name reaches only its own watchers (README)
	sleep 1
	cat $M/f >/dev/null || { say FAIL modes.setup "cat $M/f"; return; }
	sysw=$(cat /sys/fs/virtiofs_ng/*/watch | head -n 1)
	[ "$sysw" = notify ] && say PASS modes.sysfs.notify ||
		say FAIL modes.sysfs.notify "watch is '$sysw'"
	mount -o remount,watch=off /mnt || { say FAIL modes.off "remount"; return; }
	sysw=$(cat /sys/fs/virtiofs_ng/*/watch | head -n 1)
	[ "$sysw" = off ] && say PASS modes.sysfs.off ||
		say FAIL modes.sysfs.off "watch is '$sysw'"
	# two watchers, as two programs would: the directory's, the file's
	vng-watch $M >$EV 2>/tmp/evm.err &
	WPID=$!
	vng-watch $M/f >$EV.f 2>/tmp/evf.err &
	WPID2=$!
	i=0
	until grep -q '^READY' $EV && grep -q '^READY' $EV.f; do
		i=$((i + 1))
		[ $i -gt 50 ] && { say FAIL modes.watcher "$(cat /tmp/evm.err /tmp/evf.err)"; return; }
		sleep 0.1
	done
	host write md/f v2 && poll modes.off.read_after_host_write content_is $M/f v2
	host create md/g && poll modes.off.ls_shows_create sh -c "ls $M | grep -qx g"
	host ping
	sleep 1
	n=$(cat $EV $EV.f | grep -c '^EV')
	[ "$n" = 0 ] && say PASS modes.off.no_events ||
		say FAIL modes.off.no_events "$n events: $(cat $EV $EV.f | grep '^EV' | tr '\n' ';')"

	mount -o remount,watch=poll:200 /mnt || { say FAIL modes.poll "remount"; return; }
	sysw=$(cat /sys/fs/virtiofs_ng/*/watch | head -n 1)
	[ "$sysw" = poll:200 ] && say PASS modes.sysfs.poll ||
		say FAIL modes.sysfs.poll "watch is '$sysw'"
	sleep 1		# the poller's first ticks are its baseline
	host append md/f more || return
	i=0
	while ! cat $EV $EV.f | grep -Eq "^EV [0-9]+ MODIFY $M/f\$"; do
		i=$((i + 1))
		[ $i -gt "$WAIT" ] && break
		sleep 0.1
	done
	[ $i -le "$WAIT" ] && say PASS modes.poll.modify ||
		say FAIL modes.poll.modify "no watcher heard the host's write within $((WAIT / 10)) s"
	sleep 2		# a second report, from the queue or a tick, has come by now
	# Not twice to any watcher (the queue's and the poller's).  Exactly
	# once to each is not checked: here the directory's watcher may miss
	# it, when the file's dentry went and its own poll reports it (an
	# open limit of watch=poll, README)
	nd=$(grep -Ec "^EV [0-9]+ MODIFY $M/f\$" $EV)
	nf=$(grep -Ec "^EV [0-9]+ MODIFY $M/f\$" $EV.f)
	[ "$nd" -le 1 ] && [ "$nf" -le 1 ] && say PASS modes.poll.not_twice "directory's watcher $nd, file's $nf" ||
		say FAIL modes.poll.not_twice "MODIFY events: $nd for the directory's watcher, $nf for the file's: $(cat $EV $EV.f | grep '^EV' | tr '\n' ';')"
	kill $WPID $WPID2 2>/dev/null
	wait $WPID $WPID2 2>/dev/null
	mount -o remount,watch=notify /mnt || say FAIL modes.restore "remount,watch=notify"
}

# Every LOOKUP goes unanswered (the backend runs with --fault lookup:drop),
# so nothing here may need one: the names come from listings (READDIRPLUS).
# The host then creates and renames in a watched directory, and applying
# those messages asks the host what the names are now.  That wait must
# hold up neither the directory, nor other notifications, nor the umount.
slowhost() {
	B=${SLOW_BOUND:-20}
	host mkdir w && host write w/keep v1 && host write o v1 || return
	ends_within slowhost.setup "$B" sh -c 'ls /mnt >/dev/null && ls /mnt/w >/dev/null && cat /mnt/w/keep /mnt/o' ||
		return
	vng-watch /mnt/w >$EV 2>/tmp/ev.err &
	WPID=$!
	i=0
	until grep -q '^READY' $EV; do
		i=$((i + 1))
		[ $i -gt 50 ] && { say FAIL slowhost.watcher "$(cat /tmp/ev.err)"; return; }
		sleep 0.1
	done
	host create w/a && host mv w/a w/b && host write w/keep v2 ||
		return
	sleep 1		# the messages are being applied now
	ends_within slowhost.list_watched "$B" ls /mnt/w
	ends_within slowhost.stat_watched "$B" stat /mnt/w
	ends_within slowhost.read_in_watched "$B" cat /mnt/w/keep
	ends_within slowhost.write_elsewhere "$B" sh -c 'echo x >/mnt/o && cat /mnt/o'
	# the INVAL_INODE behind the unanswered LOOKUPs still gets through
	WAIT=$((B * 20))
	poll slowhost.later_notification content_is /mnt/w/keep v2
	ends_within slowhost.umount "$B" umount /mnt
	kill $WPID 2>/dev/null
	sleep 0.5
	kill -9 $WPID 2>/dev/null
	wait $WPID 2>/dev/null
}

slowread() {
	B=${SLOW_BOUND:-20}
	host write f v1 || return
	# its READ is never answered: the page stays locked until the abort
	cat /mnt/f >/dev/null 2>&1 &
	RPID=$!
	sleep 2
	# another file, cached (cache=always): its READ is answered
	host write g v1 || return
	content_is /mnt/g v1 || { say FAIL slowread.setup "$(cat /mnt/g)"; return; }
	host write f v2 || return
	sleep 2		# the INVAL_INODE waits for the locked page now
	# a later change of another file must not wait behind it
	host write g v2 || return
	WAIT=$((B * 10))
	poll slowread.later_change_other_file content_is /mnt/g v2
	# nor a second change of the stuck file behind the first one
	host write g v3 && host write f v3 && host write g v4 || return
	poll slowread.change_after_second_stuck content_is /mnt/g v4
	kill -9 $RPID 2>/dev/null
	wait $RPID 2>/dev/null
	ends_within slowread.other_file "$B" sh -c 'echo x >/mnt/o && cat /mnt/o'
	ends_within slowread.umount "$B" umount /mnt
}

# requests sent on the request queues so far (not FORGETs on hiprio)
sent_total() {
	for q in /sys/fs/virtiofs_ng/*/queues/*; do
		[ "${q##*/}" = hiprio ] || cat "$q/sent"
	done | awk '{ n += $1 } END { print n + 0 }'
}

# caps: a host that does not drop privileges itself (--no-killpriv), so
# the guest asks for security.capability before a write; ng keeps a "none"
# as it would keep attributes (cache=always: long)
caps() {
	echo v1 >/mnt/capf
	a=$(sent_total)
	# one open, 20 write(2)s (a shell's "echo >&3" would FLUSH each time)
	dd if=/dev/zero of=/mnt/capf bs=16 count=20 conv=notrunc 2>/dev/null
	n=$(($(sent_total) - a))
	# 20 WRITEs and the open's few; a GETXATTR before each adds 20
	if [ $n -le 30 ]; then
		say PASS caps.none_remembered "$n requests for 20 writes"
	else
		say FAIL caps.none_remembered "$n requests for 20 writes (a GETXATTR per write?)"
	fi
	# the host gives it a capability: its notification makes the guest
	# forget the "none", so the guest sees the capability
	host setcap capf || return
	WAIT=100
	poll caps.host_cap_seen vng-watch hascap /mnt/capf
	# a write drops it (the host's kernel would too, on the backend's
	# write: this checks that nothing keeps it)
	echo y >>/mnt/capf
	poll caps.host_cap_dropped_by_write vng-watch host $TTY nocap capf
	if vng-watch hascap /mnt/capf; then
		say FAIL caps.guest_sees_drop "the guest still sees a capability"
	else
		say PASS caps.guest_sees_drop
	fi
	# set by the guest itself: seen at once, and the next write drops it
	vng-watch setcap /mnt/capf 2>/tmp/setcap.err ||
		{ say FAIL caps.guest_setcap "$(cat /tmp/setcap.err)"; return; }
	if vng-watch hascap /mnt/capf; then
		say PASS caps.guest_cap_seen
	else
		say FAIL caps.guest_cap_seen "a capability the guest set is not seen"
	fi
	echo z >>/mnt/capf
	if host nocap capf && ! vng-watch hascap /mnt/capf; then
		say PASS caps.guest_cap_dropped_by_write
	else
		say FAIL caps.guest_cap_dropped_by_write "the capability survived a write"
	fi
}

hook_ready || exit 0
case "${1:-all}" in
malformed) malformed "$2" ;;
slowhost) slowhost ;;
slowread) slowread ;;
caps) caps ;;
events) events ;;
coherence) coherence ;;
layout) layout ;;
modes) modes ;;
all) events; coherence; modes ;;
*) say FAIL usage "notify-guest events|coherence|layout|all" ;;
esac
