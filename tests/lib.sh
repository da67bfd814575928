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

# Kernel-log lines that make a guest run red (run-vm's dmesg gate, the
# fuzzer's per-seed gate): oopses, warnings, lockdep, hung tasks, the
# sanitizer kernel's reports (tests/debug/kernel), and the signs of a
# sanitizer switching itself off (the rest of the run unchecked).
VTEST_BAD_KLOG='Oops|BUG:|WARNING:|general protection fault|kernel BUG|Kernel panic|'
VTEST_BAD_KLOG+='possible circular locking|possible recursive locking|inconsistent lock state|'
VTEST_BAD_KLOG+='INFO: task .* blocked for more than|soft lockup|hard LOCKUP|rcu.*detected stall|'
VTEST_BAD_KLOG+='sleeping function called from invalid context|list_(add|del) corruption|'
VTEST_BAD_KLOG+='refcount_t:|UBSAN:|KASAN:|KFENCE:|ODEBUG:|Call Trace:|'
# arm64 spells some of them its own way ("Internal error: Oops" is caught
# above): the trace header, a bad access, an SError.
VTEST_BAD_KLOG+='Call trace:|Unable to handle kernel|SError Interrupt|'
VTEST_BAD_KLOG+='suspicious RCU usage|Disabling lock debugging|unreferenced object 0x|'
VTEST_BAD_KLOG+='kmemleak: (Kernel memory leak detector disabled|Memory pool empty|Cannot allocate)'
