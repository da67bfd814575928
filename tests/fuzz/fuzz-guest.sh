#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest half of tests/fuzz/run (busybox sh, run by tests/vm/run-vm with
# --no-mount): for each seed, in order, mount the tag (the backend starts
# that seed's fuzzing session at this FUSE_INIT), run the workload ROUNDS
# times, each in a fresh directory, unmount, rmmod and insmod the client
# module (virtiofs_ng, or the kernel's virtiofs) again.
#
#   fuzz-guest [--notify] STEP_TIMEOUT ROUNDS SEED...
#
# --notify (run --notify: the device has a notification queue and the
# host changes the share all along): per seed, beside the workload, a
# watcher (fuzz-helper watch) holds inotify watches on the whole mount,
# reading what the host changes; it must end on SIGTERM before the
# unmount.  The driver's notify counters are printed as "NOTIFY seed-N
# ..." lines.
#
# Syscall errors are expected under fuzzing and only logged.  A seed FAILs
# when a step is still running STEP_TIMEOUT s after it started and has to be
# killed (the host answered every request: a waiter left is a hang), when a
# process survives SIGKILL, or when umount or rmmod fail.  After such a seed
# the mount cannot be trusted: the script says "STOP seed-N" and ends, and
# the host boots a new guest for the seeds left.  Kernel messages are
# framed by "vng-fuzz: seed N begin/end" lines in the kernel log so the
# host can pin an oops on its seed.  stdout carries only result lines.

. /vtest/config
NOTIFY=0
if [ "$1" = --notify ]; then
	NOTIFY=1
	shift
fi
STEP=$1 ROUNDS=$2
shift 2
H=/bin/fuzz-helper
# the client module reloaded per seed: virtiofs_ng, or the kernel's own
MODNAME=${VTEST_RMMOD:-virtiofs}
MOD=/modules/$MODNAME.ko
TAG=${VTEST_TAGS%% *}

log() { echo "fuzz: $*" >&2; }
kmsg() { echo "vng-fuzz: $*" >/dev/kmsg; }

pstate() { sed 's/^[0-9]* ([^)]*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null; }
gone() { local st; st=$(pstate "$1"); [ -z "$st" ] || [ "$st" = Z ]; }
# bgrun SECS CMD...: runs CMD; RUN_ST = done, killed (needed SIGKILL after
# SECS and then went) or hang (survived SIGKILL for 10 s).  RUN_RC: status.
bgrun() {
	local t=$1 p i
	shift
	"$@" </dev/null >/tmp/step.out 2>&1 &
	p=$!
	RUN_ST="done"
	i=0
	while ! gone $p; do
		if [ $i -ge $((t * 5)) ]; then
			RUN_ST=killed
			break
		fi
		sleep 0.2
		i=$((i + 1))
	done
	if [ $RUN_ST = killed ]; then
		log "step '$*' still running after ${t}s; its stack:"
		cat /proc/$p/stack >&2 2>/dev/null
		for c in $(cat /proc/$p/task/*/children 2>/dev/null); do
			log "child $c: $(cat /proc/$c/cmdline 2>/dev/null | tr '\0' ' ')"
			cat /proc/$c/stack >&2 2>/dev/null
			kill -9 $c 2>/dev/null
		done
		kill -9 $p 2>/dev/null
		i=0
		while ! gone $p && [ $i -lt 50 ]; do
			sleep 0.2
			i=$((i + 1))
		done
		gone $p || RUN_ST=hang
	fi
	RUN_RC=0
	if [ $RUN_ST != hang ]; then
		wait $p
		RUN_RC=$?
	fi
	tail -n 3 /tmp/step.out | sed 's/^/  | /' >&2
}

# step NAME SECS CMD...: one workload step; a stuck one fails the seed.
step() {
	local name=$1 t=$2
	shift 2
	[ -n "$why" ] && return
	bgrun "$t" "$@"
	log "seed $seed step $name: $RUN_ST, status $RUN_RC"
	[ "$RUN_ST" = "done" ] && [ "$RUN_RC" = 3 ] &&
		why="$name: a directory listing never ended (cookies cycle)"
	case $RUN_ST in
	killed) why="$name stuck for ${t}s (killable)" ;;
	hang) why="$name stuck for ${t}s and survives SIGKILL"; stop=1 ;;
	esac
}

tar_compare() {	# DIR: extract the source tarball there and compare
	mkdir -p "$1" && tar -xf /fuzz/src.tar -C "$1" || return 1
	(cd "$1" && find . -type f | sort | xargs md5sum) >/tmp/tar.sums ||
		return 1
	if cmp -s /tmp/ref.sums /tmp/tar.sums; then
		log "tar: contents match"
	else
		log "tar: contents differ (expected under fuzzing)"
	fi
	ls -laR "$1" >/dev/null
}

# DIR N: N names in DIR/names (created, listed, renamed, unlinked) beside
# a tar extract into DIR/tar; the status is the names helper's
names_and_tar() {
	local p st
	$H names "$1/names" "$2" &
	p=$!
	tar_compare "$1/tar" &
	wait $p
	st=$?
	wait
	return $st
}

# The driver's notify counters of the mounted device: "name=value ...".
notify_counters() {
	local d f out=""
	for d in /sys/fs/virtiofs_ng/*; do
		[ -f "$d/notify_received" ] || continue
		for f in notify_received notify_dropped notify_nobuf watch_events; do
			out="$out $f=$(cat "$d/$f" 2>/dev/null)"
		done
	done
	echo "${out# }"
}

# Stops the watcher; one that does not end is a hang of the driver.
stop_watcher() {
	local i=0
	kill -TERM "$WPID" 2>/dev/null
	while ! gone "$WPID" && [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if ! gone "$WPID"; then
		log "watcher still running 20 s after SIGTERM; its stack:"
		cat "/proc/$WPID/stack" >&2 2>/dev/null
		why="${why:+$why; }watcher stuck after SIGTERM"
		kill -9 "$WPID" 2>/dev/null
		i=0
		while ! gone "$WPID" && [ $i -lt 50 ]; do
			sleep 0.2
			i=$((i + 1))
		done
		if ! gone "$WPID"; then
			why="$why, survives SIGKILL"
			stop=1
		fi
	fi
	wait "$WPID" 2>/dev/null
	log "seed $seed: $(cat /tmp/watch.out)"
}

mkdir -p /tmp/ref
tar -xf /fuzz/src.tar -C /tmp/ref
(cd /tmp/ref && find . -type f | sort | xargs md5sum) >/tmp/ref.sums

for seed in "$@"; do
	why="" stop=0
	kmsg "seed $seed begin"
	echo "BEGIN seed-$seed"
	start=$(cut -d. -f1 /proc/uptime)
	bgrun "$STEP" mount -t "$VTEST_FSTYPE" \
		${VTEST_MOUNT_OPTS:+-o "$VTEST_MOUNT_OPTS"} "$TAG" /mnt
	mounted=0
	if [ $RUN_ST != done ]; then
		why="mount stuck ($RUN_ST)"
		[ $RUN_ST = hang ] && stop=1
	elif [ $RUN_RC = 0 ]; then
		mounted=1
	else
		log "seed $seed: mount failed (fine: the host lied at INIT?)"
	fi
	if [ $mounted = 1 ] && [ $NOTIFY = 1 ]; then
		mkdir -p /mnt/churn
		$H watch /mnt >/tmp/watch.out 2>&1 </dev/null &
		WPID=$!
	fi
	if [ $mounted = 1 ]; then
		# Rounds in fresh directories: a lie about one directory
		# (a bad inode, say) must not end the seed's workload.
		for r in $(seq "$ROUNDS"); do
			d=/mnt/seed-$seed.$r
			mkdir -p "$d"
			step "names+tar.$r" "$STEP" names_and_tar "$d" 400
			step "xattr.$r" "$STEP" $H xattr "$d"
			step "locks.$r" "$STEP" $H locks "$d"
			step "mmap.$r" "$STEP" $H mmap "$d"
			step "misc.$r" "$STEP" $H misc "$d"
			step "fsx.$r" "$STEP" /bin/fsx -N 1000 -S "$seed$r" \
				-n "fsx.$seed.$r" "$d/fsx"
			step "rm.$r" "$STEP" rm -rf "$d"
		done
		step sync "$STEP" sync
		if [ $NOTIFY = 1 ]; then
			stop_watcher
			echo "NOTIFY seed-$seed $(notify_counters)" \
				"$(grep -o '[0-9]* events.*' /tmp/watch.out)"
		fi
		bgrun "$STEP" umount /mnt
		if [ $RUN_ST != done ] || [ $RUN_RC != 0 ]; then
			sleep 2
			bgrun "$STEP" umount /mnt
		fi
		if [ $RUN_ST != done ] || [ $RUN_RC != 0 ]; then
			why="${why:+$why; }umount: $RUN_ST, $(head -n 1 /tmp/step.out)"
			stop=1
			grep virtiofs /proc/mounts >&2
		fi
	fi
	if [ $stop = 0 ]; then
		bgrun "$STEP" rmmod "$MODNAME"
		if [ $RUN_ST != done ] || [ $RUN_RC != 0 ]; then
			why="${why:+$why; }rmmod: $RUN_ST, $(head -n 1 /tmp/step.out)"
			stop=1
		elif ! insmod "$MOD" 2>/tmp/insmod.err; then
			why="insmod: $(cat /tmp/insmod.err)"
			stop=1
		fi
	fi
	end=$(cut -d. -f1 /proc/uptime)
	kmsg "seed $seed end"
	log "seed $seed: $((end - start)) s"
	if [ -n "$why" ]; then
		echo "FAIL seed-$seed: $why"
	else
		echo "PASS seed-$seed"
	fi
	if [ $stop = 1 ]; then
		echo "STOP seed-$seed"
		exit 0
	fi
done
