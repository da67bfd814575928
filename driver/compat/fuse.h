/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The FUSE wire protocol is a stable ABI, but a kernel's uapi
 * <linux/fuse.h> only describes the protocol minor of its own release.
 * The driver speaks 7.36+ (INIT flags2, open_flags, extended setxattr,
 * SYNCFS, TMPFILE) whatever the kernel it is built for: older headers get
 * the newer structs and constants here.  The structs that grew are
 * renamed away while the old header is read, then defined with the
 * present layout.  Included by compat.h, before anything else includes
 * <linux/fuse.h>.
 */
#ifndef VNG_COMPAT_FUSE_H
#define VNG_COMPAT_FUSE_H

#ifndef HAVE_FUSE_INIT_FLAGS2
#define fuse_init_in		vng_uapi_fuse_init_in
#define fuse_init_out		vng_uapi_fuse_init_out
#define fuse_open_in		vng_uapi_fuse_open_in
#define fuse_create_in		vng_uapi_fuse_create_in
#define fuse_setxattr_in	vng_uapi_fuse_setxattr_in
#endif

#include <linux/fuse.h>
#include <linux/magic.h>
#include <linux/bits.h>

#ifndef HAVE_FUSE_INIT_FLAGS2
#undef fuse_init_in
#undef fuse_init_out
#undef fuse_open_in
#undef fuse_create_in
#undef fuse_setxattr_in

struct fuse_init_in {
	__u32	major;
	__u32	minor;
	__u32	max_readahead;
	__u32	flags;
	__u32	flags2;
	__u32	unused[11];
};

struct fuse_init_out {
	__u32	major;
	__u32	minor;
	__u32	max_readahead;
	__u32	flags;
	__u16	max_background;
	__u16	congestion_threshold;
	__u32	max_write;
	__u32	time_gran;
	__u16	max_pages;
	__u16	map_alignment;
	__u32	flags2;
	__u32	unused[7];
};

struct fuse_open_in {
	__u32	flags;
	__u32	open_flags;
};

struct fuse_create_in {
	__u32	flags;
	__u32	mode;
	__u32	umask;
	__u32	open_flags;
};

struct fuse_setxattr_in {
	__u32	size;
	__u32	flags;
	__u32	setxattr_flags;
	__u32	padding;
};
#endif

#if FUSE_KERNEL_MINOR_VERSION < 34
struct fuse_syncfs_in {
	__u64	padding;
};
#endif

/* INIT flags */
#ifndef FUSE_HANDLE_KILLPRIV_V2
#define FUSE_HANDLE_KILLPRIV_V2	BIT(28)
#endif
#ifndef FUSE_SETXATTR_EXT
#define FUSE_SETXATTR_EXT	BIT(29)
#endif
#ifndef FUSE_INIT_EXT
#define FUSE_INIT_EXT		BIT(30)
#endif
#ifndef FUSE_INIT_RESERVED
#define FUSE_INIT_RESERVED	BIT(31)
#endif

/* per-request flags */
#ifndef FATTR_KILL_SUIDGID
#define FATTR_KILL_SUIDGID	BIT(11)
#endif
#ifndef FUSE_OPEN_KILL_SUIDGID
#define FUSE_OPEN_KILL_SUIDGID	BIT(0)
#endif
#ifndef FUSE_WRITE_KILL_SUIDGID
#define FUSE_WRITE_KILL_SUIDGID	FUSE_WRITE_KILL_PRIV
#endif
#ifndef FUSE_SETXATTR_ACL_KILL_SGID
#define FUSE_SETXATTR_ACL_KILL_SGID	BIT(0)
#endif
#ifndef FOPEN_NOFLUSH
#define FOPEN_NOFLUSH		BIT(5)
#endif
#ifndef FUSE_COMPAT_SETXATTR_IN_SIZE
#define FUSE_COMPAT_SETXATTR_IN_SIZE	8
#endif

/* opcodes, an enum in the header: absent ones are added as constants */
#if FUSE_KERNEL_MINOR_VERSION < 34
#define FUSE_SYNCFS		50
#endif
#if FUSE_KERNEL_MINOR_VERSION < 37
#define FUSE_TMPFILE		51
#endif

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC	0x65735546
#endif

#endif /* VNG_COMPAT_FUSE_H */
