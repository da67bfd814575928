/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mounts by ordinary users ("user"/"users" fstab entries).
 *
 * mount(8) runs helpers with its real uid (libmount drops its setuid
 * privileges first), so a user mount only works when mount.virtiofs is
 * itself installed setuid root (make install SETUID_HELPER=yes), like
 * mount.nfs and mount.cifs.  Then the helper is "restricted": it trusts
 * nothing from its caller but the tag and directory, which must match an
 * /etc/fstab entry of type virtiofs that has the user or users option;
 * the options come from that entry, never from the command line.
 */
#ifndef VFS_USERMOUNT_H
#define VFS_USERMOUNT_H

#include <stdbool.h>
#include <stddef.h>

/* Real uid not root but effective uid root (setuid), or forced by tests. */
bool vfs_restricted(void);

/*
 * Finds the fstab entry for TAG on TARGET that lets this user mount it.
 * On success *optstr is the entry's options (malloc'd).  Returns 0, or -1
 * with ERR set.
 */
int vfs_user_entry(const char *tag, const char *target, char **optstr,
		   char *err, size_t errlen);

/*
 * Rewrites "user" in the options recorded in utab as "user=<name>", so
 * that umount(8) lets the same user unmount it.  Returns 0 or -1.
 */
int vfs_user_record(char **optstr);

#endif
