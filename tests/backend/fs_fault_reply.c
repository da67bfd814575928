// SPDX-License-Identifier: GPL-2.0
/*
 * The --fault corruptions that rewrite a reply's payload field by field
 * (fs_fault.h: shrink, offcycle, submount): a host that lies in ways a
 * header check cannot see.  The reply is handed over flat, as the guest
 * will read it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "fs_fault.h"
#include "fs_internal.h"

#define OH	sizeof(struct fuse_out_header)

/* GETATTR/SETATTR: the host says the file is half as long as it is. */
static void shrink_attr(unsigned char *p, long len, uint32_t opcode)
{
	size_t off = OH + offsetof(struct fuse_attr_out, attr) +
		     offsetof(struct fuse_attr, size);
	uint64_t size;

	if ((opcode != FUSE_GETATTR && opcode != FUSE_SETATTR) ||
	    (size_t)len < off + sizeof(size))
		return;
	memcpy(&size, p + off, sizeof(size));
	size /= 2;
	memcpy(p + off, &size, sizeof(size));
}

/*
 * READDIR(PLUS): the first entry alone, with an offset that sends the
 * guest round 1 -> 2 -> 3 -> 1 (0 leads into the cycle), never back to
 * where it asked from, so only a guest that remembers more than its last
 * offset sees the loop.
 */
static long offcycle(unsigned char *p, long len, uint32_t opcode,
		     const void *arg, size_t arglen)
{
	size_t head = opcode == FUSE_READDIRPLUS ?
		      offsetof(struct fuse_direntplus, dirent) : 0;
	struct fuse_read_in in;
	struct fuse_dirent d;
	size_t rec;

	if ((opcode != FUSE_READDIR && opcode != FUSE_READDIRPLUS) ||
	    arglen < sizeof(in) || (size_t)len < OH + head + sizeof(d))
		return len;
	memcpy(&in, arg, sizeof(in));
	memcpy(&d, p + OH + head, sizeof(d));
	rec = head + FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + d.namelen);
	if (OH + rec > (size_t)len)
		return len;
	d.off = in.offset % 3 + 1;
	memcpy(p + OH + head, &d, sizeof(d));
	return (long)(OH + rec);
}

static void mark_dir(unsigned char *p, size_t attr_off, long len)
{
	struct fuse_attr a;

	if ((size_t)len < attr_off + sizeof(a))
		return;
	memcpy(&a, p + attr_off, sizeof(a));
	if (S_ISDIR(a.mode)) {
		a.flags |= FUSE_ATTR_SUBMOUNT;
		memcpy(p + attr_off, &a, sizeof(a));
	}
}

/* FUSE_ATTR_SUBMOUNT on directories from a host that did not grant it. */
static void submount(unsigned char *p, long len, uint32_t opcode)
{
	size_t pos, rec;

	switch (opcode) {
	case FUSE_INIT:
		if ((size_t)len >= OH + offsetof(struct fuse_init_out, flags) +
				   sizeof(uint32_t)) {
			struct fuse_init_out *o = (void *)(p + OH);

			o->flags &= ~(uint32_t)FUSE_SUBMOUNTS;
		}
		break;
	case FUSE_LOOKUP:
		mark_dir(p, OH + offsetof(struct fuse_entry_out, attr), len);
		break;
	case FUSE_READDIRPLUS:
		for (pos = OH; pos + sizeof(struct fuse_direntplus) <=
			       (size_t)len; pos += rec) {
			struct fuse_direntplus dp;

			memcpy(&dp, p + pos, sizeof(dp));
			rec = offsetof(struct fuse_direntplus, dirent) +
			      FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET +
						dp.dirent.namelen);
			if (dp.entry_out.nodeid)
				mark_dir(p, pos + offsetof(struct fuse_direntplus,
							   entry_out.attr),
					 len);
		}
		break;
	}
}

long fs_fault_mangle(void *reply, long len, uint32_t opcode,
		     enum fs_fault_corrupt how, const void *arg,
		     size_t arglen)
{
	unsigned char *p = reply;
	struct fuse_out_header oh;

	if (len < (long)OH)
		return len;
	memcpy(&oh, p, sizeof(oh));
	if (oh.error)
		return len;
	switch (how) {
	case FS_CORRUPT_SHRINK:
		shrink_attr(p, len, opcode);
		break;
	case FS_CORRUPT_OFFCYCLE:
		len = offcycle(p, len, opcode, arg, arglen);
		break;
	case FS_CORRUPT_SUBMOUNT:
		submount(p, len, opcode);
		break;
	default:
		break;
	}
	oh.len = (uint32_t)len;
	memcpy(p, &oh, sizeof(oh));
	return len;
}
