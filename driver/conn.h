/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The FUSE session over one virtio-fs device (conn.c): FUSE_INIT and the
 * limits it negotiates, the operations the host turned out not to support,
 * and teardown with FUSE_DESTROY.
 *
 * A device carries one session at a time.  The first mount of a tag
 * creates it; further mounts of the same tag, and submounts, share it (and
 * the superblock, like the kernel's virtiofs); the last unmount destroys it.
 */
#ifndef VNG_CONN_H
#define VNG_CONN_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "hostchange.h"

struct vng_dev;
struct vng_watch_stats;

/*
 * Operations the host answered with -ENOSYS (or does not offer): once set
 * the filesystem stops asking and behaves as fs/fuse does for that case.
 */
enum vng_no_op {
	VNG_NO_OPEN,		/* stateless opens: FUSE_NO_OPEN_SUPPORT */
	VNG_NO_OPENDIR,
	VNG_NO_FLUSH,
	VNG_NO_FSYNC,
	VNG_NO_FSYNCDIR,
	VNG_NO_ACCESS,
	VNG_NO_CREATE,
	VNG_NO_LOCK,		/* POSIX locks kept local */
	VNG_NO_FLOCK,		/* flock kept local */
	VNG_NO_XATTR,
	VNG_NO_LISTXATTR,
	VNG_NO_FALLOCATE,
	VNG_NO_LSEEK,
	VNG_NO_COPY_FILE_RANGE,
	VNG_NO_RENAME2,
	VNG_NO_READDIRPLUS,
	VNG_NO_SYNCFS,
	VNG_NO_MKNOD,
	VNG_NO_STATX,
	VNG_NO_OPS_MAX
};

struct vng_conn {
	struct kref kref;
	struct vng_dev *dev;		/* holds a device reference */

	/* cleared when the device goes away or the session is torn down */
	bool connected;
	/*
	 * Set under sb_lock when the last filesystem leaves: no new
	 * superblock joins, a new mount waits for the teardown and starts
	 * a fresh session (vng_conn_get_by_tag()).
	 */
	bool closing;

	/* negotiated in FUSE_INIT */
	u32 minor;			/* protocol minor the host speaks */
	u64 flags;			/* FUSE_* init flags, flags2 << 32 */
	u32 max_write;			/* bytes, already clamped to our limits */
	u32 max_read;
	u32 max_readahead;
	u32 max_pages;			/* pages per READ/WRITE request */
	u32 time_gran;			/* ns, 1..1000000000 */
	u32 map_alignment;		/* log2 of the DAX mapping alignment */

	DECLARE_BITMAP(no_ops, VNG_NO_OPS_MAX);

	/* bumped on every attribute change we learn of (see fs.h) */
	atomic64_t attr_version;
	/* bumped on every namespace change, for d_revalidate of negatives */
	atomic64_t evict_ctr;

	struct mutex sb_lock;		/* protects sb_list */
	struct list_head sb_list;	/* struct vng_sb.conn_entry */

	/* host changes: serialisation and move pairing (hostchange.c) */
	struct vng_hostchange hostchange;
	/* the device's watch counters (notify.h); outlive the session */
	struct vng_watch_stats *watch;

	/* the last put from a completion defers DESTROY to this (conn.c) */
	struct work_struct release_work;
};

/* True when FUSE_INIT negotiated flag (a FUSE_* bit, flags2 bits << 32). */
static inline bool vng_conn_has(const struct vng_conn *conn, u64 flag)
{
	return conn->flags & flag;
}

static inline bool vng_conn_no(const struct vng_conn *conn, enum vng_no_op op)
{
	return test_bit(op, conn->no_ops);
}

static inline void vng_conn_set_no(struct vng_conn *conn, enum vng_no_op op)
{
	set_bit(op, conn->no_ops);
}

/*
 * Returns the session of the device with this tag, creating it (FUSE_INIT)
 * when the device has none, and waiting for a session whose last
 * filesystem is leaving to finish first.  NULL-free: ERR_PTR(-ENODEV)
 * for an unknown tag (the caller prints the tags present), -EBUSY while
 * the device is being removed, or the INIT error.  The caller owns one
 * reference.
 */
struct vng_conn *vng_conn_get_by_tag(const char *tag);
void vng_conn_get(struct vng_conn *conn);
/* The last put sends FUSE_DESTROY and releases the device. */
void vng_conn_put(struct vng_conn *conn);

/* The device's tag, for messages and /proc/mounts ("myfs"). */
const char *vng_conn_tag(const struct vng_conn *conn);

/*
 * The tags of the mountable devices present, ", "-separated, into buf
 * (always NUL-terminated; "" when there are none): for the message of a
 * mount whose tag is unknown.
 */
void vng_conn_list_tags(char *buf, size_t size);

/*
 * A new superblock joins the session (super.c): -EAGAIN when the session
 * is closing, after which vng_conn_get_by_tag() gets a fresh one.
 */
int vng_conn_add_sb(struct vng_conn *conn, struct list_head *entry);
/* A superblock leaves: true when it was the last (the session closes). */
bool vng_conn_del_sb(struct vng_conn *conn, struct list_head *entry);

/* Fails every queued and in-flight request with -ENOTCONN. */
void vng_conn_abort(struct vng_conn *conn);
/*
 * umount -f: aborts the session when the watchdog found its host not
 * answering (host_timeout); a host that answers keeps its session, so a
 * forced unmount (systemd's at shutdown) never drops data that a live
 * host would still take.
 */
void vng_conn_umount_begin(struct vng_conn *conn);

/*
 * The session's last filesystem is going away, its dirty data written:
 * sends FUSE_DESTROY (bounded wait), then aborts, so that requests the
 * host never answered finish now and release what they hold (a readahead
 * folio stays locked until its READ completes) before the inodes go.
 */
void vng_conn_shutdown(struct vng_conn *conn);

#endif
