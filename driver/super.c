// SPDX-License-Identifier: GPL-2.0
/*
 * The superblock: filesystem type registration, mount options, one
 * superblock per tag, statfs, syncfs and /proc/mounts options.
 *
 * Filesystem type names.  "virtiofs_ng" is always registered so the driver
 * can be reached by a name nobody else claims.  "virtiofs" is registered
 * too when no other filesystem holds that name at load time: then plain
 * `mount -t virtiofs TAG DIR` reaches us directly.  register_filesystem()
 * refusing a taken name with -EBUSY is the whole check: looking the name
 * up with get_fs_type() would autoload the kernel's own virtiofs.ko
 * ("fs-virtiofs") and so take the name from us.  A superblock is shared by
 * mounts of the same tag through the same type name; a tag mounted through
 * both names gets two superblocks on the one session.
 */
#include <linux/backing-dev.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/magic.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/pagemap.h>
#include <linux/posix_acl.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/string.h>

#include "dax.h"
#include "fs.h"

/* Room for the tag list in the "unknown tag" message */
#define VNG_TAGS_MSG_LEN	256

enum {
	OPT_ROOTMODE,
	OPT_USER_ID,
	OPT_GROUP_ID,
	OPT_DEFAULT_PERMISSIONS,
	OPT_ALLOW_OTHER,
	OPT_DAX,
	OPT_DAX_ENUM,
	OPT_CACHE,
	OPT_WATCH,
};

static const struct constant_table vng_dax_enums[] = {
	{ "always",	VNG_DAX_ALWAYS },
	{ "never",	VNG_DAX_NEVER },
	{ "inode",	VNG_DAX_INODE },
	{}
};

static const struct constant_table vng_cache_enums[] = {
	{ "auto",	VNG_CACHE_AUTO },
	{ "none",	VNG_CACHE_NONE },
	{ "always",	VNG_CACHE_ALWAYS },
	{ "metadata",	VNG_CACHE_METADATA },
	{}
};

static const struct fs_parameter_spec vng_fs_parameters[] = {
	fsparam_u32oct("rootmode",	OPT_ROOTMODE),
	fsparam_u32("user_id",		OPT_USER_ID),
	fsparam_u32("group_id",		OPT_GROUP_ID),
	fsparam_flag_no("default_permissions", OPT_DEFAULT_PERMISSIONS),
	fsparam_flag_no("allow_other",	OPT_ALLOW_OTHER),
	fsparam_flag("dax",		OPT_DAX),
	fsparam_enum("dax",		OPT_DAX_ENUM, vng_dax_enums),
	fsparam_enum("cache",		OPT_CACHE, vng_cache_enums),
	fsparam_string("watch",		OPT_WATCH),
	{}
};

/*
 * fc->fs_private.  A submount context (FS_CONTEXT_FOR_SUBMOUNT, from
 * vng_d_automount) also names the parent superblock and the node that
 * becomes the new root; it shares the parent's session and options.
 */
struct vng_fs_ctx {
	struct vng_mount_opts opts;
	struct super_block *parent_sb;
	u64 root_nodeid;
	/* given explicitly: a remount may not change them */
	bool cache_set;
};

/* watch=notify|poll[:MS]|off (watch.h) */
static int vng_parse_watch(struct fs_context *fc, struct vng_mount_opts *o,
			   const char *val)
{
	unsigned int ms = VNG_POLL_MS_DEFAULT;

	if (!strcmp(val, "off")) {
		o->watch = VNG_WATCH_OFF;
	} else if (!strcmp(val, "notify")) {
		o->watch = VNG_WATCH_NOTIFY;
	} else if (!strncmp(val, "poll", 4) &&
		   (!val[4] || val[4] == ':')) {
		if (val[4] && kstrtouint(val + 5, 10, &ms))
			return invalfc(fc, "watch=%s: the interval is a number of milliseconds",
				       val);
		if (ms < VNG_POLL_MS_MIN || ms > VNG_POLL_MS_MAX)
			return invalfc(fc, "watch=%s: the interval must be %u..%u ms",
				       val, VNG_POLL_MS_MIN, VNG_POLL_MS_MAX);
		o->watch = VNG_WATCH_POLL;
	} else {
		return invalfc(fc, "watch=%s: use notify, poll, poll:MS or off",
			       val);
	}
	o->watch_ms = ms;
	o->watch_set = true;
	return 0;
}

/*
 * watch= against what the session offers: not given means the notification
 * queue when the host has one, else nothing.
 */
static int vng_resolve_watch(struct fs_context *fc, struct vng_mount_opts *o,
			     const struct vng_conn *conn)
{
	if (!o->watch_set)
		o->watch = vng_conn_has_notify(conn) ? VNG_WATCH_NOTIFY :
						       VNG_WATCH_OFF;
	if (o->watch == VNG_WATCH_NOTIFY && !vng_conn_has_notify(conn))
		return invalfc(fc, "watch=notify: '%s' has no notification queue; use poll",
			       vng_conn_tag(conn));
	return 0;
}

static const char *vng_cache_name(enum vng_cache_policy c)
{
	switch (c) {
	case VNG_CACHE_AUTO:
		return "auto";
	case VNG_CACHE_NONE:
		return "none";
	case VNG_CACHE_ALWAYS:
		return "always";
	case VNG_CACHE_METADATA:
		return "metadata";
	}
	return "auto";
}

static const char *vng_dax_name(enum vng_dax_mode d)
{
	switch (d) {
	case VNG_DAX_NEVER:
		return "never";
	case VNG_DAX_ALWAYS:
		return "always";
	case VNG_DAX_INODE:
		return "inode";
	}
	return "never";
}

static int vng_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct vng_fs_ctx *ctx = fc->fs_private;
	struct vng_mount_opts *o = &ctx->opts;
	struct fs_parse_result result;
	kuid_t uid;
	kgid_t gid;
	int opt;

	opt = fs_parse(fc, vng_fs_parameters, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case OPT_ROOTMODE:
		/* the host's root must be a directory, so must this */
		if (result.uint_32 & ~(S_IFMT | 07777) ||
		    ((result.uint_32 & S_IFMT) &&
		     (result.uint_32 & S_IFMT) != S_IFDIR))
			return invalfc(fc, "invalid rootmode %o",
				       result.uint_32);
		o->rootmode = S_IFDIR | (result.uint_32 & 07777);
		o->rootmode_set = true;
		break;
	case OPT_USER_ID:
		uid = make_kuid(fc->user_ns, result.uint_32);
		if (!uid_valid(uid))
			return invalfc(fc, "invalid user_id %u",
				       result.uint_32);
		o->user_id = uid;
		o->user_id_set = true;
		break;
	case OPT_GROUP_ID:
		gid = make_kgid(fc->user_ns, result.uint_32);
		if (!gid_valid(gid))
			return invalfc(fc, "invalid group_id %u",
				       result.uint_32);
		o->group_id = gid;
		o->group_id_set = true;
		break;
	case OPT_DEFAULT_PERMISSIONS:
		o->default_permissions = !result.negated;
		break;
	case OPT_ALLOW_OTHER:
		o->allow_other = !result.negated;
		break;
	case OPT_DAX:
		o->dax = VNG_DAX_ALWAYS;
		o->dax_set = true;
		break;
	case OPT_DAX_ENUM:
		o->dax = result.uint_32;
		o->dax_set = true;
		break;
	case OPT_CACHE:
		o->cache = result.uint_32;
		ctx->cache_set = true;
		break;
	case OPT_WATCH:
		return vng_parse_watch(fc, o, param->string);
	default:
		return -EINVAL;
	}
	return 0;
}

/* ---- super_operations ------------------------------------------------- */

static int vng_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct super_block *sb = dentry->d_sb;
	struct vng_conn *conn = vng_sb_conn(sb);
	struct fuse_statfs_out out = {};
	struct vng_args args = {};
	struct fuse_kstatfs *st = &out.st;
	ssize_t err;

	if (!vng_allow_current_process(sb)) {
		buf->f_type = FUSE_SUPER_MAGIC;
		return 0;
	}

	args.opcode = FUSE_STATFS;
	args.nodeid = vng_nodeid(d_inode(dentry));
	args.out_numargs = 1;
	args.out_args[0].size = sizeof(out);
	args.out_args[0].value = &out;
	err = vng_request(conn, &args);
	if (err < 0)
		return err;

	if (!st->bsize || st->namelen > 0xffff) {
		vng_conn_err(conn, "STATFS: invalid block size %u or name length %u",
			     st->bsize, st->namelen);
		return -EIO;
	}
	/* counters that contradict each other are clamped, not trusted */
	buf->f_type = FUSE_SUPER_MAGIC;
	buf->f_bsize = st->bsize;
	buf->f_frsize = st->frsize ? st->frsize : st->bsize;
	buf->f_blocks = st->blocks;
	buf->f_bfree = min(st->bfree, st->blocks);
	buf->f_bavail = min(st->bavail, buf->f_bfree);
	buf->f_files = st->files;
	buf->f_ffree = min(st->ffree, st->files);
	buf->f_namelen = st->namelen;
	return 0;
}

static int vng_sync_fs(struct super_block *sb, int wait)
{
	struct vng_conn *conn = vng_sb_conn(sb);
	struct fuse_syncfs_in in = {};
	struct vng_args args = {};
	ssize_t err;

	/* the non-waiting pass has nothing to start: data goes per inode */
	if (!wait || !sb->s_root)
		return 0;
	if (vng_conn_no(conn, VNG_NO_SYNCFS) || !conn->connected)
		return 0;

	args.opcode = FUSE_SYNCFS;
	args.nodeid = vng_nodeid(d_inode(sb->s_root));
	args.in_numargs = 1;
	args.in_args[0].size = sizeof(in);
	args.in_args[0].value = &in;
	err = vng_request(conn, &args);
	if (vng_unimplemented(err)) {
		vng_conn_set_no(conn, VNG_NO_SYNCFS);
		err = 0;
	}
	return err;
}

static int vng_show_options(struct seq_file *m, struct dentry *root)
{
	struct super_block *sb = root->d_sb;
	const struct vng_mount_opts *o = &vng_sb(sb)->opts;

	seq_printf(m, ",cache=%s", vng_cache_name(o->cache));
	seq_printf(m, ",dax=%s", vng_dax_name(o->dax));
	if (o->watch == VNG_WATCH_POLL)
		seq_printf(m, ",watch=poll:%u", o->watch_ms);
	else
		seq_printf(m, ",watch=%s",
			   o->watch == VNG_WATCH_NOTIFY ? "notify" : "off");
	if (o->rootmode_set)
		seq_printf(m, ",rootmode=%o", o->rootmode);
	if (o->user_id_set)
		seq_printf(m, ",user_id=%u",
			   from_kuid_munged(sb->s_user_ns, o->user_id));
	if (o->group_id_set)
		seq_printf(m, ",group_id=%u",
			   from_kgid_munged(sb->s_user_ns, o->group_id));
	if (o->default_permissions)
		seq_puts(m, ",default_permissions");
	if (o->allow_other)
		seq_puts(m, ",allow_other");
	return 0;
}

/* The tag, also for submounts, which have no source of their own. */
static int vng_show_devname(struct seq_file *m, struct dentry *root)
{
	seq_escape(m, vng_conn_tag(vng_sb_conn(root->d_sb)), " \t\n\\");
	return 0;
}

static void vng_umount_begin(struct super_block *sb)
{
	vng_conn_umount_begin(vng_sb_conn(sb));
}

static const struct super_operations vng_super_ops = {
	.alloc_inode	= vng_alloc_inode,
	.free_inode	= vng_free_inode,
	.evict_inode	= vng_evict_inode,
	.statfs		= vng_statfs,
	.sync_fs	= vng_sync_fs,
	.show_options	= vng_show_options,
	.show_devname	= vng_show_devname,
	.umount_begin	= vng_umount_begin,
};

/* ---- mounting --------------------------------------------------------- */

static int vng_bdi_init(struct super_block *sb)
{
	struct vng_conn *conn = vng_sb_conn(sb);
	unsigned long ra;
	int err;

	err = super_setup_bdi(sb);
	if (err)
		return err;
	ra = conn->max_readahead / PAGE_SIZE;
	sb->s_bdi->ra_pages = min_t(unsigned long, ra, VM_READAHEAD_PAGES * 4);
	/*
	 * Like fuse: the host may be slow to write back, so dirty pages of
	 * this filesystem must not eat the machine's whole dirty budget.
	 */
	sb->s_bdi->capabilities |= BDI_CAP_STRICTLIMIT;
	bdi_set_max_ratio(sb->s_bdi, 1);
	return 0;
}

static int vng_fill_super(struct super_block *sb, u64 root_nodeid)
{
	struct vng_sb *vsb = vng_sb(sb);
	struct vng_conn *conn = vsb->conn;
	struct inode *root;
	int err;

	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = FUSE_SUPER_MAGIC;
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_time_gran = clamp_t(u32, conn->time_gran, 1, NSEC_PER_SEC);
	sb->s_op = &vng_super_ops;
	sb->s_xattr = vng_xattr_handlers;
	sb->s_export_op = &vng_export_operations;
	sb->s_iflags |= SB_I_IMA_UNVERIFIABLE_SIGNATURE;
	sb->s_flags &= ~(SB_NOSEC | SB_I_VERSION);
	if (vng_conn_has(conn, FUSE_POSIX_ACL))
		sb->s_flags |= SB_POSIXACL;

	err = vng_bdi_init(sb);
	if (err)
		return err;

	root = vng_root_inode(sb, root_nodeid);
	if (IS_ERR(root))
		return PTR_ERR(root);
	/* the root cannot be revalidated: it gets its own dentry ops */
	set_default_d_op(sb, &vng_root_dentry_operations);
	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;
	set_default_d_op(sb, &vng_dentry_operations);

	/* -EAGAIN: the session's last unmount got there first */
	return vng_conn_add_sb(conn, &vsb->conn_entry);
}

/* A mount of a tag shares the tag's superblock, never a submount's. */
static int vng_test_super(struct super_block *sb, struct fs_context *fc)
{
	struct vng_sb *new = fc->s_fs_info;
	struct vng_sb *old = vng_sb(sb);

	return old && old->conn == new->conn && !old->submount;
}

static int vng_set_super(struct super_block *sb, struct fs_context *fc)
{
	struct vng_sb *vsb = fc->s_fs_info;
	int err;

	err = set_anon_super_fc(sb, fc);
	if (err)
		return err;
	vsb->sb = sb;
	sb->s_fs_info = vsb;
	fc->s_fs_info = NULL;
	return 0;
}

static bool vng_watch_poll(struct super_block *sb)
{
	return vng_sb(sb)->opts.watch == VNG_WATCH_POLL;
}

static bool vng_same_opts(const struct vng_mount_opts *a,
			  const struct vng_mount_opts *b)
{
	return a->cache == b->cache && a->dax == b->dax &&
	       a->watch == b->watch && a->watch_ms == b->watch_ms &&
	       a->default_permissions == b->default_permissions &&
	       a->allow_other == b->allow_other;
}

/*
 * Builds the vng_sb a new superblock would get and finds or creates the
 * superblock: test NULL always creates one (submounts).
 */
static int vng_get_sb(struct fs_context *fc, struct vng_conn *conn,
		      const struct vng_mount_opts *o, u64 root_nodeid,
		      int (*test)(struct super_block *, struct fs_context *))
{
	struct super_block *sb;
	struct vng_sb *vsb;
	int err;

	vsb = kzalloc(sizeof(*vsb), GFP_KERNEL);
	if (!vsb) {
		vng_conn_put(conn);
		return -ENOMEM;
	}
	vsb->conn = conn;
	vsb->opts = *o;
	vsb->submount = root_nodeid != VNG_ROOT_ID;
	INIT_LIST_HEAD(&vsb->conn_entry);

	fc->s_fs_info = vsb;
	sb = sget_fc(fc, test, vng_set_super);
	if (fc->s_fs_info) {
		/* an existing superblock (or an error): ours is not needed */
		fc->s_fs_info = NULL;
		kfree(vsb);
		vng_conn_put(conn);
	}
	if (IS_ERR(sb))
		return PTR_ERR(sb);

	if (!sb->s_root) {
		err = vng_fill_super(sb, root_nodeid);
		if (!err && vng_watch_poll(sb))
			err = vng_poll_start(sb, vng_sb(sb)->opts.watch_ms);
		if (err) {
			deactivate_locked_super(sb);
			return err;
		}
		sb->s_flags |= SB_ACTIVE;
	} else if (!vng_same_opts(&vng_sb(sb)->opts, o)) {
		/* one superblock per tag: the first mount's options rule */
		warnfc(fc, "'%s' is mounted already: sharing its options cache=%s,dax=%s",
		       fc->source, vng_cache_name(vng_sb(sb)->opts.cache),
		       vng_dax_name(vng_sb(sb)->opts.dax));
	}
	fc->root = dget(sb->s_root);
	return 0;
}

static int vng_get_tree_submount(struct fs_context *fc)
{
	struct vng_fs_ctx *ctx = fc->fs_private;
	struct vng_sb *parent = vng_sb(ctx->parent_sb);

	vng_conn_get(parent->conn);
	return vng_get_sb(fc, parent->conn, &parent->opts, ctx->root_nodeid,
			  NULL);
}

static int vng_get_tree(struct fs_context *fc)
{
	struct vng_fs_ctx *ctx = fc->fs_private;
	struct vng_mount_opts *o = &ctx->opts;
	struct vng_conn *conn;
	bool closing;
	int err;

	if (fc->purpose == FS_CONTEXT_FOR_SUBMOUNT)
		return vng_get_tree_submount(fc);

	if (!fc->source || !*fc->source)
		return invalfc(fc, "no tag given: mount -t %s TAG DIR",
			       fc->fs_type->name);

again:
	conn = vng_conn_get_by_tag(fc->source);
	if (IS_ERR(conn)) {
		err = PTR_ERR(conn);
		if (err == -ENODEV) {
			char *tags = kzalloc(VNG_TAGS_MSG_LEN, GFP_KERNEL);

			if (tags)
				vng_conn_list_tags(tags, VNG_TAGS_MSG_LEN);
			errorfc(fc, "no virtio-fs device with tag '%s'; present: %s",
				fc->source, tags && *tags ? tags : "none");
			kfree(tags);
		} else if (err == -EBUSY) {
			errorfc(fc, "virtio-fs device '%s' is going away",
				fc->source);
		} else {
			errorfc(fc, "cannot start a session on '%s': error %d",
				fc->source, err);
		}
		return err;
	}

	/*
	 * DAX hook: dax=always needs the window; dax=inode without one
	 * serves every file through the page cache.
	 */
	if (o->dax != VNG_DAX_NEVER) {
		const char *why = vng_dax_unusable(conn);

		if (why && o->dax == VNG_DAX_ALWAYS) {
			vng_conn_put(conn);
			errorfc(fc, "dax=always: no DAX on '%s': %s; use dax=inode or dax=never",
				fc->source, why);
			return -EINVAL;
		}
		if (why)
			infofc(fc, "dax=inode: no DAX on '%s' (%s): files use the page cache",
			       fc->source, why);
	}

	err = vng_resolve_watch(fc, o, conn);
	if (err) {
		vng_conn_put(conn);
		return err;
	}

	/* our own reference, to tell a lost race from other errors */
	vng_conn_get(conn);
	err = vng_get_sb(fc, conn, o, VNG_ROOT_ID, vng_test_super);
	closing = err && READ_ONCE(conn->closing);
	vng_conn_put(conn);
	/*
	 * The last unmount of the tag closed the session after we got it:
	 * vng_conn_get_by_tag() waits for the teardown this time.
	 */
	if (closing)
		goto again;
	return err;
}

static void vng_free_fc(struct fs_context *fc)
{
	struct vng_sb *vsb = fc->s_fs_info;

	if (vsb) {
		vng_conn_put(vsb->conn);
		kfree(vsb);
	}
	kfree(fc->fs_private);
}

/*
 * mount -o remount: ro/rw and the other generic flags are applied by the
 * VFS.  The options of the session cannot change under open files, but
 * mount(8) repeats them all on remount, so the same values are accepted;
 * watch= alone may change.
 */
static int vng_reconfigure(struct fs_context *fc)
{
	struct vng_fs_ctx *ctx = fc->fs_private;
	struct super_block *sb = fc->root->d_sb;
	struct vng_mount_opts *cur = &vng_sb(sb)->opts;
	struct vng_mount_opts *o = &ctx->opts;
	int err;

	if (ctx->cache_set && ctx->opts.cache != cur->cache)
		return invalfc(fc, "cache= cannot be changed by remount (is %s)",
			       vng_cache_name(cur->cache));
	if (ctx->opts.dax_set && ctx->opts.dax != cur->dax)
		return invalfc(fc, "dax= cannot be changed by remount (is %s)",
			       vng_dax_name(cur->dax));
	/* watch= may change: polling starts, stops or changes its pace */
	if (o->watch_set) {
		err = vng_resolve_watch(fc, o, vng_sb_conn(sb));
		if (err)
			return err;
		if (o->watch == VNG_WATCH_POLL)
			err = vng_poll_start(sb, o->watch_ms);
		else
			vng_poll_stop(sb);
		if (err)
			return err;
		WRITE_ONCE(cur->watch, o->watch);
		WRITE_ONCE(cur->watch_ms, o->watch_ms);
	}
	sync_filesystem(sb);
	return 0;
}

static const struct fs_context_operations vng_context_ops = {
	.free		= vng_free_fc,
	.parse_param	= vng_parse_param,
	.get_tree	= vng_get_tree,
	.reconfigure	= vng_reconfigure,
};

static int vng_init_fs_context(struct fs_context *fc)
{
	struct vng_fs_ctx *ctx;
	struct vng_mount_opts *o;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	o = &ctx->opts;
	/*
	 * The kernel's virtiofs behaves as default_permissions,allow_other:
	 * the guest kernel checks the mode bits and every user may enter.
	 */
	o->cache = VNG_CACHE_AUTO;
	o->dax = VNG_DAX_NEVER;
	o->default_permissions = true;
	o->allow_other = true;
	o->user_id = GLOBAL_ROOT_UID;
	o->group_id = GLOBAL_ROOT_GID;
	o->rootmode = S_IFDIR | 0755;
	fc->fs_private = ctx;
	fc->ops = &vng_context_ops;
	return 0;
}

/*
 * A directory the host marked FUSE_ATTR_SUBMOUNT (another filesystem on
 * the host) becomes its own superblock on first access, so it gets its
 * own st_dev like on the host.  It shares the session and the options.
 */
struct vfsmount *vng_d_automount(struct path *path)
{
	struct inode *inode = d_inode(path->dentry);
	struct vng_fs_ctx *ctx;
	struct fs_context *fc;
	struct vfsmount *mnt;

	fc = fs_context_for_submount(path->mnt->mnt_sb->s_type, path->dentry);
	if (IS_ERR(fc))
		return ERR_CAST(fc);
	ctx = fc->fs_private;
	ctx->parent_sb = path->dentry->d_sb;
	ctx->root_nodeid = vng_nodeid(inode);
	mnt = fc_mount(fc);
	/* before 6.17 the VFS drops one of two references (compat.h) */
	if (VNG_AUTOMOUNT_EXTRA_REF && !IS_ERR(mnt))
		mntget(mnt);
	put_fs_context(fc);
	return mnt;
}

static void vng_kill_sb(struct super_block *sb)
{
	struct vng_sb *vsb = vng_sb(sb);
	bool last = false;

	/* no poll may reach the host once the session starts to end */
	vng_poll_stop(sb);
	if (vsb && !list_empty(&vsb->conn_entry))
		last = vng_conn_del_sb(vsb->conn, &vsb->conn_entry);
	/*
	 * The last filesystem of the session: end it before the inodes are
	 * evicted, which waits for every page lock.  A READ the host never
	 * answered holds one until it finishes; after DESTROY the host has
	 * forgotten every node anyway, so the FORGETs of eviction are moot.
	 */
	if (last && sb->s_root) {
		sync_filesystem(sb);
		vng_conn_shutdown(vsb->conn);
	}
	/* off the list: no new pins; a host change finishes with its inodes */
	if (vsb)
		vng_hostchange_unpin_wait(vsb);
	kill_anon_super(sb);
	if (!vsb)
		return;
	vng_conn_put(vsb->conn);
	kfree(vsb);
}

static struct file_system_type vng_fs_type_ng = {
	.owner			= THIS_MODULE,
	.name			= "virtiofs_ng",
	.init_fs_context	= vng_init_fs_context,
	.parameters		= vng_fs_parameters,
	.kill_sb		= vng_kill_sb,
};

static struct file_system_type vng_fs_type_virtiofs = {
	.owner			= THIS_MODULE,
	.name			= "virtiofs",
	.init_fs_context	= vng_init_fs_context,
	.parameters		= vng_fs_parameters,
	.kill_sb		= vng_kill_sb,
};

MODULE_ALIAS_FS("virtiofs_ng");
MODULE_ALIAS_FS("virtiofs");

static bool vng_owns_virtiofs;

int vng_fs_register(void)
{
	int err;

	err = register_filesystem(&vng_fs_type_ng);
	if (err)
		return err;
	err = register_filesystem(&vng_fs_type_virtiofs);
	if (!err) {
		vng_owns_virtiofs = true;
	} else if (err == -EBUSY) {
		pr_info("virtiofs_ng: the kernel's virtiofs holds the name \"virtiofs\"; mount with -t virtiofs_ng\n");
	} else {
		unregister_filesystem(&vng_fs_type_ng);
		return err;
	}
	return 0;
}

void vng_fs_unregister(void)
{
	if (vng_owns_virtiofs)
		unregister_filesystem(&vng_fs_type_virtiofs);
	vng_owns_virtiofs = false;
	unregister_filesystem(&vng_fs_type_ng);
}

bool vng_fs_owns_virtiofs_name(void)
{
	return vng_owns_virtiofs;
}
