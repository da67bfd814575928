/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FUSE wire-protocol helpers: request ids, the errno range a reply may
 * carry, reply length rules and the FUSE_INIT reply sizes.
 *
 * Plain C on the uapi <linux/fuse.h> types only, so userspace unit tests
 * and fuzzers can compile the same checks the driver runs on every reply.
 */
#ifndef VNG_PROTO_H
#define VNG_PROTO_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
/* the kernel's names, so the checks read the same on both sides */
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
#endif
#include <linux/fuse.h>

/*
 * Ordinary requests get even ids; the FUSE_INTERRUPT aimed at one carries
 * the same id with the low bit set, so the host can tell them apart and we
 * can recognise its reply.
 */
#define VNG_INT_REQ_BIT		1ULL
#define VNG_REQ_ID_STEP		2ULL

/*
 * The oldest protocol minor we accept from a host: 7.12 is where the fixed
 * structs we send and expect (attr, entry, mknod/mkdir with umask, write
 * with lock_owner) reached their present layout.  Every virtio-fs host
 * speaks 7.31 or newer anyway.
 */
#define VNG_PROTO_MIN_MINOR	12

/* Replies carry 0 or a negated Linux errno, 1..4095 (MAX_ERRNO). */
#define VNG_MAX_ERRNO		4095
/*
 * ERESTARTSYS .. 529 are kernel-internal codes that must never reach
 * userspace; a host sending them is broken or hostile.
 */
#define VNG_ERESTART_FIRST	512
#define VNG_ERESTART_LAST	529

/* Longest tag (virtio_fs_config.tag, not necessarily NUL-terminated) */
#define VNG_TAG_LEN		36

/* Why a reply was refused; VNG_REPLY_OK for a well-formed one. */
enum vng_reply_fault {
	VNG_REPLY_OK,
	VNG_REPLY_SHORT,	/* shorter than fuse_out_header */
	VNG_REPLY_LEN,		/* out.len differs from what the device wrote */
	VNG_REPLY_UNIQUE,	/* answers another request */
	VNG_REPLY_ERRNO,	/* error is positive, too large or internal */
	VNG_REPLY_ERR_DATA,	/* an error reply with a payload */
	VNG_REPLY_SIZE,		/* payload does not fit the out-args */
};

static inline const char *vng_reply_fault_str(enum vng_reply_fault f)
{
	switch (f) {
	case VNG_REPLY_OK:
		return "ok";
	case VNG_REPLY_SHORT:
		return "shorter than its header";
	case VNG_REPLY_LEN:
		return "header length differs from the bytes written";
	case VNG_REPLY_UNIQUE:
		return "unique id does not match the request";
	case VNG_REPLY_ERRNO:
		return "error code out of range";
	case VNG_REPLY_ERR_DATA:
		return "error reply carries a payload";
	case VNG_REPLY_SIZE:
		return "payload size does not match the request";
	}
	return "unknown fault";
}

/* True for an error field a host may send: 0 or -1..-4095 but no ERESTART*. */
static inline bool vng_reply_errno_ok(s32 error)
{
	if (error == 0)
		return true;
	if (error > 0 || error < -VNG_MAX_ERRNO)
		return false;
	return !(-error >= VNG_ERESTART_FIRST && -error <= VNG_ERESTART_LAST);
}

/*
 * Checks the header of a reply the device wrote @used bytes of, for the
 * request @unique whose successful payload must be @min..@max bytes.
 * @oh must be the caller's own copy: the host shares the buffer and could
 * change it between the check and the use.  On VNG_REPLY_OK, *payload is
 * the byte count after the header (0 for an error reply).
 */
static inline enum vng_reply_fault
vng_check_reply(const struct fuse_out_header *oh, u32 used,
		u64 unique, u32 min, u32 max, u32 *payload)
{
	u32 len;

	*payload = 0;
	if (used < sizeof(*oh))
		return VNG_REPLY_SHORT;
	if (oh->len != used)
		return VNG_REPLY_LEN;
	if (oh->unique != unique)
		return VNG_REPLY_UNIQUE;
	if (!vng_reply_errno_ok(oh->error))
		return VNG_REPLY_ERRNO;
	len = used - sizeof(*oh);
	if (oh->error) {
		if (len)
			return VNG_REPLY_ERR_DATA;
		return VNG_REPLY_OK;
	}
	if (len < min || len > max)
		return VNG_REPLY_SIZE;
	*payload = len;
	return VNG_REPLY_OK;
}

/*
 * Bytes of fuse_init_out a host of protocol @minor sends at least: the
 * struct grew at 7.5 and 7.23 (later fields live in its unused tail).
 */
static inline size_t vng_init_out_min_size(u32 minor)
{
	if (minor < 5)
		return FUSE_COMPAT_INIT_OUT_SIZE;
	if (minor < 23)
		return FUSE_COMPAT_22_INIT_OUT_SIZE;
	return sizeof(struct fuse_init_out);
}

/* Requests the host answers on the hiprio queue, per the virtio-fs spec. */
static inline bool vng_opcode_is_hiprio(u32 opcode)
{
	return opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET ||
	       opcode == FUSE_INTERRUPT;
}

/*
 * Replies that hand us a lookup reference (fuse_entry_out first): when
 * nobody is left to take it, the request layer gives it back with a FORGET.
 */
static inline bool vng_opcode_returns_entry(u32 opcode)
{
	switch (opcode) {
	case FUSE_LOOKUP:
	case FUSE_CREATE:
	case FUSE_MKNOD:
	case FUSE_MKDIR:
	case FUSE_SYMLINK:
	case FUSE_LINK:
	case FUSE_TMPFILE:
		return true;
	}
	return false;
}

/*
 * Replies that hand us an open handle (fuse_open_out, after a
 * fuse_entry_out for CREATE and TMPFILE): when nobody is left to take it,
 * the request layer gives it back with a RELEASE.
 */
static inline bool vng_opcode_returns_handle(u32 opcode)
{
	switch (opcode) {
	case FUSE_OPEN:
	case FUSE_OPENDIR:
	case FUSE_CREATE:
	case FUSE_TMPFILE:
		return true;
	}
	return false;
}

/*
 * Requests a killed waiter must see to the end once the host has them:
 * their reply carries state nobody else could undo (the lookup references
 * of every READDIRPLUS entry) or the host's state and ours would part
 * (which window ranges the host has mapped).
 */
static inline bool vng_opcode_must_finish(u32 opcode)
{
	switch (opcode) {
	case FUSE_READDIRPLUS:
	case FUSE_SETUPMAPPING:
	case FUSE_REMOVEMAPPING:
		return true;
	}
	return false;
}

/*
 * FUSE_STATX (protocol 7.39): statx(2) with the birth time.  Our own copy
 * under our own names, so the module builds against a uapi <linux/fuse.h>
 * older than 7.39 (Debian 12's is 7.38) and beside a newer one alike.
 * There is no INIT flag for it: a host that lacks it answers ENOSYS once.
 */
#define VNG_FUSE_STATX		52

struct vng_fuse_sx_time {
	__s64	tv_sec;
	__u32	tv_nsec;
	__s32	reserved;
};

struct vng_fuse_statx {
	__u32	mask;
	__u32	blksize;
	__u64	attributes;
	__u32	nlink;
	__u32	uid;
	__u32	gid;
	__u16	mode;
	__u16	spare0[1];
	__u64	ino;
	__u64	size;
	__u64	blocks;
	__u64	attributes_mask;
	struct vng_fuse_sx_time atime;
	struct vng_fuse_sx_time btime;
	struct vng_fuse_sx_time ctime;
	struct vng_fuse_sx_time mtime;
	__u32	rdev_major;
	__u32	rdev_minor;
	__u32	dev_major;
	__u32	dev_minor;
	__u64	spare2[14];
};

struct vng_fuse_statx_in {
	__u32	getattr_flags;
	__u32	reserved;
	__u64	fh;
	__u32	sx_flags;
	__u32	sx_mask;
};

struct vng_fuse_statx_out {
	__u64	attr_valid;
	__u32	attr_valid_nsec;
	__u32	flags;
	__u64	spare[2];
	struct vng_fuse_statx stat;
};

/*
 * ---- the notification queue (virtio spec 1.2, 5.11; FUSE notify) -------
 * Our own copies of the notify structs: <linux/fuse.h> before 7.38 calls
 * inval_entry's flags "padding" and has no FUSE_EXPIRE_ONLY.
 */
#define VNG_VIRTIO_FS_F_NOTIFICATION	0
#define VNG_FUSE_EXPIRE_ONLY		0x1U	/* inval_entry flags bit 0 */
#define VNG_NAME_MAX			255

struct vng_notify_inval_inode_out {
	__u64	ino;
	__s64	off;
	__s64	len;
};

struct vng_notify_inval_entry_out {
	__u64	parent;
	__u32	namelen;
	__u32	flags;		/* 7.38+; padding before */
};

struct vng_notify_delete_out {
	__u64	parent;
	__u64	child;
	__u32	namelen;
	__u32	padding;
};

/* The largest fixed part of a notify message we handle. */
#define VNG_NOTIFY_FIXED_MAX	sizeof(struct vng_notify_inval_inode_out)
/*
 * notify_buf_size bounds: room for the header and every fixed part at
 * least; at most 64 KiB of payload plus a name (more is a host that wants
 * the guest's memory, not a bigger message).
 */
#define VNG_NOTIFY_BUF_MIN	(sizeof(struct fuse_out_header) + \
				 VNG_NOTIFY_FIXED_MAX)
#define VNG_NOTIFY_BUF_MAX	(65536 + VNG_NAME_MAX + 1)
/* The longest message vng_check_notify() accepts: a name of VNG_NAME_MAX. */
#define VNG_NOTIFY_MSG_MAX	(sizeof(struct fuse_out_header) + \
				 sizeof(struct vng_notify_delete_out) + \
				 VNG_NAME_MAX + 1)

enum vng_notify_fault {
	VNG_NOTIFY_OK,
	VNG_NOTIFY_SHORT,	/* shorter than fuse_out_header */
	VNG_NOTIFY_LEN,		/* out.len differs from what the device wrote */
	VNG_NOTIFY_UNIQUE,	/* unique is not 0 */
	VNG_NOTIFY_UNKNOWN,	/* a code we do not handle */
	VNG_NOTIFY_SIZE,	/* payload size wrong for the code */
	VNG_NOTIFY_NAME,	/* name length out of bounds or not terminated */
	VNG_NOTIFY_FLAGS,	/* unknown inval_entry flags */
};

static inline const char *vng_notify_fault_str(enum vng_notify_fault f)
{
	switch (f) {
	case VNG_NOTIFY_OK:
		return "ok";
	case VNG_NOTIFY_SHORT:
		return "shorter than its header";
	case VNG_NOTIFY_LEN:
		return "header length differs from the bytes written";
	case VNG_NOTIFY_UNIQUE:
		return "unique id is not 0";
	case VNG_NOTIFY_UNKNOWN:
		return "unknown notify code";
	case VNG_NOTIFY_SIZE:
		return "payload size wrong for its code";
	case VNG_NOTIFY_NAME:
		return "name length or terminator wrong";
	case VNG_NOTIFY_FLAGS:
		return "unknown flags";
	}
	return "unknown fault";
}

/* A checked notify message; name points into the caller's buffer. */
struct vng_notify_msg {
	s32 code;		/* FUSE_NOTIFY_* */
	u64 nodeid;		/* INVAL_INODE: ino; else the parent */
	u64 child;		/* DELETE */
	__s64 off;		/* INVAL_INODE */
	__s64 len;
	u32 flags;		/* INVAL_ENTRY: VNG_FUSE_EXPIRE_ONLY */
	u32 namelen;		/* INVAL_ENTRY, DELETE: without the NUL */
	const char *name;	/* NUL-terminated, no NUL inside */
};

/* A name of namelen bytes at p, followed by its NUL and nothing else. */
static inline enum vng_notify_fault
vng_notify_name(const unsigned char *p, u32 rest, u32 namelen)
{
	u32 i;

	if (!namelen || namelen > VNG_NAME_MAX)
		return VNG_NOTIFY_NAME;
	if (rest != namelen + 1)
		return VNG_NOTIFY_SIZE;
	for (i = 0; i < namelen; i++)
		if (!p[i])
			return VNG_NOTIFY_NAME;
	return p[namelen] ? VNG_NOTIFY_NAME : VNG_NOTIFY_OK;
}

/*
 * Checks a notify message the device wrote @used bytes of into @buf (the
 * driver's own buffer: a notification buffer is returned to us, the host
 * no longer writes it).  A host of protocol @minor < 38 has padding where
 * inval_entry's flags are: ignored.  Fills *m on VNG_NOTIFY_OK; m->code is
 * set as soon as the header was readable, for messages.
 */
static inline enum vng_notify_fault
vng_check_notify(const void *buf, u32 used, u32 minor,
		 struct vng_notify_msg *m)
{
	const unsigned char *p = (const unsigned char *)buf;
	struct fuse_out_header oh;
	u32 len;

	m->code = 0;
	if (used < sizeof(oh))
		return VNG_NOTIFY_SHORT;
	__builtin_memcpy(&oh, p, sizeof(oh));
	m->code = oh.error;
	if (oh.len != used)
		return VNG_NOTIFY_LEN;
	if (oh.unique != 0)
		return VNG_NOTIFY_UNIQUE;
	p += sizeof(oh);
	len = used - sizeof(oh);

	switch (oh.error) {
	case FUSE_NOTIFY_INVAL_INODE: {
		struct vng_notify_inval_inode_out o;

		if (len != sizeof(o))
			return VNG_NOTIFY_SIZE;
		__builtin_memcpy(&o, p, sizeof(o));
		m->nodeid = o.ino;
		m->off = o.off;
		m->len = o.len;
		return VNG_NOTIFY_OK;
	}
	case FUSE_NOTIFY_INVAL_ENTRY: {
		struct vng_notify_inval_entry_out o;

		if (len < sizeof(o))
			return VNG_NOTIFY_SIZE;
		__builtin_memcpy(&o, p, sizeof(o));
		m->flags = minor >= 38 ? o.flags : 0;
		if (m->flags & ~VNG_FUSE_EXPIRE_ONLY)
			return VNG_NOTIFY_FLAGS;
		m->nodeid = o.parent;
		m->namelen = o.namelen;
		m->name = (const char *)p + sizeof(o);
		return vng_notify_name(p + sizeof(o), len - sizeof(o),
				       o.namelen);
	}
	case FUSE_NOTIFY_DELETE: {
		struct vng_notify_delete_out o;

		if (len < sizeof(o))
			return VNG_NOTIFY_SIZE;
		__builtin_memcpy(&o, p, sizeof(o));
		m->nodeid = o.parent;
		m->child = o.child;
		m->namelen = o.namelen;
		m->name = (const char *)p + sizeof(o);
		return vng_notify_name(p + sizeof(o), len - sizeof(o),
				       o.namelen);
	}
	}
	return VNG_NOTIFY_UNKNOWN;
}

#endif
