# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The arm64 items of tests/matrix/prepare (sourced by it): VER-arm64 for
# 5.10, 6.1, 6.12 and 7.2, and VER-cloud-arm64 (Debian's cloud flavour).  Nothing here adds a foreign architecture to
# the host's (or a chroot's) dpkg: a private apt configuration per suite
# lists amd64 and arm64, downloads the packages and dpkg -x unpacks them:
#
#   headers   linux-headers-KVER-arm64 + -common + linux-kbuild (amd64: its
#             fixdep and modpost run on the build host) into a root of
#             their own, with the Makefile's absolute /usr/src paths
#             pointed into it
#   kernel    linux-image-KVER-arm64 (and its 7.x parts) into kroot/KVER,
#             the tree run-vm --arch arm64 boots
#   compiler  aarch64-linux-gnu-gcc-N, N the kernel's own: the host's
#             gcc-12 cross compiler (tests/setup) for bookworm's kernels,
#             the suite chroot's for 5.10 and 7.2 (gcc-N-aarch64-linux-gnu
#             installed there, an amd64 package)
#
# Layout under $VTEST_CACHE/arm64/:
#   apt/SUITE/      private sources.list, lists and cache
#   VER/root/       the unpacked headers of a host-compiled kernel (6.1, 6.12;
#                   VER-cloud/root/ for its cloud flavour)
# and for a chroot-compiled one CHROOT/var/cache/vng-arm64/VER/root, so the
# chroot sees it (KDIR is then the path inside the chroot).

ARM64_CROSS=aarch64-linux-gnu-

# arm64_suite VER: the Debian suite of VER's arm64 kernel, and its chroot
# ("" = headers built with the host's cross compiler).
arm64_suite() {
	case "$1" in
	5.10) echo "bullseye bullseye" ;;
	6.1) echo "bookworm" ;;
	6.12) echo "bookworm-backports" ;;
	7.2) echo "sid sid" ;;
	*) return 1 ;;
	esac
}

# arm64_sources SUITE: the sources.list lines (deb822 would need a
# SourceParts directory; one-line form keeps the private config to a file).
arm64_sources() {
	local suite=$1 key=/usr/share/keyrings/debian-archive-keyring.gpg
	# sid may be signed by a key newer than this host's keyring knows;
	# the sid chroot's keyring is newer.
	[ "$suite" = sid ] && [ -r "$VTEST_CACHE/sid$key" ] && key="$VTEST_CACHE/sid$key"
	echo "deb [signed-by=$key] $MIRROR $suite main"
	# bookworm as the host has it (its 6.1 comes from the security suite);
	# bullseye as the 5.10 chroot has it (the archive's security pool here
	# lists arm64 kernels it does not serve)
	case "$suite" in
	bookworm)
		echo "deb [signed-by=$key] $MIRROR $suite-updates main"
		echo "deb [signed-by=$key] ${MIRROR%/debian}/debian-security $suite-security main"
		;;
	esac
}

# arm64_apt SUITE apt-get|apt-cache ARGS...: the private configuration.
arm64_apt() {
	local suite=$1 tool=$2 dir="$VTEST_CACHE/arm64/apt/$1"
	shift 2
	"${NICE[@]}" "$tool" -q -o Dir::Etc::SourceList="$dir/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$dir/lists" \
		-o Dir::State::Status=/dev/null \
		-o Dir::Cache="$dir/cache" -o Acquire::Check-Valid-Until=false \
		-o Acquire::Languages=none -o APT::Sandbox::User=root \
		-o APT::Architecture=amd64 -o APT::Architectures::=amd64 \
		-o APT::Architectures::=arm64 "$@"
}

# arm64_depends SUITE PKG PREFIX [SUFFIX]: the names in PKG's Depends that
# start with PREFIX and end with SUFFIX (plain strings: a release has '+').
arm64_depends() {
	arm64_apt "$1" apt-cache show --no-all-versions "$2" 2>/dev/null |
		sed -n 's/^Depends: //p' | tr ',|' '\n' | sed 's/^ *//; s/[ (:].*//' |
		awk -v p="$3" -v s="${4:-}" 'substr($0, 1, length(p)) == p &&
			substr($0, length($0) - length(s) + 1) == s' | sort -u | tr '\n' ' '
}

# prepare_arm64 VER[-cloud]: the arm64 kernel of VER, Debian's generic
# flavour or its cloud one.  The cloud flavour is the release of VER-arm64
# (prepared first, cached): same ABI, so the same cross compiler and
# kbuild; the private lists are updated only when they no longer name it.
prepare_arm64() {
	local ver=${1%-cloud} name=$1 item="$1-arm64" suite chroot base root dl log kver
	local pkgs prefix inner deb t0=$SECONDS cc gccv s flav="" gen=""
	[ "$name" = "$ver" ] || flav=cloud-
	s=$(arm64_suite "$ver") || die "no arm64 kernel for $ver"
	read -r suite chroot <<<"$s"
	base="$VTEST_CACHE/arm64"
	log="$MATRIX_DIR/$item.log"
	if [ -n "$flav" ]; then
		prepare_arm64 "$ver"
		gen=$(cat "$ARM64_ROOT/.vng-done")
	fi
	say "kernel $item ($suite${chroot:+, compiler in the $chroot chroot})"
	if [ -n "$chroot" ]; then
		chroot_ready "$chroot"
		chroot_tune "$chroot"
		inner="/var/cache/vng-arm64/$name"
		root="$VTEST_CACHE/$chroot$inner/root"
		prefix="$inner/root"	# the root as the chroot sees it
	else
		root="$base/$name/root"
		prefix=$root
	fi
	ARM64_ROOT=$root
	if [ $FORCE = 0 ] && [ -f "$root/.vng-done" ]; then
		kver=$(cat "$root/.vng-done")
		if [ -f "$VTEST_CACHE/kroot/$kver/.vng-done" ]; then
			say "$item: headers, compiler and kernel tree for $kver present"
			arm64_busybox "$item" "$suite"
			arm64_env "$item" "$kver" "$chroot" "$prefix/usr/src/linux-headers-$kver" \
				"$(arm64_toolpath "$root")"
			return 0
		fi
	fi
	: >"$log"
	mkdir -p "$base/apt/$suite/lists/partial" "$base/apt/$suite/cache/archives/partial"
	arm64_sources "$suite" >"$base/apt/$suite/sources.list"
	# a flavour: the generic kernel's release (${gen%-arm64}-cloud-arm64)
	[ -z "$gen" ] || kver=${gen%-arm64}-${flav}arm64
	if [ -z "$gen" ] || ! arm64_apt "$suite" apt-cache show --no-all-versions \
		"linux-headers-$kver:arm64" >/dev/null 2>&1; then
		step "$item: apt-get update (private list, amd64 + arm64)" "$log" \
			arm64_apt "$suite" apt-get update
	fi
	[ -n "$gen" ] ||
		kver=$(arm64_depends "$suite" linux-headers-arm64:arm64 linux-headers- -arm64 |
			awk '{ print $1 }' | sed 's/^linux-headers-//')
	[ -n "$kver" ] || die "$item: cannot tell which kernel linux-headers-arm64 names"
	arm64_apt "$suite" apt-cache show --no-all-versions "linux-headers-$kver:arm64" \
		>/dev/null 2>&1 || die "$item: $suite no longer has linux-headers-$kver (arm64)"
	# The headers' own dependencies: the common half and the kbuild tools.
	pkgs="linux-headers-$kver:arm64"
	pkgs+=" $(arm64_depends "$suite" "linux-headers-$kver:arm64" linux-headers- -common)"
	for deb in $(arm64_depends "$suite" "linux-headers-$kver:arm64" linux-kbuild-); do
		pkgs+=" $deb:amd64"
	done
	# The image, and with 7.x its parts (linux-binary-, linux-modules-).
	pkgs+=" linux-image-$kver:arm64"
	for deb in $(arm64_depends "$suite" "linux-image-$kver:arm64" linux- "-$kver"); do
		pkgs+=" $deb:arm64"
	done
	dl="$base/dl.$name"
	rm -rf "$dl"
	mkdir -p "$dl"
	# shellcheck disable=SC2086
	step "$item: apt-get download $pkgs" "$log" arm64_download "$dl" "$suite" $pkgs
	rm -rf "$root.tmp"
	mkdir -p "$root.tmp"
	# Headers that ship vmlinux make the module's BTF with pahole; a
	# host-compiled kernel gets bookworm's (the host's lists), as the
	# 6.12 amd64 item does; a chroot has its own.
	if [ -z "$chroot" ] && ! command -v pahole >/dev/null; then
		step "$item: apt-get download pahole (bookworm)" "$log" \
			sh -c 'cd "$1" && exec apt-get -q download pahole' sh "$dl"
	fi
	for deb in "$dl"/linux-headers-*.deb "$dl"/linux-kbuild-*.deb "$dl"/pahole_*.deb; do
		[ -e "$deb" ] || continue
		step "$item: unpack $(basename "$deb")" "$log" dpkg-deb -x "$deb" "$root.tmp"
	done
	# The headers' Makefile names the common half (and 7.x its output
	# directory) by absolute /usr/src paths: point them into the root, as
	# the compiler will see it.
	sed -i "s|/usr/src/|$prefix/usr/src/|g" \
		"$root.tmp/usr/src/linux-headers-$kver/Makefile"
	[ -r "$root.tmp/usr/src/linux-headers-$kver/.config" ] ||
		die "$item: no .config in linux-headers-$kver"
	rm -rf "$root"
	mv "$root.tmp" "$root"
	mkdir -p "$VTEST_CACHE/kroot"
	# the image and its parts: every package but the headers' ones
	local image=()
	for deb in "$dl"/*.deb; do
		case "${deb##*/}" in
		linux-headers-*|linux-kbuild-*|pahole_*) ;;
		*) image+=("$deb") ;;
		esac
	done
	kroot_unpack "$item" "$kver" "${image[@]}"
	rm -rf "$dl"
	# The cross compiler: the version the kernel was built with.
	cc=$(sed -n 's/^CC = .*gcc-\([0-9][0-9]*\).*/\1/p' "$root/usr/src/linux-headers-$kver/.kernelvariables")
	[ -n "$cc" ] || die "$item: cannot tell the compiler from .kernelvariables"
	if [ -n "$chroot" ]; then
		# installed once: apt-get install after another item's update
		# would upgrade the compiler other rows build with
		chroot "$VTEST_CACHE/$chroot" sh -c "command -v ${ARM64_CROSS}gcc-$cc && command -v make" \
			>/dev/null 2>&1 || apt_in "$chroot" "gcc-$cc-aarch64-linux-gnu" make
		gccv=$(chroot "$VTEST_CACHE/$chroot" "${ARM64_CROSS}gcc-$cc" -dumpversion)
	else
		command -v "${ARM64_CROSS}gcc-$cc" >/dev/null ||
			die "$item: no ${ARM64_CROSS}gcc-$cc on the host; run tests/setup"
		gccv=$("${ARM64_CROSS}gcc-$cc" -dumpversion)
	fi
	arm64_busybox "$item" "$suite"
	echo "$kver" >"$root/.vng-done"
	arm64_env "$item" "$kver" "$chroot" "$prefix/usr/src/linux-headers-$kver" \
		"$(arm64_toolpath "$root")"
	say "kernel $item: KVER=$kver, built with $(cc_of "$root" "$kver"), cross gcc $gccv, headers $(size_of "$root"), kernel tree $(size_of "$VTEST_CACHE/kroot/$kver"), $((SECONDS - t0))s"
}

# arm64_busybox ITEM SUITE: the guests' busybox-static:arm64, unpacked once
# (run-vm --arch arm64 copies it into every initramfs).
ARM64_BUSYBOX="$VTEST_CACHE/arm64/busybox/bin/busybox"
arm64_busybox() {
	local item=$1 suite=$2 dir="$VTEST_CACHE/arm64/busybox" log="$MATRIX_DIR/$1.log"
	[ -x "$ARM64_BUSYBOX" ] && return 0
	rm -rf "$dir.dl" "$dir.tmp"
	mkdir -p "$dir.dl" "$dir.tmp"
	step "$item: apt-get download busybox-static:arm64" "$log" \
		arm64_download "$dir.dl" "$suite" busybox-static:arm64
	step "$item: unpack busybox-static" "$log" \
		dpkg-deb -x "$(ls "$dir.dl"/busybox-static_*.deb)" "$dir.tmp"
	file -L "$dir.tmp/bin/busybox" | grep -q 'ARM aarch64.*statically linked' ||
		die "$item: busybox-static:arm64 is not a static arm64 binary"
	rm -rf "$dir" "$dir.dl"
	mv "$dir.tmp" "$dir"
}

# arm64_download DIR SUITE PKG...: apt-get download into DIR.
arm64_download() {
	local dir=$1 suite=$2
	shift 2
	(cd "$dir" && arm64_apt "$suite" apt-get download "$@")
}

# arm64_toolpath ROOT: the unpacked root's bin directory when it has tools
# (pahole) the build needs.
arm64_toolpath() {
	[ -x "$1/usr/bin/pahole" ] && echo "$1/usr/bin"
	return 0
}

# arm64_env ITEM KVER CHROOT KDIR [TOOLPATH]: the env file run-vm and the build
# read; ARCH and CROSS_COMPILE go to kbuild.
arm64_env() {
	local chroot=""
	[ -n "$3" ] && chroot="$VTEST_CACHE/$3"
	write_env "$1" "$2" "$VTEST_CACHE/kroot/$2" "$chroot" "$4" "${5:-}"
	printf "ARCH='arm64'\nCROSS_COMPILE='%s'\n" "$ARM64_CROSS" >>"$MATRIX_DIR/$1.env"
}

# prepare_arm64_userspace: what a static arm64 build of the userspace
# tools (mount.virtiofs, virtiofsctl: tests/matrix/arm64-userspace) links,
# for the takeover tests in arm64 guests.  Debian ships libmount only as a
# shared library, so libmount.a and libblkid.a are built from the source
# of the host's own libmount-dev release (same API as the headers the
# host builds against) with the host's aarch64-linux-gnu-gcc, and only
# these two libraries (no SELinux, udev or systemd: the busybox guest has
# none).  Layout under $VTEST_CACHE/arm64/util-linux/: apt/ (a private
# deb-src list), src/ (the source package), root/{lib,include}.
ARM64_USERLIBS="$VTEST_CACHE/arm64/util-linux/root"
prepare_arm64_userspace() {
	local item=arm64-userspace dir="$VTEST_CACHE/arm64/util-linux" log="$MATRIX_DIR/arm64-userspace.log"
	local ver work t0=$SECONDS
	# shellcheck disable=SC2016
	ver=$(dpkg-query -W -f '${Version}' libmount-dev 2>/dev/null) ||
		die "$item: no libmount-dev on the host; run tests/setup"
	say "$item: static libmount and libblkid for arm64 (util-linux $ver)"
	if [ $FORCE = 0 ] && [ "$(cat "$ARM64_USERLIBS/.vng-done" 2>/dev/null)" = "$ver" ]; then
		say "$item: present ($ARM64_USERLIBS)"
		return 0
	fi
	command -v "${ARM64_CROSS}gcc" >/dev/null || die "$item: no ${ARM64_CROSS}gcc; run tests/setup"
	: >"$log"
	mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial"
	echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR bookworm main" \
		>"$dir/apt/sources.list"
	ul_apt() {
		"${NICE[@]}" apt-get -q -o Dir::Etc::SourceList="$dir/apt/sources.list" \
			-o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$dir/apt/lists" \
			-o Dir::State::Status=/dev/null -o Dir::Cache="$dir/apt/cache" \
			-o Acquire::Languages=none -o APT::Sandbox::User=root "$@"
	}
	ul_apt_in() { (cd "$1" && shift && ul_apt "$@"); }
	if [ ! -r "$dir/src/util-linux_$ver.dsc" ]; then
		rm -rf "$dir/src"
		mkdir -p "$dir/src"
		step "$item: apt-get update (private deb-src list)" "$log" ul_apt update
		step "$item: apt-get source --download-only util-linux=$ver" "$log" \
			ul_apt_in "$dir/src" source --download-only "util-linux=$ver"
	fi
	work="$dir/build"
	rm -rf "$work" "$ARM64_USERLIBS.tmp"
	step "$item: unpack util-linux $ver" "$log" \
		dpkg-source -x --no-check "$dir/src/util-linux_$ver.dsc" "$work"
	step "$item: configure (libmount and libblkid only, static)" "$log" \
		sh -c 'cd "$1" && shift && exec "$@"' sh "$work" "${NICE[@]}" ./configure \
		--host=aarch64-linux-gnu CC="${ARM64_CROSS}gcc" --prefix=/usr \
		--disable-all-programs --enable-libblkid --enable-libmount \
		--disable-shared --enable-static --disable-nls --disable-asciidoc \
		--disable-poman --without-selinux --without-udev --without-systemd \
		--without-python --without-cryptsetup --without-btrfs --without-econf
	step "$item: make libblkid.la libmount.la" "$log" \
		"${NICE[@]}" make -C "$work" -j"$(nproc)" libblkid.la libmount.la
	mkdir -p "$ARM64_USERLIBS.tmp/lib" "$ARM64_USERLIBS.tmp/include/libmount" \
		"$ARM64_USERLIBS.tmp/include/blkid"
	cp "$work/.libs/libmount.a" "$work/.libs/libblkid.a" "$ARM64_USERLIBS.tmp/lib/"
	cp "$work/libmount/src/libmount.h" "$ARM64_USERLIBS.tmp/include/libmount/"
	cp "$work/libblkid/src/blkid.h" "$ARM64_USERLIBS.tmp/include/blkid/"
	file "$ARM64_USERLIBS.tmp/lib/libmount.a" | grep -q 'ar archive' ||
		die "$item: no libmount.a built"
	echo "$ver" >"$ARM64_USERLIBS.tmp/.vng-done"
	rm -rf "$ARM64_USERLIBS" "$work"
	mv "$ARM64_USERLIBS.tmp" "$ARM64_USERLIBS"
	say "$item: $ARM64_USERLIBS ($(size_of "$ARM64_USERLIBS")), $((SECONDS - t0))s"
}
