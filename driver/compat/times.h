/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inode timestamps: 6.6 hid i_ctime and 6.7 i_atime/i_mtime behind
 * accessors (Debian backported the ctime ones to 5.10 and 6.1).  The driver
 * uses the accessors; older kernels get them here.  Included by compat.h.
 */
#ifndef VNG_COMPAT_TIMES_H
#define VNG_COMPAT_TIMES_H

#ifndef HAVE_INODE_GET_CTIME
static inline struct timespec64 inode_get_ctime(const struct inode *inode)
{
	return inode->i_ctime;
}

static inline struct timespec64 inode_set_ctime_to_ts(struct inode *inode,
						      struct timespec64 ts)
{
	inode->i_ctime = ts;
	return ts;
}

static inline struct timespec64 inode_set_ctime(struct inode *inode,
						time64_t sec, long nsec)
{
	struct timespec64 ts = { .tv_sec = sec, .tv_nsec = nsec };

	return inode_set_ctime_to_ts(inode, ts);
}
#endif

#ifndef HAVE_INODE_GET_MTIME
static inline struct timespec64 inode_get_mtime(const struct inode *inode)
{
	return inode->i_mtime;
}

static inline struct timespec64 inode_set_mtime_to_ts(struct inode *inode,
						      struct timespec64 ts)
{
	inode->i_mtime = ts;
	return ts;
}

static inline struct timespec64 inode_set_mtime(struct inode *inode,
						time64_t sec, long nsec)
{
	struct timespec64 ts = { .tv_sec = sec, .tv_nsec = nsec };

	return inode_set_mtime_to_ts(inode, ts);
}

static inline struct timespec64 inode_get_atime(const struct inode *inode)
{
	return inode->i_atime;
}

static inline struct timespec64 inode_set_atime_to_ts(struct inode *inode,
						      struct timespec64 ts)
{
	inode->i_atime = ts;
	return ts;
}

static inline struct timespec64 inode_set_atime(struct inode *inode,
						time64_t sec, long nsec)
{
	struct timespec64 ts = { .tv_sec = sec, .tv_nsec = nsec };

	return inode_set_atime_to_ts(inode, ts);
}
#endif

/* Compares two timestamps as returned by the accessors. */
static inline bool vng_timespec64_equal(struct timespec64 a,
					struct timespec64 b)
{
	return timespec64_equal(&a, &b);
}

#endif /* VNG_COMPAT_TIMES_H */
