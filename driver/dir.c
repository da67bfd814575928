// SPDX-License-Identifier: GPL-2.0
/*
 * The namespace: lookup and dentry revalidation, and every operation that
 * creates, links, removes or renames a name, plus symlink bodies.
 *
 * A dentry is trusted until its entry timeout (d_time, a jiffies64 deadline
 * from vng_timeout()) passes; then d_revalidate asks the host again.  Every
 * reply that names a node hands us one lookup reference: it goes into the
 * inode's nlookup through vng_iget(), or straight back with a FORGET when
 * the reply is refused.
 */
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/iversion.h>
#include <linux/namei.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "fs.h"

/* ---- entry timeouts --------------------------------------------------- */

/*
 * d_time is an unsigned long: on 64-bit it holds the whole jiffies64
 * deadline, elsewhere the low half, compared with wrap-safe arithmetic.
 */
static void vng_dentry_set_expiry(struct dentry *dentry, u64 expires)
{
	WRITE_ONCE(dentry->d_time, (unsigned long)expires);
}

static bool vng_dentry_expired(const struct dentry *dentry)
{
	unsigned long t = READ_ONCE(dentry->d_time);

	return !t || time_before_eq(t, (unsigned long)get_jiffies_64());
}

void vng_dentry_settime(struct dentry *dentry, u64 sec, u32 nsec)
{
	vng_dentry_set_expiry(dentry, vng_timeout(dentry->d_sb, sec, nsec));
}

/* The next use of this name asks the host again. */
void vng_invalidate_entry_cache(struct dentry *dentry)
{
	vng_dentry_set_expiry(dentry, 0);
}

struct dentry *vng_dcache_lookup(struct dentry *parent, const struct qstr *name)
{
	struct qstr q = QSTR_INIT(name->name, name->len);

	if (!parent)
		return NULL;
	/* our dentries have no d_hash: the default hash */
	q.hash = full_name_hash(parent, q.name, q.len);
	return d_lookup(parent, &q);
}

struct dentry *vng_dcache_lookup_dir(struct inode *dir, const struct qstr *name)
{
	struct dentry *parent = d_find_alias(dir);
	struct dentry *entry = vng_dcache_lookup(parent, name);

	dput(parent);
	return entry;
}

/*
 * A directory's entries changed: its size, times, nlink and cached listing
 * are stale.  Its mode and owner are not: they stay as fresh as the host's
 * attribute timeout made them, so the permission check of the next name
 * created in it needs no GETATTR (fuse drops them all: one GETATTR of the
 * parent per file created or removed).
 */
#define VNG_DIR_CHANGES	(STATX_MTIME | STATX_CTIME | STATX_SIZE | \
			 STATX_BLOCKS | STATX_NLINK)

static void vng_dir_changed(struct inode *dir)
{
	vng_dircache_invalidate(dir);
	vng_invalidate_attr_mask(dir, VNG_DIR_CHANGES);
	inode_maybe_inc_iversion(dir, false);
}

/* ---- LOOKUP ------------------------------------------------------------ */

static bool vng_is_dot_or_dotdot(const struct qstr *name)
{
	return (name->len == 1 && name->name[0] == '.') ||
	       (name->len == 2 && name->name[0] == '.' && name->name[1] == '.');
}

/*
 * Checks an entry reply for a name.  A refused reply's lookup reference
 * (if any) is given back here.  negative_ok: nodeid 0 means "no such name,
 * remember that for entry_valid" (LOOKUP only).
 */
static int vng_check_entry(struct vng_conn *conn, const struct qstr *name,
			   struct fuse_entry_out *out, bool negative_ok)
{
	const char *why;

	if (!out->nodeid) {
		if (negative_ok)
			return 0;
		why = "node id 0";
		goto bad;
	}
	if (!vng_attr_valid(&out->attr)) {
		why = "invalid attributes";
		goto bad_ref;
	}
	if (out->nodeid == VNG_ROOT_ID) {
		/* the root as a child would make a loop in the tree */
		if (!name || !vng_is_dot_or_dotdot(name)) {
			why = "the root node as a child";
			goto bad_ref;
		}
		if (!S_ISDIR(out->attr.mode)) {
			why = "a root that is not a directory";
			goto bad_ref;
		}
		out->generation = 0;
	}
	return 0;

bad_ref:
	vng_forget(conn, out->nodeid, 1);
bad:
	vng_conn_err(conn, "entry reply for '%.*s': %s",
		     name ? (int)name->len : 0, name ? (const char *)name->name : "",
		     why);
	return -EIO;
}

int vng_lookup_entry(struct vng_conn *conn, u64 nodeid,
		     const struct qstr *name, struct fuse_entry_out *out,
		     unsigned long timeout)
{
	struct vng_args args = {};
	ssize_t err;

	if (name->len > NAME_MAX)
		return -ENAMETOOLONG;
	memset(out, 0, sizeof(*out));
	vng_args_in_out(&args, FUSE_LOOKUP, nodeid,
			name->name, name->len + 1, out, sizeof(*out));
	err = timeout ? vng_request_timeout(conn, &args, timeout) :
			vng_request(conn, &args);
	if (err < 0)
		return err;
	return vng_check_entry(conn, name, out, true);
}

/* FUSE_LOOKUP without instantiating anything: the caller owns the ref. */
static int vng_send_lookup(struct vng_conn *conn, u64 nodeid,
			   const struct qstr *name, struct fuse_entry_out *out)
{
	return vng_lookup_entry(conn, nodeid, name, out, 0);
}

int vng_lookup_name(struct super_block *sb, u64 nodeid, const struct qstr *name,
		    struct fuse_entry_out *out, struct inode **inodep)
{
	struct vng_conn *conn = vng_sb_conn(sb);
	struct inode *inode;
	u64 attr_version;
	int err;

	*inodep = NULL;
	attr_version = atomic64_read(&conn->attr_version);
	err = vng_send_lookup(conn, nodeid, name, out);
	if (err)
		return err;
	if (!out->nodeid)
		return 0;

	inode = vng_iget(sb, out->nodeid, out->generation, &out->attr,
			 vng_timeout(sb, out->attr_valid, out->attr_valid_nsec),
			 attr_version);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	*inodep = inode;
	return 0;
}

static struct dentry *vng_lookup(struct inode *dir, struct dentry *entry,
				 unsigned int flags)
{
	struct fuse_entry_out out;
	struct inode *inode;
	struct dentry *newent;
	bool outvalid = true;
	int err;

	if (vng_is_bad(dir))
		return ERR_PTR(-EIO);
	err = vng_lookup_name(dir->i_sb, vng_nodeid(dir), &entry->d_name,
			      &out, &inode);
	if (err == -ENOENT) {
		/* negative, but not cached: the host gave no timeout */
		outvalid = false;
		err = 0;
	}
	if (err)
		return ERR_PTR(err);

	newent = d_splice_alias(inode, entry);
	if (IS_ERR(newent))
		return newent;
	entry = newent ? newent : entry;
	if (outvalid)
		vng_dentry_settime(entry, out.entry_valid,
				   out.entry_valid_nsec);
	else
		vng_invalidate_entry_cache(entry);
	/* names are being looked up one by one: READDIRPLUS would help */
	if (inode)
		set_bit(VNG_I_ADVISE_RDPLUS, &vng_i(dir)->state);
	return newent;
}

/* ---- dentry operations ------------------------------------------------ */

/*
 * A valid dentry is being walked through.  The first use of a name that
 * READDIRPLUS brought advises its directory to keep using READDIRPLUS
 * (readdir.c); that needs the parent, so not in RCU walk.
 */
static int vng_d_revalidate_used(struct dentry *entry, struct inode *inode,
				 unsigned int flags)
{
	struct dentry *parent;

	if (!inode || !test_bit(VNG_I_INIT_RDPLUS, &vng_i(inode)->state))
		return 1;
	if (flags & LOOKUP_RCU)
		return -ECHILD;
	if (test_and_clear_bit(VNG_I_INIT_RDPLUS, &vng_i(inode)->state)) {
		parent = dget_parent(entry);
		set_bit(VNG_I_ADVISE_RDPLUS, &vng_i(d_inode(parent))->state);
		dput(parent);
	}
	return 1;
}

static int vng_d_revalidate(VNG_D_REVALIDATE_ARGS(entry, flags))
{
	struct fuse_entry_out out;
	struct name_snapshot name;
	struct vng_conn *conn;
	struct dentry *parent;
	struct inode *inode;
	u64 attr_version;
	int err;

	inode = d_inode_rcu(entry);
	if (inode && vng_is_bad(inode))
		return 0;
	if (!vng_dentry_expired(entry) &&
	    !(flags & (LOOKUP_EXCL | LOOKUP_REVAL | LOOKUP_RENAME_TARGET)))
		return vng_d_revalidate_used(entry, inode, flags);
	/* a negative entry is simply looked up again */
	if (!inode)
		return 0;
	if (flags & LOOKUP_RCU)
		return -ECHILD;

	conn = vng_sb_conn(entry->d_sb);
	attr_version = atomic64_read(&conn->attr_version);
	parent = dget_parent(entry);
	take_dentry_name_snapshot(&name, entry);
	err = vng_send_lookup(conn, vng_nodeid(d_inode(parent)), &name.name,
			      &out);
	release_dentry_name_snapshot(&name);
	dput(parent);

	if (!err && !out.nodeid)
		err = -ENOENT;
	if (err == -ENOMEM || err == -EINTR)
		return err;
	if (err)
		return 0;
	if (out.nodeid != vng_nodeid(inode) ||
	    vng_stale_inode(inode, out.generation, &out.attr) ||
	    !!IS_AUTOMOUNT(inode) != vng_attr_submount(conn, &out.attr)) {
		vng_forget(conn, out.nodeid, 1);
		return 0;
	}
	spin_lock(&vng_i(inode)->lock);
	vng_i(inode)->nlookup++;
	spin_unlock(&vng_i(inode)->lock);

	vng_change_attributes(inode, &out.attr,
			      vng_timeout(entry->d_sb, out.attr_valid,
					  out.attr_valid_nsec),
			      attr_version);
	vng_dentry_settime(entry, out.entry_valid, out.entry_valid_nsec);
	return 1;
}

/* Expired entries are dropped at their last dput instead of cached. */
static int vng_d_delete(const struct dentry *dentry)
{
	return vng_dentry_expired(dentry);
}

/* a dentry is stale until a reply sets its timeout */
static int vng_d_init(struct dentry *dentry)
{
	dentry->d_time = 0;
	return 0;
}

const struct dentry_operations vng_dentry_operations = {
	.d_init		= vng_d_init,
	.d_revalidate	= vng_d_revalidate,
	.d_delete	= vng_d_delete,
	.d_automount	= vng_d_automount,
};

/* The root has no parent to look it up in: it is never revalidated. */
const struct dentry_operations vng_root_dentry_operations = {
	.d_init		= vng_d_init,
	.d_automount	= vng_d_automount,
};

/* ---- creating names --------------------------------------------------- */

/*
 * Sends a MKNOD/MKDIR/SYMLINK/LINK prepared in args and instantiates the
 * result at entry.  want_nodeid != 0: the reply must name that node (LINK).
 */
static int vng_create_new_entry(struct vng_args *args, struct inode *dir,
				struct dentry *entry, umode_t mode,
				u64 want_nodeid)
{
	struct super_block *sb = dir->i_sb;
	struct vng_conn *conn = vng_sb_conn(sb);
	struct fuse_entry_out out = {};
	struct inode *inode;
	struct dentry *d;
	u64 attr_version;
	ssize_t ret;
	int err;

	if (vng_is_bad(dir))
		return -EIO;
	args->nodeid = vng_nodeid(dir);
	args->out_numargs = 1;
	args->out_args[0].size = sizeof(out);
	args->out_args[0].value = &out;

	attr_version = atomic64_read(&conn->attr_version);
	ret = vng_request(conn, args);
	if (ret < 0)
		return ret;
	err = vng_check_entry(conn, &entry->d_name, &out, false);
	if (err)
		return err;
	if (((out.attr.mode ^ mode) & S_IFMT) ||
	    (want_nodeid && out.nodeid != want_nodeid)) {
		vng_forget(conn, out.nodeid, 1);
		vng_conn_err(conn, "'%pd' was created as another node or type",
			     entry);
		return -EIO;
	}

	inode = vng_iget(sb, out.nodeid, out.generation, &out.attr,
			 vng_timeout(sb, out.attr_valid, out.attr_valid_nsec),
			 attr_version);
	if (IS_ERR(inode))
		return PTR_ERR(inode);

	d_drop(entry);
	d = d_splice_alias(inode, entry);
	if (IS_ERR(d))
		return PTR_ERR(d);
	if (d) {
		vng_dentry_settime(d, out.entry_valid, out.entry_valid_nsec);
		dput(d);
	} else {
		vng_dentry_settime(entry, out.entry_valid,
				   out.entry_valid_nsec);
	}
	vng_dir_changed(dir);
	return 0;
}

/* The mode sent and the umask: with DONT_MASK the host applies it. */
static umode_t vng_mask_mode(struct vng_conn *conn, umode_t mode)
{
	if (!vng_conn_has(conn, FUSE_DONT_MASK))
		mode &= ~current_umask();
	return mode;
}

static int vng_mknod(VNG_IDMAP_PARAM struct inode *dir,
		     struct dentry *entry, umode_t mode, dev_t rdev)
{
	struct vng_conn *conn = vng_i_conn(dir);
	struct fuse_mknod_in in = {};
	struct vng_args args = {};

	mode = vng_mask_mode(conn, mode);
	in.mode = mode;
	in.rdev = new_encode_dev(rdev);
	in.umask = current_umask();
	args.opcode = FUSE_MKNOD;
	args.in_numargs = 2;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;
	args.in_args[1].size = entry->d_name.len + 1;
	args.in_args[1].value = (void *)entry->d_name.name;
	return vng_create_new_entry(&args, dir, entry, mode, 0);
}

static int vng_create(VNG_IDMAP_PARAM struct inode *dir,
		      struct dentry *entry, umode_t mode, bool excl)
{
	return vng_mknod(VNG_IDMAP_PASS dir, entry, mode | S_IFREG, 0);
}

static VNG_MKDIR_RET vng_mkdir(VNG_IDMAP_PARAM struct inode *dir,
			       struct dentry *entry, umode_t mode)
{
	struct vng_conn *conn = vng_i_conn(dir);
	struct fuse_mkdir_in in = {};
	struct vng_args args = {};

	in.mode = vng_mask_mode(conn, mode);
	in.umask = current_umask();
	args.opcode = FUSE_MKDIR;
	args.in_numargs = 2;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;
	args.in_args[1].size = entry->d_name.len + 1;
	args.in_args[1].value = (void *)entry->d_name.name;
	return VNG_MKDIR_RETURN(vng_create_new_entry(&args, dir, entry, S_IFDIR, 0));
}

static int vng_symlink(VNG_IDMAP_PARAM struct inode *dir,
		       struct dentry *entry, const char *link)
{
	struct vng_args args = {};
	size_t len = strlen(link) + 1;

	if (len > PAGE_SIZE)
		return -ENAMETOOLONG;
	args.opcode = FUSE_SYMLINK;
	args.in_numargs = 2;
	args.in_args[0].size = entry->d_name.len + 1;
	args.in_args[0].value = (void *)entry->d_name.name;
	args.in_args[1].size = len;
	args.in_args[1].value = (void *)link;
	return vng_create_new_entry(&args, dir, entry, S_IFLNK, 0);
}

static int vng_link(struct dentry *old, struct inode *dir,
		    struct dentry *newent)
{
	struct inode *inode = d_inode(old);
	struct fuse_link_in in = {};
	struct vng_args args = {};
	int err;

	in.oldnodeid = vng_nodeid(inode);
	args.opcode = FUSE_LINK;
	args.in_numargs = 2;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;
	args.in_args[1].size = newent->d_name.len + 1;
	args.in_args[1].value = (void *)newent->d_name.name;
	err = vng_create_new_entry(&args, dir, newent, inode->i_mode,
				   vng_nodeid(inode));
	/* nlink and ctime changed (or may have, when interrupted) */
	if (!err || err == -EINTR)
		vng_invalidate_attr(inode);
	return err;
}

/* ---- removing names --------------------------------------------------- */

/* The host removed a name of inode: nlink drops now, the rest is stale. */
static void vng_entry_unlinked(struct dentry *entry)
{
	struct inode *inode = d_inode(entry);
	struct vng_inode *vi = vng_i(inode);

	spin_lock(&vi->lock);
	/* a reply in flight must not bring the old nlink back */
	vi->attr_version = atomic64_inc_return(&vng_i_conn(inode)->attr_version);
	if (S_ISDIR(inode->i_mode))
		clear_nlink(inode);
	else if (inode->i_nlink > 0)
		drop_nlink(inode);
	spin_unlock(&vi->lock);
	vng_invalidate_entry_cache(entry);
	vng_invalidate_attr(inode);
}

static int vng_remove(struct inode *dir, struct dentry *entry, u32 opcode)
{
	struct vng_conn *conn = vng_i_conn(dir);
	struct vng_args args = {};
	ssize_t err;

	if (vng_is_bad(dir))
		return -EIO;
	args.opcode = opcode;
	args.nodeid = vng_nodeid(dir);
	args.in_numargs = 1;
	args.in_args[0].size = entry->d_name.len + 1;
	args.in_args[0].value = (void *)entry->d_name.name;
	err = vng_request(conn, &args);
	if (!err) {
		vng_dir_changed(dir);
		vng_entry_unlinked(entry);
	} else if (err == -EINTR) {
		vng_invalidate_entry_cache(entry);
		vng_dir_changed(dir);
	}
	return err;
}

static int vng_unlink(struct inode *dir, struct dentry *entry)
{
	return vng_remove(dir, entry, FUSE_UNLINK);
}

static int vng_rmdir(struct inode *dir, struct dentry *entry)
{
	return vng_remove(dir, entry, FUSE_RMDIR);
}

/* ---- rename ----------------------------------------------------------- */

static int vng_rename_common(struct inode *olddir, struct dentry *oldent,
			     struct inode *newdir, struct dentry *newent,
			     unsigned int flags, u32 opcode, size_t argsize)
{
	struct vng_conn *conn = vng_i_conn(olddir);
	struct fuse_rename2_in in = {};
	struct vng_args args = {};
	ssize_t err;

	in.newdir = vng_nodeid(newdir);
	in.flags = flags;
	args.opcode = opcode;
	args.nodeid = vng_nodeid(olddir);
	args.in_numargs = 3;
	args.in_args[0].size = argsize;
	args.in_args[0].value = &in;
	args.in_args[1].size = oldent->d_name.len + 1;
	args.in_args[1].value = (void *)oldent->d_name.name;
	args.in_args[2].size = newent->d_name.len + 1;
	args.in_args[2].value = (void *)newent->d_name.name;
	err = vng_request(conn, &args);
	if (!err) {
		vng_invalidate_attr(d_inode(oldent));
		if (flags & RENAME_EXCHANGE)
			vng_invalidate_attr(d_inode(newent));
		vng_dir_changed(olddir);
		if (olddir != newdir)
			vng_dir_changed(newdir);
		/* the target's old node lost this name */
		if (!(flags & RENAME_EXCHANGE) && d_really_is_positive(newent))
			vng_entry_unlinked(newent);
	} else if (err == -EINTR) {
		/* we do not know what happened: look both names up again */
		vng_invalidate_entry_cache(oldent);
		if (d_really_is_positive(newent))
			vng_invalidate_entry_cache(newent);
	}
	return err;
}

static int vng_rename2(VNG_IDMAP_PARAM struct inode *olddir,
		       struct dentry *oldent, struct inode *newdir,
		       struct dentry *newent, unsigned int flags)
{
	struct vng_conn *conn = vng_i_conn(olddir);
	int err;

	if (vng_is_bad(olddir) || vng_is_bad(newdir))
		return -EIO;
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;

	if (!flags)
		return vng_rename_common(olddir, oldent, newdir, newent, 0,
					 FUSE_RENAME,
					 sizeof(struct fuse_rename_in));

	if (vng_conn_no(conn, VNG_NO_RENAME2) || conn->minor < 23)
		return -EINVAL;
	err = vng_rename_common(olddir, oldent, newdir, newent, flags,
				FUSE_RENAME2, sizeof(struct fuse_rename2_in));
	if (vng_unimplemented(err)) {
		vng_conn_set_no(conn, VNG_NO_RENAME2);
		err = -EINVAL;
	}
	return err;
}

/* ---- CREATE and atomic_open ------------------------------------------- */

/* Gives back the handle and node of a CREATE reply we cannot use. */
static void vng_create_abort(struct vng_conn *conn, u64 nodeid, u64 fh,
			     unsigned int flags, bool forget)
{
	struct fuse_release_in in = {};
	struct vng_args args = {};

	in.fh = fh;
	in.flags = flags;
	args.opcode = FUSE_RELEASE;
	args.nodeid = nodeid;
	args.in_numargs = 1;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;
	args.force = true;
	args.nocreds = true;
	vng_request(conn, &args);
	if (forget)
		vng_forget(conn, nodeid, 1);
}

/*
 * FUSE_CREATE (or FUSE_TMPFILE: the same arguments and reply, a node
 * without a name) and open of the result in one round trip.
 */
static int vng_create_open(struct inode *dir, struct dentry *entry,
			   struct file *file, unsigned int flags, umode_t mode,
			   u32 opcode)
{
	struct super_block *sb = dir->i_sb;
	struct vng_conn *conn = vng_sb_conn(sb);
	struct fuse_create_in in = {};
	struct fuse_entry_out out = {};
	struct fuse_open_out outopen = {};
	struct vng_args args = {};
	struct vng_file *ff;
	struct inode *inode;
	u64 attr_version;
	ssize_t ret;
	int err;

	ff = vng_file_alloc(conn);
	if (IS_ERR_OR_NULL(ff))
		return ff ? PTR_ERR(ff) : -ENOMEM;

	/*
	 * Every WRITE carries its offset (file.c); a host fd opened O_APPEND
	 * would append anyway, even after fcntl(F_SETFL) cleared the flag.
	 */
	flags &= ~(O_NOCTTY | O_APPEND);
	mode = vng_mask_mode(conn, mode);
	in.flags = vng_wb_open_flags(dir, flags);
	in.mode = mode;
	in.umask = current_umask();
	/* an O_EXCL create makes a new file: nothing to kill */
	if (vng_conn_has(conn, FUSE_HANDLE_KILLPRIV_V2) && (flags & O_TRUNC) &&
	    !(flags & O_EXCL) && !capable(CAP_FSETID))
		in.open_flags |= FUSE_OPEN_KILL_SUIDGID;

	args.opcode = opcode;
	args.nodeid = vng_nodeid(dir);
	args.in_numargs = 2;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;
	args.in_args[1].size = entry->d_name.len + 1;
	args.in_args[1].value = (void *)entry->d_name.name;
	args.out_numargs = 2;
	args.out_args[0].size = sizeof(out);
	args.out_args[0].value = &out;
	args.out_args[1].size = sizeof(outopen);
	args.out_args[1].value = &outopen;

	attr_version = atomic64_read(&conn->attr_version);
	ret = vng_request(conn, &args);
	if (ret < 0) {
		err = ret;
		goto out_free;
	}
	if (!out.nodeid || out.nodeid == VNG_ROOT_ID ||
	    !vng_attr_valid(&out.attr) || !S_ISREG(out.attr.mode)) {
		vng_conn_err(conn, "%s of '%pd': invalid entry",
			     opcode == FUSE_TMPFILE ? "TMPFILE" : "CREATE",
			     entry);
		if (out.nodeid)
			vng_create_abort(conn, out.nodeid, outopen.fh, flags,
					 true);
		err = -EIO;
		goto out_free;
	}

	ff->fh = outopen.fh;
	ff->nodeid = out.nodeid;
	ff->open_flags = vng_effective_open_flags(sb, outopen.open_flags);

	inode = vng_iget(sb, out.nodeid, out.generation, &out.attr,
			 vng_timeout(sb, out.attr_valid, out.attr_valid_nsec),
			 attr_version);
	if (IS_ERR(inode)) {
		/* vng_iget gave the node reference back already */
		vng_create_abort(conn, out.nodeid, outopen.fh, flags, false);
		err = PTR_ERR(inode);
		goto out_free;
	}

	d_instantiate(entry, inode);
	vng_dentry_settime(entry, out.entry_valid, out.entry_valid_nsec);
	vng_dir_changed(dir);
	err = finish_open(file, entry, generic_file_open);
	if (err) {
		vng_file_release(inode, ff, false, flags);
		return err;
	}
	vng_finish_open(inode, file, ff);
	return 0;

out_free:
	vng_file_free(ff);
	return err;
}

static int vng_atomic_open(struct inode *dir, struct dentry *entry,
			   struct file *file, unsigned int flags,
			   umode_t mode)
{
	struct vng_conn *conn = vng_i_conn(dir);
	struct dentry *res = NULL;
	int err;

	if (vng_is_bad(dir))
		return -EIO;

	if (d_in_lookup(entry)) {
		res = vng_lookup(dir, entry, 0);
		if (IS_ERR(res))
			return PTR_ERR(res);
		if (res)
			entry = res;
	}
	if (!(flags & O_CREAT) || d_really_is_positive(entry))
		goto no_open;

	/* only creates from here on */
	file->f_mode |= FMODE_CREATED;
	if (vng_conn_no(conn, VNG_NO_CREATE))
		goto mknod;
	err = vng_create_open(dir, entry, file, flags, mode, FUSE_CREATE);
	if (vng_unimplemented(err)) {
		vng_conn_set_no(conn, VNG_NO_CREATE);
		goto mknod;
	}
	dput(res);
	return err;

mknod:
	err = vng_mknod(VNG_IDMAP_INIT_PASS dir, entry, mode | S_IFREG, 0);
	if (err) {
		dput(res);
		return err;
	}
no_open:
	return finish_no_open(file, res);
}

/*
 * O_TMPFILE: protocol 7.37.  A host without it answers ENOSYS every time
 * (rare enough not to be worth remembering), which open(2) reports as
 * EOPNOTSUPP, the documented "filesystem cannot do this".
 */
static int __maybe_unused vng_tmpfile(VNG_IDMAP_PARAM struct inode *dir,
				      struct file *file, umode_t mode)
{
	struct vng_conn *conn = vng_i_conn(dir);
	int err;

	if (vng_is_bad(dir))
		return -EIO;
	if (conn->minor < 37)
		return -EOPNOTSUPP;
	err = vng_create_open(dir, file->f_path.dentry, file, file->f_flags,
			      mode, FUSE_TMPFILE);
	if (vng_unimplemented(err))
		err = -EOPNOTSUPP;
	return err;
}

/* ---- symlinks --------------------------------------------------------- */

/* FUSE_READLINK into buf (PAGE_SIZE bytes); returns the length. */
static int vng_readlink_buf(struct inode *inode, char *buf)
{
	struct vng_conn *conn = vng_i_conn(inode);
	struct vng_args args = {};
	ssize_t len;

	if (vng_is_bad(inode))
		return -EIO;
	args.opcode = FUSE_READLINK;
	args.nodeid = vng_nodeid(inode);
	args.out_argvar = true;
	args.out_numargs = 1;
	args.out_args[0].size = PAGE_SIZE - 1;
	args.out_args[0].value = buf;
	len = vng_request(conn, &args);
	if (len < 0)
		return len;
	if (!len || len >= PAGE_SIZE || memchr(buf, '\0', len)) {
		vng_conn_err(conn, "READLINK of node %llu: invalid body",
			     vng_nodeid(inode));
		return -EIO;
	}
	buf[len] = '\0';
	return len;
}

static const char *vng_get_link(struct dentry *dentry, struct inode *inode,
				struct delayed_call *callback)
{
	char *link;
	int err;

	if (vng_is_bad(inode))
		return ERR_PTR(-EIO);
	/* a cached body can be followed in RCU walk (dentry NULL) too */
	if (test_bit(VNG_I_CACHE_SYMLINK, &vng_i(inode)->state))
		return page_get_link(dentry, inode, callback);
	if (!dentry)
		return ERR_PTR(-ECHILD);

	link = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!link)
		return ERR_PTR(-ENOMEM);
	err = vng_readlink_buf(inode, link);
	if (err < 0) {
		kfree(link);
		return ERR_PTR(err);
	}
	set_delayed_call(callback, kfree_link, link);
	return link;
}

/* CACHE_SYMLINKS: the body lives in the page cache (page_get_link) */
static int vng_symlink_read_folio(struct file *file, struct folio *folio)
{
	struct inode *inode = folio_inode(folio);
	char *buf, *kaddr;
	int len;

	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf) {
		len = -ENOMEM;
		goto out;
	}
	len = vng_readlink_buf(inode, buf);
	if (len >= 0) {
		kaddr = kmap_local_folio(folio, 0);
		memcpy(kaddr, buf, len);
		memset(kaddr + len, 0, PAGE_SIZE - len);
		kunmap_local(kaddr);
		folio_mark_uptodate(folio);
	}
	kfree(buf);
out:
	folio_unlock(folio);
	return len < 0 ? len : 0;
}

VNG_DEFINE_READ_FOLIO_ADAPTER(vng_symlink_read_folio)

const struct address_space_operations vng_symlink_aops = {
	VNG_AOPS_READ_FOLIO(vng_symlink_read_folio),
};

const struct inode_operations vng_symlink_inode_operations = {
	.get_link	= vng_get_link,
	.getattr	= vng_getattr,
	.setattr	= vng_setattr,
	.listxattr	= vng_listxattr,
};

const struct inode_operations vng_dir_inode_operations = {
	.lookup		= vng_lookup,
	.create		= vng_create,
	.atomic_open	= vng_atomic_open,
	VNG_IOP_TMPFILE(vng_tmpfile)
	.mknod		= vng_mknod,
	.mkdir		= vng_mkdir,
	.symlink	= vng_symlink,
	.link		= vng_link,
	.unlink		= vng_unlink,
	.rmdir		= vng_rmdir,
	.rename		= vng_rename2,
	.permission	= vng_permission,
	.getattr	= vng_getattr,
	.setattr	= vng_setattr,
	.listxattr	= vng_listxattr,
	VNG_IOP_ACL(vng_get_acl, vng_set_acl),
};
