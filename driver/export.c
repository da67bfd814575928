// SPDX-License-Identifier: GPL-2.0
/*
 * NFS export: a file handle is the host's (nodeid, generation).  Decoding
 * one finds the inode in our cache, or, when the host offers
 * FUSE_EXPORT_SUPPORT, asks it with a LOOKUP of "." on the nodeid.  The
 * generation must match, so a handle of a deleted file whose nodeid was
 * reused resolves to -ESTALE, never to the new file.
 *
 * Handle layout (u32 words): nodeid hi, nodeid lo, generation, and for a
 * connectable handle the parent's nodeid hi, lo and generation.
 */
#include <linux/exportfs.h>
#include <linux/fs.h>

#include "fs.h"

#define VNG_FH_LEN		3
#define VNG_FH_LEN_PARENT	6
/* our own fileid_type values (0..255, distinct from the generic ones) */
#define VNG_FILEID		0x81
#define VNG_FILEID_PARENT	0x82

struct vng_handle {
	u64 nodeid;
	u32 generation;
};

static int vng_encode_fh(struct inode *inode, u32 *fh, int *max_len,
			 struct inode *parent)
{
	int len = parent ? VNG_FH_LEN_PARENT : VNG_FH_LEN;
	u64 nodeid;

	if (*max_len < len) {
		*max_len = len;
		return FILEID_INVALID;
	}
	nodeid = vng_nodeid(inode);
	fh[0] = (u32)(nodeid >> 32);
	fh[1] = (u32)nodeid;
	fh[2] = inode->i_generation;
	if (parent) {
		nodeid = vng_nodeid(parent);
		fh[3] = (u32)(nodeid >> 32);
		fh[4] = (u32)nodeid;
		fh[5] = parent->i_generation;
	}
	*max_len = len;
	return parent ? VNG_FILEID_PARENT : VNG_FILEID;
}

static int vng_export_test(struct inode *inode, void *data)
{
	return vng_nodeid(inode) == *(u64 *)data;
}

static struct dentry *vng_get_dentry(struct super_block *sb,
				     const struct vng_handle *h)
{
	struct vng_conn *conn = vng_sb_conn(sb);
	struct inode *inode;

	if (!h->nodeid)
		return ERR_PTR(-ESTALE);

	inode = ilookup5(sb, h->nodeid, vng_export_test, (void *)&h->nodeid);
	if (!inode) {
		struct fuse_entry_out out;
		const struct qstr dot = QSTR_INIT(".", 1);
		int err;

		if (!vng_conn_has(conn, FUSE_EXPORT_SUPPORT))
			return ERR_PTR(-ESTALE);
		err = vng_lookup_name(sb, h->nodeid, &dot, &out, &inode);
		if (err == -ENOENT)
			return ERR_PTR(-ESTALE);
		if (err)
			return ERR_PTR(err);
		if (!inode)
			return ERR_PTR(-ESTALE);
		/* "." of a node must be that node */
		if (vng_nodeid(inode) != h->nodeid) {
			iput(inode);
			return ERR_PTR(-EIO);
		}
	}
	if (inode->i_generation != h->generation || vng_is_bad(inode)) {
		iput(inode);
		return ERR_PTR(-ESTALE);
	}
	return d_obtain_alias(inode);
}

static struct dentry *vng_fh_to_dentry(struct super_block *sb,
				       struct fid *fid, int fh_len,
				       int fh_type)
{
	struct vng_handle h;

	if ((fh_type != VNG_FILEID && fh_type != VNG_FILEID_PARENT) ||
	    fh_len < VNG_FH_LEN)
		return NULL;
	h.nodeid = (u64)fid->raw[0] << 32 | fid->raw[1];
	h.generation = fid->raw[2];
	return vng_get_dentry(sb, &h);
}

static struct dentry *vng_fh_to_parent(struct super_block *sb,
				       struct fid *fid, int fh_len,
				       int fh_type)
{
	struct vng_handle h;

	if (fh_type != VNG_FILEID_PARENT || fh_len < VNG_FH_LEN_PARENT)
		return NULL;
	h.nodeid = (u64)fid->raw[3] << 32 | fid->raw[4];
	h.generation = fid->raw[5];
	return vng_get_dentry(sb, &h);
}

static struct dentry *vng_get_parent(struct dentry *child)
{
	struct inode *dir = d_inode(child);
	struct super_block *sb = dir->i_sb;
	const struct qstr dotdot = QSTR_INIT("..", 2);
	struct fuse_entry_out out;
	struct inode *inode;
	int err;

	if (!vng_conn_has(vng_sb_conn(sb), FUSE_EXPORT_SUPPORT))
		return ERR_PTR(-ESTALE);
	err = vng_lookup_name(sb, vng_nodeid(dir), &dotdot, &out, &inode);
	if (err == -ENOENT)
		return ERR_PTR(-ESTALE);
	if (err)
		return ERR_PTR(err);
	if (!inode)
		return ERR_PTR(-ESTALE);
	if (!S_ISDIR(inode->i_mode)) {
		iput(inode);
		return ERR_PTR(-EIO);
	}
	return d_obtain_alias(inode);
}

const struct export_operations vng_export_operations = {
	.encode_fh	= vng_encode_fh,
	.fh_to_dentry	= vng_fh_to_dentry,
	.fh_to_parent	= vng_fh_to_parent,
	.get_parent	= vng_get_parent,
};
