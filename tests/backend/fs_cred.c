// SPDX-License-Identifier: GPL-2.0
/*
 * Requests run with the guest caller's uid/gid as the thread's fsuid/fsgid,
 * so the host kernel makes the permission decisions a local filesystem
 * would (EACCES for a non-root guest user) and new objects get the right
 * owner.  setfsuid/setfsgid and setgroups go through syscall() because the
 * glibc setgroups wrapper changes every thread of the process; we only
 * want the calling queue worker.
 *
 * Each worker also unshares its fs_struct (CLONE_FS) once so that it can set
 * the guest's umask for a create without racing the other workers: with
 * FUSE_DONT_MASK the umask is ours to apply, and applying it through the
 * real umask lets a default ACL on the parent win, as it would locally.
 */
#include <errno.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs_internal.h"
#include "log.h"

static __thread bool thread_ready;
static __thread bool thread_private_fs;
static __thread uid_t cur_uid;
static __thread gid_t cur_gid;

static void thread_init(struct fs_server *srv)
{
	if (thread_ready)
		return;
	thread_ready = true;
	if (unshare(CLONE_FS) == 0) {
		thread_private_fs = true;
		umask(0);
	} else {
		log_warn("unshare(CLONE_FS): %m; umask applied by hand");
	}
	if (srv->switch_creds && syscall(SYS_setgroups, 0, NULL) < 0)
		log_warn("setgroups(0): %m");
}

static int set_fs_ids(uid_t uid, gid_t gid)
{
	syscall(SYS_setfsgid, gid);
	syscall(SYS_setfsuid, uid);
	/* both calls return the old id; a second call reads the new one back */
	if ((uid_t)syscall(SYS_setfsuid, -1) != uid ||
	    (gid_t)syscall(SYS_setfsgid, -1) != gid)
		return -EPERM;
	return 0;
}

int fs_cred_enter(struct fs_server *srv, uid_t uid, gid_t gid,
		  struct fs_cred_saved *saved)
{
	saved->switched = false;
	saved->umask_set = false;
	thread_init(srv);
	if (!srv->switch_creds)
		return 0;
	cur_uid = uid;
	cur_gid = gid;
	if (set_fs_ids(uid, gid) < 0) {
		set_fs_ids(geteuid(), getegid());
		log_warn("cannot switch to uid %u gid %u", uid, gid);
		return -EPERM;
	}
	saved->switched = true;
	return 0;
}

/* Puts the thread's umask back to 0 after a create. */
void fs_cred_leave_umask(struct fs_cred_saved *saved)
{
	if (saved->umask_set) {
		umask(0);
		saved->umask_set = false;
	}
}

void fs_cred_leave(struct fs_server *srv, struct fs_cred_saved *saved)
{
	fs_cred_leave_umask(saved);
	if (saved->switched) {
		set_fs_ids(geteuid(), getegid());
		saved->switched = false;
	}
	(void)srv;
}

/* Briefly act as the daemon itself (chown) and back as the caller. */
void fs_cred_root(struct fs_server *srv, bool root)
{
	if (!srv->switch_creds)
		return;
	if (root)
		set_fs_ids(geteuid(), getegid());
	else
		set_fs_ids(cur_uid, cur_gid);
}

/* Returns the mode to pass to the create call for a guest umask. */
mode_t fs_cred_umask(struct fs_cred_saved *saved, mode_t mode, mode_t mask)
{
	mask &= 07777;
	if (thread_private_fs) {
		umask(mask);
		saved->umask_set = true;
		return mode;
	}
	return mode & ~mask;
}
