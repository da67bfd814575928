/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Idmapped mounts: inode operations take a struct mnt_idmap * (6.3+), a
 * struct user_namespace * (5.12 to 6.2) or nothing (before).  The driver
 * declares the parameter with VNG_IDMAP_PARAM (which brings its own comma),
 * passes it on with VNG_IDMAP_PASS (VNG_IDMAP_INIT_PASS: the
 * identity mapping, for calls the VFS did not make), and names the value VNG_IDMAP when it
 * calls a vng_* wrapper below.  Included by compat.h only.
 */
#ifndef VNG_COMPAT_IDMAP_H
#define VNG_COMPAT_IDMAP_H

#if defined(HAVE_IOP_MNT_IDMAP)
typedef struct mnt_idmap vng_idmap_t;
#define VNG_IDMAP_PARAM		vng_idmap_t *idmap,
#define VNG_IDMAP_PASS		idmap,
#define VNG_IDMAP_INIT_PASS	&nop_mnt_idmap,
#define VNG_IDMAP		idmap
#elif defined(HAVE_IOP_USER_NS)
typedef struct user_namespace vng_idmap_t;
#define VNG_IDMAP_PARAM		vng_idmap_t *idmap,
#define VNG_IDMAP_PASS		idmap,
#define VNG_IDMAP_INIT_PASS	&init_user_ns,
#define VNG_IDMAP		idmap
#else
/* No idmapped mounts: the wrappers get (and ignore) a NULL. */
struct vng_no_idmap;
typedef struct vng_no_idmap vng_idmap_t;
#define VNG_IDMAP_PARAM
#define VNG_IDMAP_PASS
#define VNG_IDMAP		((vng_idmap_t *)NULL)
#define VNG_IDMAP_INIT_PASS
#endif

static inline void vng_generic_fillattr(vng_idmap_t *idmap, u32 request_mask,
					struct inode *inode, struct kstat *stat)
{
#if defined(HAVE_GENERIC_FILLATTR_REQUEST_MASK)
	generic_fillattr(idmap, request_mask, inode, stat);
#elif defined(HAVE_IOP_MNT_IDMAP) || defined(HAVE_IOP_USER_NS)
	generic_fillattr(idmap, inode, stat);
#else
	generic_fillattr(inode, stat);
#endif
}

static inline int vng_generic_permission(vng_idmap_t *idmap,
					 struct inode *inode, int mask)
{
#if defined(HAVE_IOP_MNT_IDMAP) || defined(HAVE_IOP_USER_NS)
	return generic_permission(idmap, inode, mask);
#else
	return generic_permission(inode, mask);
#endif
}

static inline int vng_setattr_prepare(vng_idmap_t *idmap,
				      struct dentry *dentry, struct iattr *ia)
{
#if defined(HAVE_SETATTR_PREPARE_IDMAP) || defined(HAVE_SETATTR_PREPARE_USERNS)
	return setattr_prepare(idmap, dentry, ia);
#else
	return setattr_prepare(dentry, ia);
#endif
}

#ifdef CONFIG_FS_POSIX_ACL
static inline int vng_posix_acl_update_mode(vng_idmap_t *idmap,
					    struct inode *inode,
					    umode_t *mode,
					    struct posix_acl **acl)
{
#if defined(HAVE_IOP_MNT_IDMAP) || defined(HAVE_IOP_USER_NS)
	return posix_acl_update_mode(idmap, inode, mode, acl);
#else
	return posix_acl_update_mode(inode, mode, acl);
#endif
}
#endif

/*
 * Whether the caller may keep the set-group-ID bit of inode: member of its
 * group as seen through the mount, or CAP_FSETID over it.
 */
static inline bool vng_in_group_or_capable(vng_idmap_t *idmap,
					   struct inode *inode, int cap)
{
#if defined(HAVE_IOP_MNT_IDMAP)
	return vfsgid_in_group_p(i_gid_into_vfsgid(idmap, inode)) ||
	       capable_wrt_inode_uidgid(idmap, inode, cap);
#elif defined(HAVE_IOP_USER_NS)
	return in_group_p(i_gid_into_mnt(idmap, inode)) ||
	       capable_wrt_inode_uidgid(idmap, inode, cap);
#else
	return in_group_p(inode->i_gid) || capable_wrt_inode_uidgid(inode, cap);
#endif
}

/*
 * ACLs.  6.2 split ->get_acl into ->get_inode_acl (the old inode-based one,
 * with an RCU flag since 5.15) and a dentry-based ->get_acl, and made
 * ->set_acl take a dentry.  The driver writes
 *	struct posix_acl *vng_get_acl(VNG_GET_ACL_ARGS(inode, type, rcu))
 *	int vng_set_acl(VNG_IDMAP_PARAM VNG_SET_ACL_TARGET, ...)
 * with the inode from VNG_SET_ACL_INODE, and initialises the operation
 * tables with VNG_IOP_ACL(get, set).
 */
#ifdef HAVE_IOP_GET_ACL_RCU
#define VNG_GET_ACL_ARGS(in, ty, rc)				\
	struct inode *in, int ty, bool rc
#define VNG_GET_ACL_RCU(rc)	(rc)
#elif defined(HAVE_IOP_GET_INODE_ACL)
#define VNG_GET_ACL_ARGS(in, ty, rc)				\
	struct inode *in, int ty, bool rc
#define VNG_GET_ACL_RCU(rc)	(rc)
#else
#define VNG_GET_ACL_ARGS(in, ty, rc)				\
	struct inode *in, int ty
#define VNG_GET_ACL_RCU(rc)	false
#endif

#ifdef HAVE_IOP_SET_ACL_DENTRY
#define VNG_SET_ACL_TARGET	struct dentry *vng_acl_dentry
#define VNG_SET_ACL_INODE	d_inode(vng_acl_dentry)
#else
#define VNG_SET_ACL_TARGET	struct inode *vng_acl_inode
#define VNG_SET_ACL_INODE	vng_acl_inode
#endif

#ifdef HAVE_IOP_GET_INODE_ACL
#define VNG_IOP_ACL(get, set)	.get_inode_acl = (get), .set_acl = (set)
#else
#define VNG_IOP_ACL(get, set)	.get_acl = (get), .set_acl = (set)
#endif

#ifdef CONFIG_FS_POSIX_ACL
/* Fills value[size] with acl in xattr form; the length or -errno. */
static inline int vng_posix_acl_to_xattr(struct user_namespace *ns,
					 const struct posix_acl *acl,
					 void *value, size_t size)
{
#ifdef HAVE_POSIX_ACL_TO_XATTR_ALLOC
	size_t len = 0;
	void *x;

	x = posix_acl_to_xattr(ns, acl, &len, GFP_KERNEL);
	if (IS_ERR_OR_NULL(x))
		return x ? PTR_ERR(x) : -ENOMEM;
	if (len > size) {
		kfree(x);
		return -ERANGE;
	}
	memcpy(value, x, len);
	kfree(x);
	return len;
#else
	return posix_acl_to_xattr(ns, acl, value, size);
#endif
}
#endif

/*
 * Before 6.2 the filesystem lists the kernel's ACL xattr handlers itself;
 * since then the VFS routes the ACL xattrs to the inode operations.
 */
#if defined(CONFIG_FS_POSIX_ACL) && defined(HAVE_POSIX_ACL_XATTR_HANDLER) && \
	!defined(HAVE_IOP_GET_INODE_ACL)
#define VNG_POSIX_ACL_XATTR_HANDLERS					\
	&posix_acl_access_xattr_handler,				\
	&posix_acl_default_xattr_handler,
#else
#define VNG_POSIX_ACL_XATTR_HANDLERS
#endif

/* Before 6.1 ->tmpfile gets a dentry: O_TMPFILE is not offered there. */
#ifdef HAVE_IOP_TMPFILE_FILE
#define VNG_IOP_TMPFILE(fn)	.tmpfile = (fn),
#else
#define VNG_IOP_TMPFILE(fn)
#endif

/* 6.15: ->mkdir returns the dentry it used (NULL: the one passed in). */
#ifdef HAVE_IOP_MKDIR_DENTRY
#define VNG_MKDIR_RET		struct dentry *
#define VNG_MKDIR_RETURN(err)	ERR_PTR(err)
#else
#define VNG_MKDIR_RET		int
#define VNG_MKDIR_RETURN(err)	(err)
#endif

#endif /* VNG_COMPAT_IDMAP_H */
