/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading a driver with modprobe and saying why it did not load.
 *
 * modprobe's own message is the answer a user can act on ("Key was
 * rejected by service" under Secure Boot, "Module virtiofs_ng not found in
 * directory /lib/modules/KVER" when DKMS built nothing for the running
 * kernel), so it is kept and repeated, never swallowed by -q.
 *
 * The modprobe.d rule (userspace/modprobe.d/virtiofs-ng.conf) falls back to
 * the kernel's virtiofs when virtiofs_ng does not load and records modprobe's
 * message in $VIRTIOFS_RUN_DIR/fallback (default /run/virtiofs-ng; the
 * variable is ignored in a setuid/setgid process).
 */
#ifndef VFS_MODLOAD_H
#define VFS_MODLOAD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Runs "modprobe MODULE" (with IGNORE_INSTALL, "modprobe --ignore-install
 * MODULE": the module itself, not the modprobe.d rule's fallback) with a
 * clean environment.  0 when it succeeded; -1 otherwise, with ERR holding
 * modprobe's last line of error output (or why it could not be run).
 */
int vfs_modprobe(const char *module, bool ignore_install, char *err,
		 size_t errlen);

/*
 * What to do about a modprobe message: Secure Boot key enrolment, a DKMS
 * build for the running kernel, or the kernel log.  Never NULL.
 */
const char *vfs_load_advice(const char *err, char *buf, size_t len);

/*
 * When the modprobe.d rule fell back to the kernel's virtiofs this boot
 * (and virtiofs_ng is still not loaded): true, with REASON holding
 * modprobe's message.
 */
bool vfs_fallback_reason(char *reason, size_t len);

#endif
