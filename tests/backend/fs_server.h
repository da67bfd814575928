/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seam between the vhost-user transport (vhost_user.c, virtqueue.c) and
 * the FUSE passthrough server (fs_*.c).  The transport pops a descriptor
 * chain, turns it into two iovec arrays (guest-written bytes and
 * guest-readable buffers), and hands them to fs_server_handle() from the
 * worker thread of the queue the chain came from.  The server never sees
 * guest physical addresses or descriptors; the transport never sees FUSE.
 */
#ifndef FS_SERVER_H
#define FS_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

enum fs_cache_mode {
	FS_CACHE_NONE,		/* FOPEN_DIRECT_IO, zero entry/attr timeouts */
	FS_CACHE_AUTO,		/* 1 s timeouts, cache kept only if unchanged */
	FS_CACHE_ALWAYS,	/* FOPEN_KEEP_CACHE, long timeouts */
};

/*
 * Optional hooks into the transport for the DAX window (FUSE_SETUPMAPPING /
 * FUSE_REMOVEMAPPING).  NULL map means "no window": those opcodes answer
 * -ENOSYS.  Both return 0 or a negative errno.  map replaces mappings
 * lying inside the new range (mmap MAP_FIXED semantics: how a client
 * upgrades a read-only range to writable); unmap removes every mapping
 * inside the range, none being fine.  Either fails with -EINVAL rather
 * than cut an existing mapping in two.
 */
struct fs_dax_ops {
	int (*map)(void *opaque, int fd, uint64_t fd_offset,
		   uint64_t window_offset, uint64_t len, bool writable);
	int (*unmap)(void *opaque, uint64_t window_offset, uint64_t len);
	void *opaque;
	uint64_t window_size;	/* bytes; 0 = no window */
};

/*
 * Late wiring of the DAX hooks (the transport is created after the
 * server, and it is what owns the window).  Call before serving requests.
 */
struct fs_server;
void fs_server_set_dax(struct fs_server *srv, const struct fs_dax_ops *dax);

struct fs_config {
	const char *shared_dir;
	enum fs_cache_mode cache;
	bool readonly;
	bool xattr;			/* serve xattrs (default true) */
	bool no_killpriv;		/* never grant HANDLE_KILLPRIV */
	/*
	 * Grant FUSE_WRITEBACK_CACHE to a guest that asks: it then keeps
	 * written data in its page cache and the file size and mtime as its
	 * own; write-only opens become read-write (it reads partial pages).
	 */
	bool writeback;
	const char *fault_spec;		/* --fault, see fs_fault.h; NULL = none */
	const char *fuzz_spec;		/* --fuzz, see fs_fuzz.h; NULL = none */
	const char *fuzz_log;		/* --fuzz-log; NULL = stderr */
	const char *fuzz_notify_rate;	/* --fuzz-notify-rate; NULL = RATE */
	struct fs_dax_ops dax;
	/*
	 * Per-inode DAX (the guest's dax=inode): regular files with the
	 * sticky bit (chmod +t) carry FUSE_ATTR_DAX.  Needs a window.
	 */
	bool dax_inode_sticky;
};

struct fs_server;

/* Opens cfg->shared_dir; NULL with errno set on failure. */
struct fs_server *fs_server_new(const struct fs_config *cfg);
void fs_server_free(struct fs_server *srv);

/*
 * A new front end connected (or the old one reset the device): forget every
 * inode but the root and close every open handle, as after FUSE_DESTROY.
 */
void fs_server_reset(struct fs_server *srv);

/* fs_server_handle() return values besides a byte count >= 0 */
#define FS_REPLY_DROP	(-1L)	/* fault injection: never complete the chain */
/*
 * fs_server_handle_async() only: the reply comes later.  The server keeps
 * the wr iovecs (so the buffers they point to must stay mapped) and calls
 * the completion hook with the request's token once it has written the
 * reply, possibly from another thread and possibly before
 * fs_server_handle_async() has returned.  Used by a conflicting SETLKW,
 * which must not hold a queue worker while it waits.
 */
#define FS_REPLY_DEFERRED (-2L)

/*
 * Handle one request.  rd[0..nrd) are the device-readable buffers (the
 * fuse_in_header, the in args and any write payload, split anywhere),
 * wr[0..nwr) the device-writable ones (fuse_out_header and out args).
 * Returns the number of bytes written into wr (0 for FORGET-like requests
 * that take no reply, or for a request too short to answer), or
 * FS_REPLY_DROP.  Safe to call concurrently from several queue workers.
 * Malformed requests (short headers, lengths that disagree) get -EINVAL
 * replies when a reply buffer exists, never a crash.
 */
long fs_server_handle(struct fs_server *srv, const struct iovec *rd, int nrd,
		      const struct iovec *wr, int nwr);

/*
 * As fs_server_handle(), but the request may be deferred: token (not NULL)
 * names it to the completion hook and to fs_server_cancel().  Without a
 * hook set, or with a NULL token, a request that must wait blocks the
 * calling thread instead.
 */
long fs_server_handle_async(struct fs_server *srv, const struct iovec *rd,
			    int nrd, const struct iovec *wr, int nwr,
			    void *token);

/*
 * The transport's completion hook: len bytes of reply are in the wr
 * buffers of the deferred request token (as the return value of
 * fs_server_handle() would say).  Called with a server lock held, so it
 * must not call back into the server; set it before serving requests.
 */
typedef void fs_complete_fn(void *token, long len);
void fs_server_set_complete(struct fs_server *srv, fs_complete_fn *complete);

/*
 * Finish the deferred request token now with -EINTR (the hook is called
 * before this returns).  False if token is not deferred (any more): its
 * completion has then already returned.  Used when a queue stops.
 */
bool fs_server_cancel(struct fs_server *srv, void *token);

/*
 * Fault injection asked the daemon to exit after N requests: true once
 * that many requests have been handled.  The transport polls this after
 * every request and exits the process (status 0) when it turns true.
 */
bool fs_server_should_exit(struct fs_server *srv);

/*
 * The reply fuzzer's counts (fs_fuzz.h), false without --fuzz.  The
 * fuzzer logs each session's and (from fs_server_free()) the totals.
 */
struct fs_fuzz_stats;
bool fs_server_fuzz_stats(struct fs_server *srv, struct fs_fuzz_stats *st);

/*
 * Host-change notifications (--notify, issue 14).  The server watches the
 * shared directory's filesystem (fs_watch.c) and turns host-side changes to
 * objects the guest knows into FUSE notify messages (fuse_out_header with
 * unique 0 and error = the notify code, then the notify struct and name).
 * send() gets them in groups that must stay together and in this order (a
 * rename is FUSE_NOTIFY_DELETE + FUSE_NOTIFY_INVAL_ENTRY); it is called
 * from the watcher's thread and must not call back into the server.
 */
enum fs_watch_source {
	FS_WATCH_AUTO,		/* fanotify, else inotify */
	FS_WATCH_FANOTIFY,
	FS_WATCH_INOTIFY,	/* fs_watch_inotify.c, for hosts without the other */
};

struct fs_notify_ops {
	void (*send)(void *opaque, const struct iovec *msgs, int n);
	void *opaque;
	enum fs_watch_source source;
};

struct fs_watch_stats {
	uint64_t events;	/* fanotify events read */
	uint64_t own;		/* ... caused by this daemon (the guest): dropped */
	uint64_t unknown;	/* ... about objects the guest does not know */
	uint64_t messages;	/* notify messages handed to send() */
	uint64_t overflows;	/* the host's event queue overflowed */
};

/*
 * Start watching (a thread of its own until fs_server_free()).  0, or a
 * negative errno: with FS_WATCH_FANOTIFY, -EPERM/-EXDEV/-EINVAL when the
 * filesystem cannot be watched with fanotify directory events
 * (FAN_REPORT_DFID_NAME); FS_WATCH_AUTO then uses inotify.
 */
int fs_server_watch(struct fs_server *srv, const struct fs_notify_ops *ops);
/* Stops the watcher (before whatever ops->opaque points to goes away). */
void fs_server_unwatch(struct fs_server *srv);
void fs_server_watch_stats(struct fs_server *srv, struct fs_watch_stats *st);

#endif
