/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals shared by the FUSE passthrough server files (fs_*.c).  Nothing
 * here is visible to the transport: it only sees fs_server.h.
 */
#ifndef FS_INTERNAL_H
#define FS_INTERNAL_H

#include <linux/fuse.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fs_server.h"

struct fs_fault;
struct fs_fuzz;
struct fs_watch;

/* Largest WRITE payload / READ reply we negotiate (FUSE max_write). */
#define FS_MAX_WRITE		(1024u * 1024u)
#define FS_MAX_PAGES		(FS_MAX_WRITE / 4096u)
/* Room for the header and in-args on top of the largest payload. */
#define FS_MAX_REQ		(FS_MAX_WRITE + 64u * 1024u + 8192u)
/* No reply may be larger than this (READ, READDIR, GETXATTR, LISTXATTR). */
#define FS_MAX_REPLY		(FS_MAX_WRITE + 4096u)
/*
 * The protocol minor we implement; we answer min(guest, this).  7.39 only
 * added FUSE_STATX (below) and the FUSE_DIRECT_IO_ALLOW_MMAP flag, which
 * we never grant: no struct a guest reads changes size or meaning.
 */
#define FS_OUR_MINOR		39u
/* log2 of the alignment of DAX mapping offsets and lengths (pages) */
#define FS_MAP_ALIGN_SHIFT	12u
/* Oldest guest minor whose struct sizes we handle. */
#define FS_MIN_MINOR		12u

/*
 * FUSE_STATX (7.39): our own copy of its structs under our own names, so
 * the server builds against Debian 12's 7.38 <linux/fuse.h> and a newer
 * one alike.  Bit for bit the layout of the kernel's uapi.
 */
#define FS_FUSE_STATX		52u
/* fuse_statx_in.getattr_flags: fh names the open file (FUSE_GETATTR_FH) */
#define FS_STATX_GETATTR_FH	(1u << 0)

struct fs_fuse_sx_time {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct fs_fuse_statx {
	uint32_t mask;
	uint32_t blksize;
	uint64_t attributes;
	uint32_t nlink;
	uint32_t uid;
	uint32_t gid;
	uint16_t mode;
	uint16_t spare0[1];
	uint64_t ino;
	uint64_t size;
	uint64_t blocks;
	uint64_t attributes_mask;
	struct fs_fuse_sx_time atime;
	struct fs_fuse_sx_time btime;
	struct fs_fuse_sx_time ctime;
	struct fs_fuse_sx_time mtime;
	uint32_t rdev_major;
	uint32_t rdev_minor;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t spare2[14];
};

struct fs_fuse_statx_in {
	uint32_t getattr_flags;
	uint32_t reserved;
	uint64_t fh;
	uint32_t sx_flags;
	uint32_t sx_mask;
};

struct fs_fuse_statx_out {
	uint64_t attr_valid;
	uint32_t attr_valid_nsec;
	uint32_t flags;
	uint64_t spare[2];
	struct fs_fuse_statx stat;
};

_Static_assert(sizeof(struct fs_fuse_statx) == 256, "fuse_statx layout");
_Static_assert(sizeof(struct fs_fuse_statx_in) == 24, "fuse_statx_in layout");
_Static_assert(sizeof(struct fs_fuse_statx_out) == 288,
	       "fuse_statx_out layout");

/* op return value meaning "send no reply at all" (FORGET, INTERRUPT) */
#define FS_NOREPLY		1
/* op return value: the reply comes later (fs_lock.c, a waiting SETLKW) */
#define FS_DEFERRED		2

/*
 * One host inode the guest holds a reference to.  fd is an O_PATH,
 * O_NOFOLLOW descriptor; every operation goes through it with *at() calls
 * or /proc/self/fd/N, never through a path below the shared dir.
 */
struct fs_inode {
	uint64_t nodeid;
	dev_t dev;
	ino_t ino;
	mode_t type;		/* S_IFMT bits; an inode never changes type */
	int fd;
	uint64_t nlookup;	/* guest references (LOOKUP, CREATE, ...) */
	unsigned int pins;	/* requests using it right now */
	bool hashed;		/* still reachable from the tables */
	struct fs_inode *next_id, *next_key;
};

/* A lock owner's own open file description, for OFD locks. */
struct fs_lock_owner {
	uint64_t owner;
	int fd;
	struct fs_lock_owner *next;
};

struct fs_handle {
	uint64_t fh;
	int fd;
	bool is_dir;
	uint64_t nodeid;
	unsigned int pins;
	bool hashed;
	pthread_mutex_t lock;	/* dir position, lock owners */
	struct fs_lock_owner *owners;
	struct fs_handle *next;
};

struct fs_inode_table {
	pthread_mutex_t lock;
	struct fs_inode **by_id, **by_key;
	size_t nbuckets, count;
	uint64_t next_nodeid;
	struct fs_inode *root;
};

struct fs_handle_table {
	pthread_mutex_t lock;
	struct fs_handle **buckets;
	size_t nbuckets, count;
	uint64_t next_fh;
};

/*
 * In-memory POSIX record and flock locks (fs_lock.c): per inode, keyed by
 * the guest's lock_owner, plus the SETLKW requests waiting for them.
 */
struct fs_lock_inode;
struct fs_lock_waiter;

struct fs_lock_table {
	pthread_mutex_t lock;
	struct fs_lock_inode *inodes;
	struct fs_lock_waiter *waiters, **waiters_tail;	/* FIFO */
	fs_complete_fn *complete;
};

/*
 * Replies held back by --fault OPCODE:delay-async:MS (fs_delay.c), with
 * the timer thread that sends them when due.
 */
struct fs_delayed;

struct fs_delay_table {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* CLOCK_MONOTONIC */
	struct fs_delayed *list;	/* earliest first */
	pthread_t thread;
	bool started, stop;
	fs_complete_fn *complete;
};

struct fs_server {
	struct fs_config cfg;
	char *shared_dir;
	int proc_self_fd;	/* /proc/self/fd, for reopening O_PATH fds */
	int root_dirfd;		/* readable fd on the shared dir, for syncfs */
	bool switch_creds;	/* we are root: run requests as the caller */
	struct fs_inode_table inodes;
	struct fs_handle_table handles;
	struct fs_fault *fault;
	struct fs_fuzz *fuzz;		/* --fuzz, NULL = replies as they are */
	struct fs_lock_table locks;
	struct fs_delay_table delays;
	struct fs_watch *watch;		/* --notify, NULL = not watching */

	atomic_bool initialized;
	atomic_uint proto_minor;
	atomic_uint init_flags;	/* the INIT flags granted this session */
	atomic_ulong nrequests;
	atomic_bool exit_now;
};

/* One request in flight. */
struct fs_req {
	struct fs_server *srv;
	const struct fuse_in_header *in;
	const unsigned char *arg;	/* bytes after the in header */
	size_t arglen, argpos;
	unsigned char *out;		/* reply payload (after the out header) */
	size_t outlen;			/* bytes of payload to send */
	size_t outcap;			/* what the guest's buffers can take */
	/* for deferring the reply (FS_DEFERRED): token NULL = cannot */
	void *token;
	const struct iovec *wr;
	int nwr;
};

/* fs_req.c: argument parsing and reply building */
const void *req_arg(struct fs_req *r, size_t size);
const char *req_name(struct fs_req *r, int *err);
const char *req_str(struct fs_req *r, size_t maxlen, int *err);
size_t req_left(const struct fs_req *r);
const void *req_rest(struct fs_req *r, size_t *len);
void *reply_buf(struct fs_req *r, size_t size);

/* fs_inode.c */
int fs_inode_init(struct fs_server *srv, int rootfd);
void fs_inode_destroy(struct fs_server *srv);
struct fs_inode *fs_inode_get(struct fs_server *srv, uint64_t nodeid);
void fs_inode_put(struct fs_server *srv, struct fs_inode *ino);
int fs_inode_add(struct fs_server *srv, int fd, const struct stat *st,
		 uint64_t *nodeid);
void fs_inode_forget(struct fs_server *srv, uint64_t nodeid, uint64_t n);
void fs_inode_reset(struct fs_server *srv);
size_t fs_inode_count(struct fs_server *srv);
uint64_t fs_inode_nlookup(struct fs_server *srv, uint64_t nodeid);
/* the nodeid the guest knows (dev, ino) by, 0 if none */
uint64_t fs_inode_find(struct fs_server *srv, dev_t dev, ino_t ino);

/* fs_watch.c */
void fs_watch_free(struct fs_watch *w);
/*
 * fs_watch_inotify.c: a modifying request is about to run; the inotify
 * source (which does not learn who made a change) remembers what it
 * touches, so the events it causes are not sent back as host changes.
 */
void fs_watch_own_op(struct fs_server *srv, const struct fuse_in_header *in,
		     const unsigned char *arg, size_t arglen);

/* fs_handle.c */
int fs_handle_init(struct fs_server *srv);
void fs_handle_destroy(struct fs_server *srv);
uint64_t fs_handle_add(struct fs_server *srv, int fd, bool is_dir,
		       uint64_t nodeid);
struct fs_handle *fs_handle_get(struct fs_server *srv, uint64_t fh,
				bool is_dir);
void fs_handle_put(struct fs_server *srv, struct fs_handle *h);
int fs_handle_remove(struct fs_server *srv, uint64_t fh, bool is_dir);
void fs_handle_reset(struct fs_server *srv);
size_t fs_handle_count(struct fs_server *srv);

/* fs_cred.c: run a request with the caller's fsuid/fsgid */
struct fs_cred_saved {
	bool switched;
	mode_t umask;
	bool umask_set;
};
int fs_cred_enter(struct fs_server *srv, uid_t uid, gid_t gid,
		  struct fs_cred_saved *saved);
void fs_cred_leave(struct fs_server *srv, struct fs_cred_saved *saved);
void fs_cred_root(struct fs_server *srv, bool root);
mode_t fs_cred_umask(struct fs_cred_saved *saved, mode_t mode, mode_t umask);
void fs_cred_leave_umask(struct fs_cred_saved *saved);

/* fs_util.c */
int fs_check_name(const char *name);
void fs_fill_attr(struct fuse_attr *a, const struct stat *st);
/* attr.flags that depend on the server's options (FUSE_ATTR_DAX) */
void fs_fill_attr_flags(const struct fs_server *srv, struct fuse_attr *a,
			const struct stat *st);
uint64_t fs_timeout(const struct fs_server *srv);
void fs_fill_entry(const struct fs_server *srv, struct fuse_entry_out *e,
		   uint64_t nodeid, const struct stat *st);
/*
 * Takes fd (an O_PATH descriptor), gives the guest one more reference to
 * its inode and fills its entry; st gets the inode's stat.
 */
int fs_entry_of_fd(struct fs_server *srv, int fd, struct fuse_entry_out *e,
		   struct stat *st);
int fs_lookup_name(struct fs_server *srv, struct fs_inode *dir,
		   const char *name, struct fuse_entry_out *e);
bool fs_is_submount(const struct fs_server *srv, const struct fs_inode *dir,
		    const char *name, const struct stat *st);
int fs_reopen(struct fs_server *srv, struct fs_inode *ino, int flags);
void fs_proc_path(char *buf, size_t len, int fd);
int fs_stat(int fd, struct stat *st);
uint32_t fs_open_flags(const struct fs_server *srv, bool is_dir);
bool fs_is_readonly_open(uint32_t flags);

/* operation handlers: 0 + reply in r, FS_NOREPLY, or -errno */
typedef int fs_op_fn(struct fs_req *r);

fs_op_fn fs_op_lookup, fs_op_forget, fs_op_batch_forget, fs_op_getattr,
	fs_op_setattr, fs_op_readlink, fs_op_symlink, fs_op_mknod, fs_op_mkdir,
	fs_op_unlink, fs_op_rmdir, fs_op_rename, fs_op_rename2, fs_op_link,
	fs_op_statfs, fs_op_access, fs_op_statx;
fs_op_fn fs_op_open, fs_op_create, fs_op_tmpfile, fs_op_read, fs_op_write,
	fs_op_release, fs_op_flush, fs_op_fsync, fs_op_fallocate, fs_op_lseek,
	fs_op_copy_file_range, fs_op_syncfs, fs_op_setupmapping,
	fs_op_removemapping;
fs_op_fn fs_op_opendir, fs_op_readdir, fs_op_readdirplus, fs_op_releasedir,
	fs_op_fsyncdir;
fs_op_fn fs_op_setxattr, fs_op_getxattr, fs_op_listxattr,
	fs_op_removexattr;
fs_op_fn fs_op_getlk, fs_op_setlk, fs_op_setlkw;

/* fs_ops_lock.c: drop a handle's per-owner lock descriptors (unused now) */
void fs_lock_owners_free(struct fs_handle *h);

/* fs_lock.c: the lock table */
#define FS_LOCK_OFFSET_MAX	0x7fffffffffffffffULL
void fs_lock_init(struct fs_server *srv);
void fs_lock_destroy(struct fs_server *srv);
/* every lock goes, every waiting SETLKW ends with -EINTR */
void fs_lock_reset(struct fs_server *srv);
int fs_lock_get(struct fs_server *srv, uint64_t nodeid,
		const struct fuse_lk_in *in, struct fuse_file_lock *out);
/* 0, -EAGAIN, -EINVAL, or (wait) FS_DEFERRED / what the wait ended in */
int fs_lock_set(struct fs_req *r, uint64_t nodeid,
		const struct fuse_lk_in *in, bool wait);
/* owner closed the file (FLUSH: POSIX locks) or fh was released (flock) */
void fs_lock_release_owner(struct fs_server *srv, uint64_t nodeid,
			   uint64_t owner, bool flock);
/* FUSE_INTERRUPT: a waiting SETLKW with this unique ends with -EINTR */
bool fs_lock_interrupt(struct fs_server *srv, uint64_t unique);
bool fs_lock_cancel(struct fs_server *srv, void *token);

/* fs_delay.c: replies held back by delay-async */
void fs_delay_init(struct fs_server *srv);
/* drops what is held without answering it (the transport is gone) */
void fs_delay_destroy(struct fs_server *srv);
void fs_delay_set_complete(struct fs_server *srv, fs_complete_fn *complete);
/*
 * Holds reply (len bytes, malloc'ed; ours from then on) for ms, then
 * copies it into wr and calls the completion hook with token.  0, or a
 * negative errno (no hook set, no memory): reply is still the caller's.
 */
int fs_delay_add(struct fs_server *srv, void *token, const struct iovec *wr,
		 int nwr, unsigned char *reply, long len, unsigned int ms,
		 uint64_t unique, uint32_t opcode);
/* Answers token's held reply -EINTR now; false if none is held. */
bool fs_delay_cancel(struct fs_server *srv, void *token);

#endif
