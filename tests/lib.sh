# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the test and demo scripts (sourced, not executed).

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# The Debian 6.1 kernel the guests boot by default: the newest one installed.
default_kver() {
	local k
	k=$(ls -1 /boot/vmlinuz-6.1.* 2>/dev/null | sed 's|.*/vmlinuz-||' | sort -V | tail -n 1)
	[ -n "$k" ] || die "no Debian 6.1 kernel in /boot; run tests/setup first"
	echo "$k"
}
