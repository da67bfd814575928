# SPDX-License-Identifier: GPL-2.0
# Builds the test guest's initramfs (sourced by run-vm).
#
# The guest is busybox-static plus the kernel modules it must load (with
# their dependencies, decompressed, in load order) plus whatever files the
# test adds; dynamically linked binaries bring their shared libraries.

# Copies host file $1 to $ROOT$2 with, for ELF binaries, every library the
# dynamic loader would map.
initramfs_add_file() {
	local src=$1 dst=$2 lib
	[ "${GUEST_ARCH:-x86_64}" = x86_64 ] || initramfs_check_foreign "$src"
	mkdir -p "$ROOT$(dirname "$dst")"
	cp -L "$src" "$ROOT$dst"
	if file -L "$src" 2>/dev/null | grep -q 'dynamically linked'; then
		for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*'); do
			[ -e "$ROOT$lib" ] && continue
			mkdir -p "$ROOT$(dirname "$lib")"
			cp -L "$lib" "$ROOT$lib"
		done
	fi
}

initramfs_add() {
	local spec=$1 src dst f
	src=${spec%%:*}
	dst=${spec#*:}
	[ "$dst" = "$spec" ] && dst=$src
	[ -e "$src" ] || die "--add: $src does not exist"
	if [ -d "$src" ]; then
		mkdir -p "$ROOT$dst"
		cp -a "$src/." "$ROOT$dst/"
	else
		initramfs_add_file "$src" "$dst"
	fi
}

# Resolves a module name (or a path to a .ko) to its file and appends it,
# after its dependencies, to MODULE_ORDER.  Modules built into the kernel
# resolve to nothing and are skipped.
MODULE_ORDER=()
declare -A MODULE_SEEN
module_resolve() {
	local name=$1 path dep deps
	[ -n "${MODULE_SEEN[$name]:-}" ] && return 0
	MODULE_SEEN[$name]=1
	if [ -f "$name" ]; then
		path=$name
	else
		path=$(modinfo -b "$KROOT" -k "$KVER" -n "$name" 2>/dev/null) || return 0
		case "$path" in /*) ;; *) return 0 ;; esac	# "(builtin)"
	fi
	deps=$(modinfo -b "$KROOT" -k "$KVER" -F depends "$path" 2>/dev/null | tr ',' ' ')
	for dep in $deps; do
		module_resolve "$dep"
	done
	MODULE_ORDER+=("$path")
}

# initramfs_build OUT MODULE... : writes the cpio archive to OUT.
initramfs_build() {
	local out=$1 m base
	shift
	rm -rf "$ROOT"
	mkdir -p "$ROOT"/{bin,sbin,etc,proc,sys,dev,tmp,mnt,modules,vtest,root}
	cp "${BUSYBOX:-/bin/busybox}" "$ROOT/bin/busybox"
	cp "$TOP/tests/vm/guest-init" "$ROOT/init"
	cp "$TOP/tests/debug/kmemleak-scan" "$ROOT/bin/kmemleak-scan"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOT/etc/passwd"
	echo 'nobody:x:1000:1000:test user:/tmp:/bin/sh' >>"$ROOT/etc/passwd"
	printf 'root:x:0:\nnogroup:x:1000:\n' >"$ROOT/etc/group"
	for m in "$@"; do
		module_resolve "$m"
	done
	VTEST_MODULES=""
	for m in "${MODULE_ORDER[@]}"; do
		base=$(basename "$m")
		case "$m" in
		*.ko.xz) base=${base%.xz}; xz -dc "$m" >"$ROOT/modules/$base" ;;
		*.ko.zst) base=${base%.zst}; zstd -qdc "$m" >"$ROOT/modules/$base" ;;
		*.ko.gz) base=${base%.gz}; gzip -dc "$m" >"$ROOT/modules/$base" ;;
		*) cp "$m" "$ROOT/modules/$base" ;;
		esac
		VTEST_MODULES="$VTEST_MODULES $base"
	done
	for m in "${ADDS[@]}"; do
		initramfs_add "$m"
	done
}

initramfs_pack() {
	(cd "$ROOT" && find . | cpio -o -H newc --quiet) >"$1"
}
