#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest half of tests/driver/robust (busybox sh, run by tests/vm/run-vm).
# stdout carries only "PASS|FAIL|SKIP name[: why]" lines; chatter goes to
# stderr (the console).  The host script attached one virtio-fs device per
# fault class; their tags and what each one does are in the host script.
#
# Every operation on a faulty mount runs in the background under a watchdog
# (bgrun), so a request that never completes costs a FAIL line, not the
# rest of the run.

H=/bin/robust-helper
. /vtest/config
FSTYPE=${VTEST_FSTYPE:-virtiofs}
M=/m
KINDS="len short unique error"
fails=0

res() {	# res PASS|FAIL|SKIP name [why]
	[ "$1" = FAIL ] && fails=$((fails + 1))
	if [ -n "$3" ]; then
		echo "$1 $2: $3"
	else
		echo "$1 $2"
	fi
}
log() { echo "robust: $*" >&2; }

# bgrun SECS CMD...: runs CMD, SIGKILLs it after SECS.  Sets RUN_ST to
# done, killed (died within 5 s of SIGKILL) or hang (still there), and
# RUN_OUT to its first stdout line (RUN_ERR: its stderr).
pstate() { sed 's/^[0-9]* ([^)]*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null; }
bgrun() {
	local t=$1 p i st
	shift
	"$@" >/tmp/bg.out 2>/tmp/bg.err &
	p=$!
	i=0
	RUN_ST=hang
	while [ $i -lt $((t * 10)) ]; do
		st=$(pstate $p)
		if [ -z "$st" ] || [ "$st" = Z ]; then
			RUN_ST="done"
			break
		fi
		sleep 0.1
		i=$((i + 1))
	done
	if [ $RUN_ST = hang ]; then
		HUNG="$HUNG $p"
		kill -9 $p 2>/dev/null
		i=0
		while [ $i -lt 50 ]; do
			st=$(pstate $p)
			if [ -z "$st" ] || [ "$st" = Z ]; then
				RUN_ST=killed
				break
			fi
			sleep 0.1
			i=$((i + 1))
		done
	fi
	if [ $RUN_ST = hang ]; then
		log "pid $p ($*) survives SIGKILL, stack:"
		cat /proc/$p/stack >&2 2>/dev/null
	else
		wait $p 2>/dev/null
	fi
	RUN_OUT=$(head -n 1 /tmp/bg.out)
	RUN_ERR=$(head -n 1 /tmp/bg.err)
	return 0
}

# op SECS OP PATH: prints the errno name, TIMEOUT(killable) or HANG.
op() {
	bgrun "$1" $H op "$2" "$3"
	case $RUN_ST in
	"done") echo "${RUN_OUT:-NOOUTPUT}" ;;
	killed) echo "TIMEOUT" ;;
	*) echo "HANG" ;;
	esac
}

# expect NAME WANT GOT...: PASS when GOT is one of the words in WANT.
expect() {
	local name=$1 want=$2 got=$3 w
	for w in $want; do
		if [ "$got" = "$w" ]; then
			res PASS "$name" "$got"
			return 0
		fi
	done
	res FAIL "$name" "got $got, want $want"
	return 1
}

mnt() {	# mnt TAG [OPTS]: mounts TAG at $M/TAG; 0 on success
	mkdir -p "$M/$1"
	bgrun 30 mount -t "$FSTYPE" ${2:+-o "$2"} "$1" "$M/$1"
	[ $RUN_ST = "done" ] && grep -q " $M/$1 " /proc/mounts && return 0
	MNT_WHY="$RUN_ST: $RUN_ERR"
	return 1
}

umnt() {	# umnt TAG: unmounts it, one result line
	grep -q " $M/$1 " /proc/mounts || return 0
	bgrun 30 umount "$M/$1"
	if [ $RUN_ST = "done" ] && ! grep -q " $M/$1 " /proc/mounts; then
		res PASS "umount.$1"
	else
		res FAIL "umount.$1" "$RUN_ST: $RUN_ERR"
	fi
}

cached_kb() { awk '/^Cached:/ { print $2 }' /proc/meminfo; }
t_start=$(awk '{ print int($1) }' /proc/uptime)
uptime_s() { awk '{ print int($1) }' /proc/uptime; }


# --- 3 (first, so its 20 s delayed reply arrives while the rest runs) -----
# delay: read:delay:20000 -- a process blocked in a read dies on SIGKILL.
if mnt delay; then
	bgrun 40 $H killread $M/delay/file 3000
	case "$RUN_OUT" in
	blocked\ dead_ms=*)
		ms=${RUN_OUT#blocked dead_ms=}
		if [ "$ms" -le 3000 ]; then
			res PASS killread.delay "died ${ms} ms after SIGKILL"
		else
			res FAIL killread.delay "died only ${ms} ms after SIGKILL"
		fi ;;
	*) res FAIL killread.delay "${RUN_OUT:-$RUN_ST}"
	   cat /tmp/bg.err >&2 ;;
	esac
	t_delay=$(uptime_s)
else
	res FAIL mount.delay "$MNT_WHY"
fi

# --- 3a: the killed-reader race (issue 13 §3.1) --------------------------
# lateread's host answers the first READ 5 s late without holding its
# queue, so later READs overtake it; the mount has the writeback cache.
# A reader faulting page P in is killed while that READ is with the host;
# then a partial write into P (which reads P first) and, once the late
# reply has come, the cache, the file after fsync, and after dropping the
# caches and mounting again must hold the write.  By the driver's design
# the reader dies at once, before the reply (its READ owns the locked
# page, read_folio is asynchronous), and the writer waits for that READ.
LATEREAD_MS=5000
lr_dev=
for d in /sys/fs/virtiofs_ng/*; do
	[ "$(cat "$d/tag" 2>/dev/null)" = lateread ] && lr_dev=$d
done
if [ -z "$lr_dev" ]; then
	res FAIL killread.race "no device with tag lateread"
elif mnt lateread; then
	bgrun $((LATEREAD_MS / 1000 + 60)) /bin/killread-helper race \
		$M/lateread/lw "$lr_dev" $LATEREAD_MS
	case "$RUN_OUT" in
	ok\ *) res PASS killread.race.cache "${RUN_OUT#ok }" ;;
	*) res FAIL killread.race.cache "${RUN_OUT:-$RUN_ST} $RUN_ERR" ;;
	esac
	case "$RUN_OUT" in
	ok\ *|lost\ *)
		dead=$(echo "$RUN_OUT" | sed -n 's/.* dead_ms=\([0-9]*\).*/\1/p')
		fl=$(echo "$RUN_OUT" | sed -n 's/.* in_flight_at_death=\([0-9]*\).*/\1/p')
		# dead before the reply came: within a fifth of the delay.
		# Before 5.11 filemap_fault() waits for the page it read with
		# wait_on_page_locked(), which no signal ends (5.11's
		# filemap_read_page() waits killably): the reader can only die
		# once the reply came, whatever the driver does.
		kv=$(uname -r | cut -d- -f1)
		kmaj=${kv%%.*} kmin=${kv#*.}
		kmin=${kmin%%.*}
		if [ "$kmaj" -lt 5 ] || { [ "$kmaj" = 5 ] && [ "$kmin" -lt 11 ]; }; then
			res SKIP killread.race.reader-died-at-once "$(uname -r): filemap_fault() waits for the page uninterruptibly before 5.11 (died ${dead} ms after SIGKILL)"
		elif [ "${fl:-0}" -ge 1 ] && [ "${dead:-99999}" -le $((LATEREAD_MS / 5)) ]; then
			res PASS killread.race.reader-died-at-once "${dead} ms after SIGKILL, its READ still with the host"
		else
			res FAIL killread.race.reader-died-at-once "dead_ms=$dead, requests in flight at its death: $fl"
		fi ;;
	esac
	sync
	echo 3 >/proc/sys/vm/drop_caches
	bgrun 30 /bin/killread-helper check $M/lateread/lw
	expect killread.race.after-drop-caches ok "${RUN_OUT:-$RUN_ST}"
	bgrun 30 umount $M/lateread
	[ $RUN_ST = "done" ] && ! grep -q " $M/lateread " /proc/mounts ||
		res FAIL killread.race.umount "$RUN_ST: $RUN_ERR"
	if mnt lateread; then
		bgrun 30 /bin/killread-helper check $M/lateread/lw
		expect killread.race.after-remount ok "${RUN_OUT:-$RUN_ST}"
		umnt lateread
	else
		res FAIL killread.race.remount "$MNT_WHY"
	fi
else
	res FAIL mount.lateread "$MNT_WHY"
fi

# --- 4: two devices with different tags (run-vm mounted /mnt and /mnt2) ---
if grep -q '^myfs /mnt ' /proc/mounts && grep -q '^myfs2 /mnt2 ' /proc/mounts; then
	res PASS twodev.proc-mounts
	echo one >/mnt/a && echo two >/mnt2/a && echo only1 >/mnt/b
	a1=$(cat /mnt/a) a2=$(cat /mnt2/a)
	if [ "$a1" = one ] && [ "$a2" = two ] && [ ! -e /mnt2/b ] &&
	   [ "$(cat /mnt2/host2)" = host-two ] && [ ! -e /mnt/host2 ]; then
		res PASS twodev.data
	else
		res FAIL twodev.data "mnt/a='$a1' mnt2/a='$a2' mnt2/b exists=$([ -e /mnt2/b ] && echo y)"
	fi
else
	res FAIL twodev.proc-mounts "$(grep -E ' /mnt2? ' /proc/mounts | tr '\n' '|')"
fi
tags=" $(cat /sys/fs/virtiofs_ng/*/tag 2>/dev/null | tr '\n' ' ') "
case "$tags" in
*" myfs "*) case "$tags" in
	*" myfs2 "*) res PASS twodev.sysfs-tags ;;
	*) res FAIL twodev.sysfs-tags "no myfs2 in:$tags" ;;
	esac ;;
*) res FAIL twodev.sysfs-tags "no myfs in:$tags" ;;
esac

# --- 4a: completions that sleep ------------------------------------------
# An O_DIRECT aio read completes by dirtying the user's pages: into a
# shared mapping of a file of this mount, whose pages a writer holds locked
# while its WRITE waits for the same queue's completions.
bgrun 90 $H aiomix /mnt 15
case "$RUN_OUT" in
ok\ *) res PASS aio.read-into-shared-mapping "${RUN_OUT#ok } rounds" ;;
*) res FAIL aio.read-into-shared-mapping "${RUN_OUT:-$RUN_ST} $RUN_ERR" ;;
esac
rm -f /mnt/aio-src /mnt/aio-buf

# --- 4b: hosts that lie about listings and submounts; mount vs umount ----
# offcycle: READDIR(PLUS) offsets go 1, 2, 3, 1, ...: the listing ends
# with EIO instead of going round for ever.
if mnt offcycle; then
	expect fault.offcycle.readdir EIO "$(op 30 readdir $M/offcycle/dir)"
	dmesg | grep -q "offsets cycle" && res PASS fault.offcycle.message ||
		res FAIL fault.offcycle.message "no 'offsets cycle' in dmesg"
	expect fault.offcycle.usable-stat OK "$(op 20 stat $M/offcycle/file)"
	umnt offcycle
else
	res FAIL fault.offcycle.mount "$MNT_WHY"
fi
# submnt: every directory carries FUSE_ATTR_SUBMOUNT, but FUSE_SUBMOUNTS
# was not granted back: honoured all the same (as fs/fuse, and as QEMU's C
# virtiofsd needs), an automount with its own st_dev that goes with the
# umount.
if mnt submnt; then
	bgrun 20 ls -l $M/submnt
	# entering it is what triggers an automount (stat(1) is an lstat)
	bgrun 20 ls $M/submnt/dir
	bgrun 20 stat -c %d $M/submnt/dir/
	d_dir=$RUN_OUT
	d_top=$(stat -c %d $M/submnt)
	if [ -n "$d_dir" ] && [ "$d_dir" != "$d_top" ] &&
	   grep -q " $M/submnt/dir " /proc/mounts; then
		res PASS fault.submount-unasked
	else
		res FAIL fault.submount-unasked "st_dev dir '$d_dir' top '$d_top'; mounts: $(grep " $M/submnt" /proc/mounts | tr '\n' '|')"
	fi
	umount $M/submnt/dir 2>/dev/null
	umnt submnt
else
	res FAIL fault.submount.mount "$MNT_WHY"
fi
# race: two loops mount and unmount the same tag; a mount that meets the
# last umount's teardown waits for it and starts a new session.
race_loop() {	# race_loop DIR N: failed mounts to stdout
	local i=0 f=0
	while [ $i -lt $2 ]; do
		mount -t "$FSTYPE" race "$1" 2>>/tmp/race.err || f=$((f + 1))
		umount "$1" 2>/dev/null
		i=$((i + 1))
	done
	echo $f
}
race_both() {
	race_loop $M/race1 40 >/tmp/race.1 &
	race_loop $M/race2 40 >/tmp/race.2
	wait
}
mkdir -p $M/race1 $M/race2
: >/tmp/race.err
bgrun 240 race_both
f1=$(cat /tmp/race.1 2>/dev/null) f2=$(cat /tmp/race.2 2>/dev/null)
if [ $RUN_ST = "done" ] && [ "$f1" = 0 ] && [ "$f2" = 0 ]; then
	res PASS mount-vs-last-umount "80 mounts"
else
	res FAIL mount-vs-last-umount "$RUN_ST, failed mounts: ${f1:-?} + ${f2:-?}: $(head -n 1 /tmp/race.err)"
fi
umount $M/race1 2>/dev/null
umount $M/race2 2>/dev/null

# --- 5: cache policies ----------------------------------------------------
cache_growth() {	# cache_growth TAG: page-cache growth in MiB for one read
	sync
	echo 3 >/proc/sys/vm/drop_caches
	local a b
	a=$(cached_kb)
	bgrun 120 dd if=$M/$1/big of=/dev/null bs=1M
	b=$(cached_kb)
	[ $RUN_ST = "done" ] || { echo "read-$RUN_ST"; return; }
	echo $(((b - a) / 1024))
}
if mnt cnone cache=none && mnt calways cache=always; then
	grep -q " $M/cnone .*cache=none" /proc/mounts &&
		res PASS cache.show-none || res FAIL cache.show-none "$(grep " $M/cnone " /proc/mounts)"
	grep -q " $M/calways .*cache=always" /proc/mounts &&
		res PASS cache.show-always || res FAIL cache.show-always "$(grep " $M/calways " /proc/mounts)"
	gn=$(cache_growth cnone)
	ga=$(cache_growth calways)
	case "$gn" in
	*[!0-9-]*) res FAIL cache.none "read of 128 MiB: $gn" ;;
	*) [ "$gn" -lt 16 ] && res PASS cache.none "Cached grew ${gn} MiB (always: ${ga} MiB)" ||
		res FAIL cache.none "Cached grew ${gn} MiB, want < 16" ;;
	esac
	case "$ga" in
	*[!0-9-]*) res FAIL cache.always "read of 128 MiB: $ga" ;;
	*) [ "$ga" -ge 100 ] && res PASS cache.always "Cached grew ${ga} MiB (none: ${gn} MiB)" ||
		res FAIL cache.always "Cached grew ${ga} MiB, want >= 100" ;;
	esac
	# always keeps the cache across opens: a second read adds nothing
	a=$(cached_kb)
	bgrun 120 dd if=$M/calways/big of=/dev/null bs=1M
	b=$(cached_kb)
	log "cache.always second read: Cached ${a} -> ${b} kB"
	umnt cnone
	umnt calways
else
	res FAIL cache.mount "$MNT_WHY"
fi

# --- 1: malformed replies -------------------------------------------------
# g_KIND: GETATTR replies corrupted with KIND.  Mounting asks for the
# root's attributes, so the mount itself must fail with EIO, not hang.
for k in $KINDS; do
	if mnt g_$k; then
		expect fault.getattr.$k EIO "$(op 20 stat $M/g_$k)"
		continue
	fi
	case "$MNT_WHY" in
	*"Input/output error"*) res PASS fault.getattr.$k "mount fails with EIO" ;;
	*) res FAIL fault.getattr.$k "mount: $MNT_WHY" ;;
	esac
done

# l_KIND: LOOKUP replies corrupted with KIND
for k in $KINDS; do
	t=l_$k
	if ! mnt $t; then
		res FAIL fault.lookup.$k.mount "$MNT_WHY"
		continue
	fi
	expect fault.lookup.$k EIO "$(op 20 stat $M/$t/file)"
	expect fault.lookup-open.$k EIO "$(op 20 read $M/$t/file)"
	expect fault.lookup-create.$k EIO "$(op 20 create $M/$t/new)"
	expect fault.lookup.$k.usable-stat OK "$(op 20 stat $M/$t)"
	expect fault.lookup.$k.usable-statfs OK "$(op 20 statfs $M/$t)"
	expect fault.lookup.$k.usable-readdir OK "$(op 20 readdir $M/$t)"
done

# rw_KIND: read, write, readdirplus and create replies corrupted with KIND
for k in $KINDS; do
	t=rw_$k
	if ! mnt $t; then
		res FAIL fault.rw.$k.mount "$MNT_WHY"
		continue
	fi
	expect fault.read.$k EIO "$(op 20 read $M/$t/file)"
	expect fault.write.$k EIO "$(op 20 write $M/$t/wfile)"
	expect fault.readdirplus.$k EIO "$(op 20 readdir $M/$t/dir)"
	expect fault.create.$k EIO "$(op 20 create $M/$t/new)"
	expect fault.rw.$k.usable-stat OK "$(op 20 stat $M/$t/file)"
	expect fault.rw.$k.usable-mkdir OK "$(op 20 mkdir $M/$t/newdir)"
	expect fault.rw.$k.usable-rmdir OK "$(op 20 rmdir $M/$t/newdir)"
done

# nodeid: LOOKUP and CREATE replies carry nodeid 0xdeadbeefcafe0000 for
# every entry.  The client cannot know the number is a lie; it must not
# crash or confuse two inodes: whatever it does, no op hangs and a file
# read through the bogus nodeid never succeeds (the host does not know it).
if mnt nodeid; then
	s1=$(op 20 stat $M/nodeid/file)
	s2=$(op 20 stat $M/nodeid/dir)
	r1=$(op 20 read $M/nodeid/file)
	c1=$(op 20 create $M/nodeid/new)
	expect fault.nodeid.lookup "OK EIO ESTALE" "$s1"
	if [ "$s1" = OK ] && [ "$s2" = OK ]; then
		ty="file: $(stat -c '%F ino=%i' $M/nodeid/file 2>&1), dir: $(stat -c '%F ino=%i' $M/nodeid/dir 2>&1)"
		res FAIL fault.nodeid.lookup-second-type "a file and a directory share nodeid 0xdeadbeefcafe0000 and both stat OK ($ty)"
	else
		expect fault.nodeid.lookup-second-type "EIO ESTALE" "$s2"
	fi
	expect fault.nodeid.read "EIO ESTALE" "$r1"
	expect fault.nodeid.create "OK EIO ESTALE" "$c1"
	expect fault.nodeid.usable-statfs OK "$(op 20 statfs $M/nodeid)"
else
	res FAIL fault.nodeid.mount "$MNT_WHY"
fi

# out-of-range negative errors (< -4095) cannot be produced: the fault
# grammar takes ERRNO 1..4095 and corrupt:error writes +5.
res SKIP fault.error-below-4095 "backend --fault cannot produce errors < -4095"

# --- 3 (continued): the late reply to the killed read is harmless --------
if [ -n "$t_delay" ]; then
	left=$((t_delay + 25 - $(uptime_s)))
	[ $left -gt 0 ] && { log "waiting ${left}s for the delayed reply"; sleep $left; }
	expect killread.delay.usable-stat OK "$(op 30 stat $M/delay/dir)"
	expect killread.delay.usable-readdir OK "$(op 30 readdir $M/delay/dir)"
fi

# every faulty mount unmounts
for t in delay nodeid; do umnt $t; done
for k in $KINDS; do umnt g_$k; umnt l_$k; umnt rw_$k; done

# --- 6: module lifecycle ----------------------------------------------------
modpath=
for m in $VTEST_MODULES; do
	case "$m" in *virtiofs_ng*) modpath=/modules/$m ;; esac
done
loaded() { grep -q '^virtiofs_ng ' /proc/modules; }
bgrun 20 rmmod virtiofs_ng
if [ $RUN_ST = "done" ] && loaded; then
	res PASS module.rmmod-busy "refused while mounted: $RUN_ERR"
else
	res FAIL module.rmmod-busy "rmmod while /mnt mounted: $RUN_ST, loaded=$(loaded && echo y || echo n)"
fi
bgrun 30 umount /mnt
bgrun 30 umount /mnt2
if grep -q " $FSTYPE " /proc/mounts; then
	res FAIL module.umount-all "$(grep " $FSTYPE " /proc/mounts | tr '\n' '|')"
fi
all_tags="myfs myfs2 delay cnone calways nodeid drop exit exit2"
for k in $KINDS; do all_tags="$all_tags g_$k l_$k rw_$k"; done
sysfs_tags() { cat /sys/fs/virtiofs_ng/*/tag 2>/dev/null | sort | tr '\n' ' '; }
uevent_tags() {
	local f
	for f in /sys/fs/virtiofs_ng/*/uevent; do
		[ -r "$f" ] && sed -n 's/^TAG=//p' "$f"
	done | sort | tr '\n' ' '
}
cycle=0
ok=1
while [ $cycle -lt 2 ] && [ $ok = 1 ]; do
	cycle=$((cycle + 1))
	$H uevents >/tmp/uev.log 2>&1 &
	uev=$!
	sleep 0.5
	bgrun 30 rmmod virtiofs_ng
	if [ $RUN_ST = "done" ] && ! loaded; then
		res PASS module.rmmod.$cycle
	else
		res FAIL module.rmmod.$cycle "$RUN_ST: $RUN_ERR"
		ok=0
		break
	fi
	[ -e /sys/fs/virtiofs_ng ] && [ -n "$(ls /sys/fs/virtiofs_ng 2>/dev/null)" ] &&
		res FAIL module.sysfs-gone.$cycle "$(ls /sys/fs/virtiofs_ng | tr '\n' ' ')" ||
		res PASS module.sysfs-gone.$cycle
	bgrun 60 insmod "$modpath"
	if [ $RUN_ST = "done" ] && loaded; then
		res PASS module.insmod.$cycle
	else
		res FAIL module.insmod.$cycle "$RUN_ST: $RUN_ERR"
		ok=0
		break
	fi
	sleep 2
	got=$(sysfs_tags)
	miss=
	for t in $all_tags; do
		case " $got " in *" $t "*) ;; *) miss="$miss $t" ;; esac
	done
	[ -z "$miss" ] && res PASS module.sysfs-tags.$cycle ||
		res FAIL module.sysfs-tags.$cycle "missing:$miss (have: $got)"
	[ "$(uevent_tags)" = "$got" ] && res PASS module.uevent-file.$cycle ||
		res FAIL module.uevent-file.$cycle "uevent TAGs '$(uevent_tags)' vs tags '$got'"
	kill $uev 2>/dev/null
	wait $uev 2>/dev/null
	miss=
	for t in myfs myfs2 exit; do
		grep -q "^remove .* TAG=$t$" /tmp/uev.log || miss="$miss remove:$t"
		grep -q "^add .* TAG=$t$" /tmp/uev.log || miss="$miss add:$t"
	done
	[ -z "$miss" ] && res PASS module.uevent-add-remove.$cycle ||
		res FAIL module.uevent-add-remove.$cycle "missing$miss; got: $(tr '\n' '|' </tmp/uev.log | cut -c1-200)"
done
loaded || insmod "$modpath"

# --- 2: backend exits while mounted (last: it may leave requests behind) --
# A host that stops answering is only reported by default (a slow host
# must never cost data): the blocked process stays killable, the device's
# state turns "unresponsive" after host_timeout s (probe included, at most
# ~3x that), and umount -f then gives up on it.
dev_state() {	# dev_state TAG: the sysfs state of the device with TAG
	local d
	for d in /sys/fs/virtiofs_ng/*; do
		[ "$(cat "$d/tag" 2>/dev/null)" = "$1" ] && cat "$d/state"
	done
}
# first_blocked SECS TAG: stats new names on TAG's backend (which exits
# after a few requests) until one does not end with OK or ENOENT within
# SECS; sets FIRST to how that one ended (empty when none did)
first_blocked() {
	local i=0 r
	FIRST=
	while [ $i -lt 20 ]; do
		i=$((i + 1))
		r=$(op "$1" stat "$M/$2/f$i")
		[ "$r" = ENOENT ] && continue
		[ "$r" = OK ] && continue
		FIRST=$r
		return
	done
}
echo 10 >/sys/module/virtiofs_ng/parameters/host_timeout ||
	log "cannot set host_timeout"
if echo 99999999999 >/sys/module/virtiofs_ng/parameters/host_timeout 2>/dev/null; then
	res FAIL param.host_timeout-range "a timeout past a week was taken"
	echo 10 >/sys/module/virtiofs_ng/parameters/host_timeout
else
	res PASS param.host_timeout-range
fi
if mnt exit2; then
	first_blocked 20 exit2
	first=$FIRST
	# still waiting for the host, and killable while it does
	expect backend-exit.wait.killable "TIMEOUT" "${first:-nothing-blocked}"
	st=
	i=0
	while [ $i -lt 60 ]; do
		st=$(dev_state exit2)
		[ "$st" = unresponsive ] && break
		sleep 1
		i=$((i + 1))
	done
	expect backend-exit.wait.state unresponsive "$st"
	dmesg | grep -q "has not answered for 10 s, still waiting" &&
		res PASS backend-exit.wait.message ||
		res FAIL backend-exit.wait.message "no 'still waiting' line in dmesg"
	bgrun 30 umount -f $M/exit2
	if [ $RUN_ST = "done" ] && ! grep -q " $M/exit2 " /proc/mounts; then
		res PASS backend-exit.wait.umount-force
	else
		res FAIL backend-exit.wait.umount-force "$RUN_ST: $RUN_ERR"
		bgrun 30 umount -l $M/exit2
	fi
else
	res FAIL backend-exit.wait.mount "$MNT_WHY"
fi

# With host_abort the watchdog aborts such a session itself: the first
# blocked operation ends with ENOTCONN within the op's time limit.
echo 1 >/sys/module/virtiofs_ng/parameters/host_abort ||
	log "cannot set host_abort"
if mnt exit; then
	first_blocked 45 exit
	first=$FIRST
	expect backend-exit.op-error "ENOTCONN EIO" "${first:-nothing-failed}"
	if [ -n "$first" ]; then
		expect backend-exit.second-op "ENOTCONN EIO" "$(op 15 readdir $M/exit)"
	fi
	bgrun 30 umount $M/exit
	if [ $RUN_ST = "done" ] && ! grep -q " $M/exit " /proc/mounts; then
		res PASS backend-exit.umount
	else
		log "plain umount: $RUN_ST $RUN_ERR; trying umount -l"
		bgrun 30 umount -l $M/exit
		[ $RUN_ST = "done" ] && ! grep -q " $M/exit " /proc/mounts &&
			res PASS backend-exit.umount "needed umount -l" ||
			res FAIL backend-exit.umount "$RUN_ST: $RUN_ERR"
	fi
else
	res FAIL backend-exit.mount "$MNT_WHY"
fi
echo 0 >/sys/module/virtiofs_ng/parameters/host_abort
if ! grep -q " $FSTYPE " /proc/mounts; then
	bgrun 30 rmmod virtiofs_ng
	[ $RUN_ST = "done" ] && ! loaded && res PASS backend-exit.rmmod ||
		res FAIL backend-exit.rmmod "$RUN_ST: $RUN_ERR"
	loaded || insmod "$modpath"
fi

# drop: read, write and release never answered; the waiting process is
# killable
if mnt drop; then
	for w in read write; do
		f=file
		[ $w = write ] && f=wfile
		bgrun 40 $H kill$w $M/drop/$f 2000
		case "$RUN_OUT" in
		blocked\ dead_ms=*)
			ms=${RUN_OUT#blocked dead_ms=}
			if [ "$ms" -le 3000 ]; then
				res PASS fault.drop.$w-killed "died ${ms} ms after SIGKILL"
			else
				res FAIL fault.drop.$w-killed "died only ${ms} ms after SIGKILL"
			fi ;;
		*) res FAIL fault.drop.$w-killed "${RUN_OUT:-$RUN_ST}"
		   cat /tmp/bg.err >&2 ;;
		esac
	done
	# close(2) waits for RELEASE, but a killed closer does not
	expect fault.drop.close-killable TIMEOUT "$(op 15 create $M/drop/newfile)"
	expect fault.drop.usable-stat OK "$(op 20 stat $M/drop/file)"
	expect fault.drop.usable-readdir OK "$(op 20 readdir $M/drop/dir)"
	expect fault.drop.usable-mkdir OK "$(op 20 mkdir $M/drop/newdir)"

	bgrun 30 umount $M/drop
	if [ $RUN_ST = "done" ] && ! grep -q " $M/drop " /proc/mounts; then
		res PASS fault.drop.umount
		bgrun 30 rmmod virtiofs_ng
		[ $RUN_ST = "done" ] && ! loaded && res PASS fault.drop.rmmod ||
			res FAIL fault.drop.rmmod "$RUN_ST: $RUN_ERR"
		loaded || insmod "$modpath"
	else
		res FAIL fault.drop.umount "umount with never-answered (killed) requests: $RUN_ST"
	fi
else
	res FAIL fault.drop.mount "$MNT_WHY"
fi

if [ -n "$HUNG" ]; then
	# A task stuck in D state makes the harness's sync and umount hang
	# until its timeout; stop here so the results above are not lost.
	res FAIL unkillable-tasks "pids$HUNG survive SIGKILL (stacks on the console); powering off early"
	log "done after $(($(uptime_s) - t_start)) s, $fails failures"
	sleep 1
	poweroff -n -f || echo o >/proc/sysrq-trigger
fi
# put the run-vm mounts back for its own umount/rmmod checks
mount -t "$FSTYPE" myfs /mnt 2>/dev/null
mount -t "$FSTYPE" myfs2 /mnt2 2>/dev/null
log "done after $(($(uptime_s) - t_start)) s, $fails failures"
exit 0
