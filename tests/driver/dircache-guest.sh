#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of tests/driver/dircache (busybox sh, in the test VM):
# directory listings kept across opens (driver/dircache.c).  The driver's
# sysfs counters readdir_host (READDIR(PLUS) requests) and readdir_cached
# (reads served from memory) tell which path served a listing.
#
#   dircache-guest notify   mounted cache=always, the host's changes on the
#                           notification queue: a second ls asks the host
#                           nothing; guest creates, unlinks, renames (in and
#                           across directories), mkdir, rmdir, symlink and
#                           link show at once; host creates, deletes and
#                           moves show at once (within 5 s, TCG); the same
#                           d_off and names cached or not, and seekdir,
#                           lseek, small buffers, two fds on a cached listing
#   dircache-guest poll MS  mounted cache=always,watch=poll:MS, a watched
#                           directory: cached, and host creates and deletes
#                           show within the poll interval (3 x MS + 2 s, TCG)
#   dircache-guest auto     mounted cache=auto, a host without
#                           FOPEN_CACHE_DIR: nothing is ever served from
#                           memory
# Prints PASS|FAIL lines.
MODE=$1
TTY=/dev/ttyS2

say() { echo "$1 dircache.$MODE.$2${3:+: $3}"; }

host() {	# host COMMAND...: have the host hook do it now
	if ! vng-watch host $TTY "$@" >/tmp/host.out 2>&1; then
		say FAIL "host.$1" "'$*': $(cat /tmp/host.out)"
		return 1
	fi
}

counter() { cat /sys/fs/virtiofs_ng/*/"$1" 2>/dev/null | head -n 1; }

# the counters every check relies on must be there, and be numbers
for f in readdir_host readdir_cached; do
	case "$(counter $f)" in
	''|*[!0-9]*) say FAIL "sysfs.$f" "no counter /sys/fs/virtiofs_ng/*/$f"; exit 0 ;;
	esac
done

# listed DIR NAME: NAME is in DIR's listing (getdents alone: ls would
# also stat each name and leave out one that is gone, stale listing or not)
listed() { dircache-helper dump "$1" | cut -d' ' -f2- | grep -qx "$2"; }
unlisted() { ! listed "$1" "$2"; }

# within NAME TENTHS CMD...: CMD succeeds within TENTHS tenths of a second
within() {
	name=$1 t=$2
	shift 2
	i=0
	while ! "$@"; do
		i=$((i + 1))
		if [ $i -gt "$t" ]; then
			say FAIL "$name" "'$*' not true within $((t / 10)) s"
			return 1
		fi
		sleep 0.1
	done
	say PASS "$name"
}

# now NAME CMD...: CMD succeeds at once
now() {
	name=$1
	shift
	if "$@"; then say PASS "$name"; else say FAIL "$name" "'$*'"; fi
}

# cached NAME DIR [PRESENT]: after one listing, the next asks the host
# nothing (and lists PRESENT: a removal then has something to remove)
cached() {
	if [ -n "${3:-}" ] && ! listed "$2" "$3"; then
		say FAIL "$1" "$3 is not listed in $2 to begin with"
		return 1
	fi
	ls -a "$2" >/tmp/first
	h=$(counter readdir_host)
	c=$(counter readdir_cached)
	ls -a "$2" >/tmp/second
	if [ "$(counter readdir_host)" != "$h" ]; then
		say FAIL "$1" "readdir_host $h -> $(counter readdir_host): listed by the host again"
		return 1
	fi
	if [ "$(counter readdir_cached)" -le "$c" ]; then
		say FAIL "$1" "readdir_cached stayed $c"
		return 1
	fi
	if ! cmp -s /tmp/first /tmp/second; then
		say FAIL "$1" "the cached listing differs: $(diff /tmp/first /tmp/second | head -n 5)"
		return 1
	fi
	say PASS "$1"
}

# guest_changes DIR OTHER: local changes show at once, cached before each
guest_changes() {
	d=$1 o=$2
	cached guest.cached.create "$d" && touch "$d/g1" &&
		now guest.create_shown listed "$d" g1
	cached guest.cached.unlink "$d" g1 && rm "$d/g1" &&
		now guest.unlink_shown unlisted "$d" g1
	touch "$d/g2"
	cached guest.cached.rename "$d" g2 && mv "$d/g2" "$d/g3" &&
		now guest.rename_shown listed "$d" g3 &&
		now guest.rename_old_gone unlisted "$d" g2
	cached guest.cached.rename_from "$d" g3 && cached guest.cached.rename_to "$o" &&
		mv "$d/g3" "$o/g3" &&
		now guest.rename_across_from unlisted "$d" g3 &&
		now guest.rename_across_to listed "$o" g3
	cached guest.cached.mkdir "$d" && mkdir "$d/gd" &&
		now guest.mkdir_shown listed "$d" gd
	cached guest.cached.rmdir "$d" gd && rmdir "$d/gd" &&
		now guest.rmdir_shown unlisted "$d" gd
	cached guest.cached.symlink "$d" && ln -s target "$d/gs" &&
		now guest.symlink_shown listed "$d" gs
	cached guest.cached.link "$d" && ln "$o/g3" "$d/gl" &&
		now guest.link_shown listed "$d" gl
	# mknod of a fifo
	cached guest.cached.mknod "$d" && mkfifo "$d/gf" &&
		now guest.mknod_shown listed "$d" gf
	rm -f "$d/gs" "$d/gl" "$d/gf" "$o/g3"
}

# seeks DIR: positions and names are the host's, cached or not
seeks() {
	d=$1
	cached seek.cached "$d" || return
	h=$(counter readdir_host)
	dircache-helper dump "$d" >/tmp/dump.cached
	[ "$(counter readdir_host)" = "$h" ] ||
		say FAIL seek.dump_from_cache "readdir_host moved"
	dircache-helper seek "$d" >/tmp/seek.out 2>&1
	st=$?
	while read -r r what; do
		[ "$r" = OK ] && say PASS "seek.$what" || say FAIL "seek.$what" "$r"
	done </tmp/seek.out
	[ $st = 0 ] || say FAIL seek.helper "exit $st"
	if [ "$(counter readdir_host)" = "$h" ]; then
		say PASS seek.served_from_cache
	else
		say FAIL seek.served_from_cache "readdir_host $h -> $(counter readdir_host)"
	fi
	# the same listing from the host: one guest change drops the cache
	touch "$d/.drop" && rm "$d/.drop"
	h=$(counter readdir_host)
	dircache-helper dump "$d" >/tmp/dump.host
	[ "$(counter readdir_host)" != "$h" ] ||
		say FAIL seek.dump_from_host "readdir_host did not move"
	if cmp -s /tmp/dump.cached /tmp/dump.host; then
		say PASS seek.same_offsets_cached_or_not "$(wc -l </tmp/dump.host) entries"
	else
		say FAIL seek.same_offsets_cached_or_not "$(diff /tmp/dump.cached /tmp/dump.host | head -n 5)"
	fi
	# readers at once, some filling, some served, on their own fds
	touch "$d/.drop" && rm "$d/.drop"
	for r in 1 2 3 4; do dircache-helper dump "$d" >/tmp/dump.par$r & done
	wait
	bad=""
	for r in 1 2 3 4; do cmp -s /tmp/dump.par$r /tmp/dump.host || bad="$bad $r"; done
	[ -z "$bad" ] && say PASS seek.concurrent_readers ||
		say FAIL seek.concurrent_readers "readers$bad listed otherwise"
	cached seek.cached_after_concurrent "$d"
}

case "$MODE" in
notify)
	mkdir /mnt/d /mnt/e || { say FAIL setup "mkdir"; exit 0; }
	i=0
	while [ $i -lt 40 ]; do touch /mnt/d/f$i; i=$((i + 1)); done
	guest_changes /mnt/d /mnt/e
	# host changes, the listing cached before each
	cached host.cached.create /mnt/d && host create d/h1 &&
		within host.create_shown 50 listed /mnt/d h1
	cached host.cached.delete /mnt/d h1 && host rm d/h1 &&
		within host.delete_shown 50 unlisted /mnt/d h1
	host create d/h2
	within host.setup_h2 50 listed /mnt/d h2
	cached host.cached.move_from /mnt/d h2 && cached host.cached.move_to /mnt/e &&
		host mv d/h2 e/h2 &&
		within host.move_from_shown 50 unlisted /mnt/d h2 &&
		within host.move_to_shown 50 listed /mnt/e h2
	cached host.cached.mkdir /mnt/d && host mkdir d/hd &&
		within host.mkdir_shown 50 listed /mnt/d hd
	# a directory of many pages: 400 names of 60 bytes
	mkdir /mnt/big
	i=0
	while [ $i -lt 400 ]; do
		touch "/mnt/big/entry-with-a-rather-long-name-to-fill-pages-quickly-$i"
		i=$((i + 1))
	done
	seeks /mnt/big
	cached big.cached /mnt/big entry-with-a-rather-long-name-to-fill-pages-quickly-200 && host rm "big/entry-with-a-rather-long-name-to-fill-pages-quickly-200" &&
		within big.host_delete_shown 50 unlisted /mnt/big entry-with-a-rather-long-name-to-fill-pages-quickly-200
	n=$(ls /mnt/big | wc -l)
	[ "$n" = 399 ] && say PASS big.count || say FAIL big.count "$n entries, want 399"
	;;
poll)
	MS=${2:-500}
	mkdir /mnt/p || { say FAIL setup "mkdir"; exit 0; }
	touch /mnt/p/a /mnt/p/b
	vng-watch /mnt/p >/tmp/ev 2>&1 &
	wpid=$!
	i=0
	while ! grep -q READY /tmp/ev && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q READY /tmp/ev || { say FAIL setup "vng-watch not ready: $(cat /tmp/ev)"; exit 0; }
	# the poller's first listing of a newly watched directory is its
	# baseline: a host change before it would be no difference
	sleep $((MS * 2 / 1000 + 1))
	t=$(((3 * MS + 2000) / 100))
	cached cached.create /mnt/p && host create p/h1 &&
		within host_create_shown "$t" listed /mnt/p h1 ||
		{ touch /mnt/p/.drop; rm /mnt/p/.drop
		  say FAIL host_create_diag "poll/sent $(counter poll/sent) differences $(counter poll/differences) reported $(counter poll/reported); events: $(tr '\n' '|' </tmp/ev); after a local change: $(ls /mnt/p | tr '\n' ' ')"; }
	cached cached.delete /mnt/p h1 && host rm p/h1 &&
		within host_delete_shown "$t" unlisted /mnt/p h1
	cached cached.guest /mnt/p && touch /mnt/p/g &&
		now guest_create_shown listed /mnt/p g
	kill $wpid
	;;
auto)
	mkdir /mnt/a && touch /mnt/a/x /mnt/a/y
	ls -a /mnt/a >/dev/null
	h=$(counter readdir_host)
	c=$(counter readdir_cached)
	ls -a /mnt/a >/dev/null
	ls -a /mnt/a >/dev/null
	if [ "$(counter readdir_cached)" = "$c" ] && [ "$(counter readdir_host)" -gt "$h" ]; then
		say PASS never_cached
	else
		say FAIL never_cached "readdir_cached $c -> $(counter readdir_cached), readdir_host $h -> $(counter readdir_host)"
	fi
	;;
*)
	say FAIL usage "dircache-guest notify|poll MS|auto"
	;;
esac
