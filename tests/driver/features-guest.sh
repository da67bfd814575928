#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest half of tests/driver/features (busybox sh, run by tests/vm/run-vm).
#
#   features-guest CLIENT SUBMOUNT FREEZE
#
# CLIENT is ng or kernel; SUBMOUNT is yes when the backend announces
# submounts (the host mounted a tmpfs at submnt/ in the share), no when
# it does not; FREEZE is yes to run the suspend/hibernate cycles.
# /mnt is the run-vm mount of tag myfs, /mnt2 that of myfs2 (the mount
# option tests take it over).  stdout carries only result lines.

H=/bin/features-helper
. /vtest/config
export VNG_CLIENT=${1:-ng}
FSTYPE=${VTEST_FSTYPE:-virtiofs}
CLIENT=${1:-ng}
SUBMOUNT=${2:-no}
FREEZE=${3:-yes}
ONLY=${4:-}	# "pm": only the freeze/restore part
fails=0

res() {	# res PASS|FAIL|SKIP name [why]
	[ "$1" = FAIL ] && fails=$((fails + 1))
	if [ -n "$3" ]; then
		echo "$1 $2: $3"
	else
		echo "$1 $2"
	fi
}
log() { echo "features: $*" >&2; }

# --- mount options (virtiofs_ng only: the kernel's virtiofs has none) ------
M=/opt-mnt
mkdir -p $M
mline() { grep " $M " /proc/mounts; }
# mopt NAME OPTS WANT-IN-PROC-MOUNTS: the mount succeeds through mount(2)
# and through fsconfig, and /proc/mounts shows WANT
mopt() {
	local name=$1 opts=$2 want=$3 line out
	out=$(mount -t "$FSTYPE" -o "$opts" myfs2 $M 2>&1)
	line=$(mline)
	if [ -z "$line" ]; then
		res FAIL "opt.$name" "mount -o $opts: $out"
		return 1
	fi
	case ",$(echo "$line" | awk '{ print $4 }')," in
	*",$want,"*) res PASS "opt.$name" "$(echo "$line" | awk '{ print $4 }')" ;;
	*) res FAIL "opt.$name" "/proc/mounts has '$line', want $want" ;;
	esac
	umount $M
	out=$($H mount "$FSTYPE" myfs2 $M "$opts")
	case "$out" in
	OK*) res PASS "opt.$name.fsconfig" ;;
	*) res FAIL "opt.$name.fsconfig" "$out" ;;
	esac
	grep -q " $M " /proc/mounts && umount $M
	return 0
}
# mbad NAME OPTS ERRNO WORD: the mount fails with ERRNO and the message
# the filesystem logged mentions WORD
mbad() {
	local name=$1 opts=$2 want=$3 word=$4 out
	out=$($H mount "$FSTYPE" myfs2 $M "$opts")
	if grep -q " $M " /proc/mounts; then
		res FAIL "opt.bad.$name" "-o $opts was accepted: $(mline)"
		umount $M
		return
	fi
	case "$out" in
	"$want:"*"$word"*) res PASS "opt.bad.$name" "$out" ;;
	*) res FAIL "opt.bad.$name" "got '$out', want $want and '$word'" ;;
	esac
	# mount(8)'s path, mount(2) with a data string, refuses it too
	if mount -t "$FSTYPE" -o "$opts" myfs2 $M 2>/dev/null; then
		res FAIL "opt.bad.$name.mount2" "mount(2) accepted -o $opts"
		umount $M
	fi
}

if [ "$CLIENT" = ng ] && [ -z "$ONLY" ]; then
	umount /mnt2
	mopt defaults "" "cache=auto"
	mopt ro ro ro
	mopt rw rw rw
	mopt rootmode rootmode=040755 rootmode=40755
	mopt rootmode-bits rootmode=0700 rootmode=40700
	mopt user_id user_id=1000 user_id=1000
	mopt group_id group_id=1000 group_id=1000
	mopt default_permissions default_permissions default_permissions
	mopt allow_other allow_other allow_other
	mopt dax-never dax=never dax=never
	for c in auto none always metadata; do
		mopt cache-$c cache=$c cache=$c
	done
	mopt combined "ro,cache=none,user_id=1000,group_id=1001,rootmode=40711" \
		"cache=none"

	# dax=always|inode: refused with a reason until the DAX window works
	for d in always inode; do
		out=$($H mount "$FSTYPE" myfs2 $M "dax=$d")
		case "$out" in
		OK*) res PASS opt.dax-$d "accepted: $(mline | awk '{ print $4 }')"
		     umount $M ;;
		EOPNOTSUPP:*dax*|EINVAL:*dax*) res PASS opt.dax-$d "refused: $out" ;;
		*) res FAIL opt.dax-$d "$out" ;;
		esac
	done

	mbad rootmode-file rootmode=0100644 EINVAL rootmode
	mbad rootmode-notoctal rootmode=abc EINVAL rootmode
	mbad rootmode-9 rootmode=9 EINVAL rootmode
	mbad rootmode-huge rootmode=01040755 EINVAL rootmode
	mbad rootmode-empty rootmode= EINVAL rootmode
	mbad user_id-text user_id=root EINVAL user_id
	mbad user_id-neg user_id=-1 EINVAL user_id
	mbad user_id-invalid user_id=4294967295 EINVAL user_id
	mbad group_id-text group_id=wheel EINVAL group_id
	mbad group_id-invalid group_id=4294967295 EINVAL group_id
	mbad default_permissions-value default_permissions=1 EINVAL default_permissions
	mbad allow_other-value allow_other=yes EINVAL allow_other
	mbad dax-bogus dax=sometimes EINVAL dax
	mbad cache-bogus cache=never EINVAL cache
	mbad cache-empty cache= EINVAL cache
	mbad cache-flag cache EINVAL cache
	mbad unknown bogus=1 EINVAL bogus
	mbad unknown-flag nosuchflag EINVAL nosuchflag

	# what the options do
	if mount -t "$FSTYPE" -o ro myfs2 $M; then
		out=$( (echo x >$M/ro-file) 2>&1)
		[ ! -e $M/ro-file ] && case "$out" in *"Read-only"*) true ;; *) false ;; esac &&
			res PASS opt.ro.write-refused || res FAIL opt.ro.write-refused "$out"
		mount -o remount,rw $M && echo x >$M/rw-file && [ -s $M/rw-file ] &&
			res PASS opt.remount-rw || res FAIL opt.remount-rw "$(mline)"
		rm -f $M/rw-file
		mount -o remount,cache=none $M 2>/dev/null &&
			res FAIL opt.remount-cache "cache= changed by remount" ||
			res PASS opt.remount-cache
		mount -o remount,ro $M && mline | grep -q ' ro[, ]' &&
			res PASS opt.remount-ro || res FAIL opt.remount-ro "$(mline)"
		umount $M
	fi
	# rootmode does not override the host: the root's mode is the host's
	# (share is 0755 on the host), with or without rootmode
	if mount -t "$FSTYPE" -o rootmode=0700 myfs2 $M; then
		m=$(stat -c %a $M)
		[ "$m" = 755 ] && res PASS opt.rootmode.host-mode "root mode $m" ||
			res FAIL opt.rootmode.host-mode "root mode $m, host has 755"
		umount $M
	fi
	# noallow_other: only the mount owner (user_id, group_id) gets in
	if mount -t "$FSTYPE" -o noallow_other myfs2 $M; then
		r=$($H access x $M)
		[ "$r" = EACCES ] && res PASS opt.noallow_other.denies-other "uid 1000: $r" ||
			res FAIL opt.noallow_other.denies-other "uid 1000 stat: $r"
		[ -d $M/. ] && res PASS opt.noallow_other.owner ||
			res FAIL opt.noallow_other.owner "root (user_id=0) cannot stat"
		umount $M
	fi
	if mount -t "$FSTYPE" -o noallow_other,user_id=1000,group_id=1000 myfs2 $M; then
		r=$($H access x $M)
		[ "$r" = OK ] && res PASS opt.user_id.owner-allowed ||
			res FAIL opt.user_id.owner-allowed "uid 1000 stat: $r"
		umount $M
	fi
	if mount -t "$FSTYPE" -o allow_other myfs2 $M; then
		r=$($H access x $M)
		[ "$r" = OK ] && res PASS opt.allow_other.other-allowed ||
			res FAIL opt.allow_other.other-allowed "uid 1000 stat: $r"
		umount $M
	fi
	# nodefault_permissions: the host checks (as the caller's fsuid)
	if mount -t "$FSTYPE" -o nodefault_permissions myfs2 $M; then
		echo secret >$M/np-file && chmod 600 $M/np-file
		r=$($H access x $M/np-file)
		[ "$r" = OK ] && res PASS opt.nodefault_permissions.stat "$r" ||
			res FAIL opt.nodefault_permissions.stat "$r"
		rm -f $M/np-file
		umount $M
	fi
	mount -t "$FSTYPE" myfs2 /mnt2
	# a second mount of a tag shares the first one's superblock: other
	# options are reported and /proc/mounts shows the ones in effect
	out=$($H mount "$FSTYPE" myfs2 $M cache=none)
	case "$out" in
	OK*"mounted already"*) mline | grep -q 'cache=auto' &&
		res PASS opt.shared-sb "$out" ||
		res FAIL opt.shared-sb "/proc/mounts: $(mline)" ;;
	*) res FAIL opt.shared-sb "$out" ;;
	esac
	grep -q " $M " /proc/mounts && umount $M
fi

# --- operations, on the run-vm mount /mnt ---------------------------------
D=/mnt/feat
mkdir -p $D
chmod 777 $D
[ -z "$ONLY" ] && {
$H export export $D
$H acl acl $D
$H killpriv killpriv $D
$H whiteout whiteout $D
$H falloc falloc $D
$H syncfs syncfs $D
$H locks locks $D
BTIME_REF=/mnt/btime.ref $H statx statx $D
$H odirect odirect $D
}

# --- READDIRPLUS follows use (virtiofs_ng's per-queue counters) -------------
# "rm -rf" uses every name a listing returns.  The first use of a name that
# READDIRPLUS brought keeps its directory on READDIRPLUS, so no name needs
# a LOOKUP of its own, as with the kernel's fuse.  Requests for rm -rf of N
# files after drop_caches, on the request queues: N UNLINKs, up to N
# GETATTRs of the directory and a READDIRPLUS per ~14 names: about 2.2 N.
# With a plain READDIR batch after each READDIRPLUS one (a LOOKUP per name
# in it) it is about 3 N.  FORGETs go on the hiprio queue and are not
# counted: how many a batch holds depends on the guest's speed.  The helper's rmtree uses names a getdents batch at a
# time, so none outlives the host's 1 s entry timeout before its use (busybox
# rm lists all N first, and on the debug kernel they expired: 851 requests).
sent_total() {
	for q in /sys/fs/virtiofs_ng/*/queues/*; do
		[ "${q##*/}" = hiprio ] || cat "$q/sent"
	done | awk '{ n += $1 } END { print n + 0 }'
}
if [ "$CLIENT" = ng ] && [ -z "$ONLY" ]; then
	R=/mnt/rdplus-use N=300
	mkdir -p $R
	i=0
	while [ $i -lt $N ]; do
		: >$R/name-long-enough-for-several-batches-$i
		i=$((i + 1))
	done
	sync
	echo 3 >/proc/sys/vm/drop_caches
	a=$(sent_total)
	$H rmtree $R
	n=$(($(sent_total) - a))
	if [ -e $R ]; then
		res FAIL readdirplus.follows-use "rm -rf $R failed"
	elif [ $n -le $((N * 26 / 10)) ]; then
		res PASS readdirplus.follows-use "$n requests for rm -rf of $N files"
	else
		res FAIL readdirplus.follows-use "$n requests for rm -rf of $N files (more than $((N * 26 / 10)): a LOOKUP per name?)"
	fi
fi

# --- submounts ---------------------------------------------------------------
if [ -n "$ONLY" ]; then
	:
elif [ -d /mnt/submnt ]; then
	# stat(2) does not trigger an automount, a lookup inside does
	c=$(cat /mnt/submnt/inside 2>&1)
	d0=$(stat -c %d /mnt)
	d1=$(stat -c %d /mnt/submnt)
	[ "$c" = inside-submount ] && res PASS submount.read ||
		res FAIL submount.read "$c"
	if [ "$SUBMOUNT" = yes ]; then
		[ "$d0" != "$d1" ] && res PASS submount.st_dev "$d0 vs $d1" ||
			res FAIL submount.st_dev "both $d0"
		d2=$(stat -c %d /mnt/submnt/inside)
		[ "$d2" = "$d1" ] && res PASS submount.st_dev-inside ||
			res FAIL submount.st_dev-inside "$d2 vs $d1"
		grep -q " /mnt/submnt " /proc/mounts &&
			res PASS submount.proc-mounts "$(grep " /mnt/submnt " /proc/mounts)" ||
			res FAIL submount.proc-mounts "no /mnt/submnt line"
		echo w >/mnt/submnt/written && [ "$(cat /mnt/submnt/written)" = w ] &&
			res PASS submount.write || res FAIL submount.write
		rm -f /mnt/submnt/written
		# the submount is cached out with its parent's dentries
		echo 3 >/proc/sys/vm/drop_caches
		[ "$(cat /mnt/submnt/inside)" = inside-submount ] &&
			res PASS submount.after-drop-caches ||
			res FAIL submount.after-drop-caches
	else
		[ "$d0" = "$d1" ] &&
			res SKIP submount.st_dev "backend does not announce submounts (same st_dev $d0)" ||
			res FAIL submount.st_dev "st_dev differs ($d0, $d1) though the backend does not announce submounts"
	fi
else
	res SKIP submount.st_dev "no host mount at submnt/"
fi

# --- freeze / restore ------------------------------------------------------------
# pm_test=devices runs every device's suspend (virtio: .freeze) and resume
# (.restore) callbacks without powering anything down; "freeze" is the
# suspend-to-idle path, "disk" the hibernation path (freeze, then thaw,
# which virtio maps to .restore), and neither needs swap with pm_test.
pm_cycle() {	# pm_cycle STATE: 0 when the cycle went through
	echo devices >/sys/power/pm_test || return 2
	echo "$1" >/sys/power/state 2>/tmp/pm.err
	local rc=$?
	echo none >/sys/power/pm_test
	return $rc
}
io_ok() {	# io_ok NAME: writes, drops caches, reads back
	local f=/mnt/pm.$1
	dd if=/dev/urandom of=/tmp/pm.data bs=4k count=64 2>/dev/null
	cp /tmp/pm.data $f && sync && echo 3 >/proc/sys/vm/drop_caches &&
		cmp -s /tmp/pm.data $f && ls /mnt/feat >/dev/null
}
if [ "$FREEZE" = yes ] && [ -w /sys/power/pm_test ]; then
	states=$(cat /sys/power/state)
	log "power states: $states"
	for s in freeze disk; do
		case " $states " in *" $s "*) ;; *)
			res SKIP pm.$s "no '$s' in /sys/power/state ($states)"; continue ;;
		esac
		io_ok before-$s
		# I/O in flight while the devices go down: write(2)s of 2 MiB
		# (two WRITEs each at the usual 1 MiB max_write), buffered and
		# O_DIRECT, from memory.  Not dd from /dev/zero: the freezer's
		# fake signal cuts that read(2) short (read_iter_zero stops at
		# signal_pending()), and dd then writes a short record itself.
		$H writer /mnt/pm.busy 2097152 24 >/tmp/pm.busy &
		busy=$!
		$H writer /mnt/pm.dio 2097152 24 direct >/tmp/pm.dio &
		dio=$!
		# and a data verifier across the cycle
		/bin/fsx -N 1500 -S 77 -n pm.$s.fsx /mnt/pm.fsx >/tmp/pm.fsx 2>/tmp/pm.fsx.err &
		vpid=$!
		if pm_cycle $s; then
			wait $busy || true
			wait $dio || true
			wait $vpid
			cat /tmp/pm.fsx
			grep -q . /tmp/pm.fsx || res FAIL pm.$s.fsx "no result: $(tail -n 3 /tmp/pm.fsx.err | tr '\n' ' ')"
			res PASS pm.$s.cycle
			# every write(2) whole, the data read back, the size
			# also once the cached attributes have expired
			for w in busy dio; do
				t=pm.$s.inflight-io; [ $w = dio ] && t=$t.direct
				if [ "$(cat /tmp/pm.$w)" = "OK 50331648" ] &&
				   [ "$(stat -c %s /mnt/pm.$w)" = 50331648 ]; then
					res PASS $t
				else
					res FAIL $t "$(cat /tmp/pm.$w | tr '\n' ' ')size $(stat -c %s /mnt/pm.$w), after drop_caches and 2 s $(echo 3 >/proc/sys/vm/drop_caches; sleep 2; stat -c %s /mnt/pm.$w)"
				fi
			done
			io_ok after-$s && res PASS pm.$s.io-after ||
				res FAIL pm.$s.io-after "I/O after resume failed"
		else
			wait $busy || true
			wait $dio || true
			wait $vpid
			cat /tmp/pm.fsx
			if [ "$CLIENT" = kernel ]; then
				res SKIP pm.$s.cycle "kernel virtiofs refuses: $(cat /tmp/pm.err)"
			else
				res FAIL pm.$s.cycle "$(cat /tmp/pm.err)"
			fi
			io_ok after-$s && res PASS pm.$s.io-after-failed-suspend ||
				res FAIL pm.$s.io-after-failed-suspend
		fi
		rm -f /mnt/pm.*
	done
else
	res SKIP pm.freeze "no /sys/power/pm_test or FREEZE=$FREEZE"
fi

rm -rf $D
log "done, $fails failures"
exit 0
