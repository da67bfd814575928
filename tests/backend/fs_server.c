// SPDX-License-Identifier: GPL-2.0
/*
 * FUSE passthrough server: request framing, dispatch, INIT/DESTROY and the
 * server's life cycle.  Operations live in fs_ops_*.c; the inode and handle
 * tables in fs_inode.c and fs_handle.c; --fault in fs_fault.c.
 *
 * Everything the guest sends is untrusted: the in header is only believed
 * after checking it against the bytes actually present, every in-arg is
 * taken through req_arg()/req_name() (fs_req.c), and replies never exceed
 * the guest's writable buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "fs_fault.h"
#include "fs_fuzz.h"
#include "fs_internal.h"
#include "log.h"

/* dispatch flags */
#define OP_CALLER	(1u << 0)	/* run with the caller's fsuid/fsgid */
#define OP_MODIFY	(1u << 1)	/* -EROFS under --readonly */
#define OP_NOREPLY	(1u << 2)	/* FORGET-like: never answered */
#define OP_PREINIT	(1u << 3)	/* allowed before INIT */

static int fs_op_init(struct fs_req *r);
static int fs_op_destroy(struct fs_req *r);
static int fs_op_interrupt(struct fs_req *r);

static const struct {
	fs_op_fn *fn;
	unsigned int flags;
} ops[] = {
	[FUSE_INIT]		= { fs_op_init, OP_PREINIT },
	[FUSE_DESTROY]		= { fs_op_destroy, 0 },
	[FUSE_LOOKUP]		= { fs_op_lookup, OP_CALLER },
	[FUSE_FORGET]		= { fs_op_forget, OP_NOREPLY },
	[FUSE_BATCH_FORGET]	= { fs_op_batch_forget, OP_NOREPLY },
	[FUSE_GETATTR]		= { fs_op_getattr, 0 },
	[FUSE_SETATTR]		= { fs_op_setattr, OP_CALLER | OP_MODIFY },
	[FUSE_READLINK]		= { fs_op_readlink, 0 },
	[FUSE_SYMLINK]		= { fs_op_symlink, OP_CALLER | OP_MODIFY },
	[FUSE_MKNOD]		= { fs_op_mknod, OP_CALLER | OP_MODIFY },
	[FUSE_MKDIR]		= { fs_op_mkdir, OP_CALLER | OP_MODIFY },
	[FUSE_UNLINK]		= { fs_op_unlink, OP_CALLER | OP_MODIFY },
	[FUSE_RMDIR]		= { fs_op_rmdir, OP_CALLER | OP_MODIFY },
	[FUSE_RENAME]		= { fs_op_rename, OP_CALLER | OP_MODIFY },
	[FUSE_RENAME2]		= { fs_op_rename2, OP_CALLER | OP_MODIFY },
	[FUSE_LINK]		= { fs_op_link, OP_CALLER | OP_MODIFY },
	[FUSE_OPEN]		= { fs_op_open, OP_CALLER },
	[FUSE_READ]		= { fs_op_read, 0 },
	[FUSE_WRITE]		= { fs_op_write, OP_CALLER | OP_MODIFY },
	[FUSE_STATFS]		= { fs_op_statfs, 0 },
	[FUSE_RELEASE]		= { fs_op_release, 0 },
	[FUSE_FSYNC]		= { fs_op_fsync, 0 },
	[FUSE_SETXATTR]		= { fs_op_setxattr, OP_CALLER | OP_MODIFY },
	[FUSE_GETXATTR]		= { fs_op_getxattr, OP_CALLER },
	[FUSE_LISTXATTR]	= { fs_op_listxattr, OP_CALLER },
	[FUSE_REMOVEXATTR]	= { fs_op_removexattr, OP_CALLER | OP_MODIFY },
	[FUSE_FLUSH]		= { fs_op_flush, 0 },
	[FUSE_OPENDIR]		= { fs_op_opendir, OP_CALLER },
	[FUSE_READDIR]		= { fs_op_readdir, 0 },
	[FUSE_READDIRPLUS]	= { fs_op_readdirplus, OP_CALLER },
	[FUSE_RELEASEDIR]	= { fs_op_releasedir, 0 },
	[FUSE_FSYNCDIR]		= { fs_op_fsyncdir, 0 },
	[FUSE_GETLK]		= { fs_op_getlk, 0 },
	[FUSE_SETLK]		= { fs_op_setlk, 0 },
	[FUSE_SETLKW]		= { fs_op_setlkw, 0 },
	[FUSE_ACCESS]		= { fs_op_access, OP_CALLER },
	[FUSE_CREATE]		= { fs_op_create, OP_CALLER | OP_MODIFY },
	[FUSE_INTERRUPT]	= { fs_op_interrupt, OP_NOREPLY },
	[FUSE_FALLOCATE]	= { fs_op_fallocate, OP_CALLER | OP_MODIFY },
	[FUSE_LSEEK]		= { fs_op_lseek, 0 },
	[FUSE_COPY_FILE_RANGE]	= { fs_op_copy_file_range,
				    OP_CALLER | OP_MODIFY },
	[FUSE_SYNCFS]		= { fs_op_syncfs, 0 },
	[FUSE_SETUPMAPPING]	= { fs_op_setupmapping, 0 },
	[FUSE_REMOVEMAPPING]	= { fs_op_removemapping, 0 },
	[FUSE_TMPFILE]		= { fs_op_tmpfile, OP_CALLER | OP_MODIFY },
	[FS_FUSE_STATX]		= { fs_op_statx, 0 },
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))

/* Flags we really implement; INIT answers with these & the guest's. */
static uint32_t our_init_flags(const struct fs_server *srv)
{
	uint32_t f = FUSE_ASYNC_READ | FUSE_POSIX_LOCKS | FUSE_ATOMIC_O_TRUNC |
		     FUSE_EXPORT_SUPPORT | FUSE_BIG_WRITES | FUSE_DONT_MASK |
		     FUSE_FLOCK_LOCKS | FUSE_DO_READDIRPLUS |
		     FUSE_READDIRPLUS_AUTO | FUSE_PARALLEL_DIROPS |
		     FUSE_MAX_PAGES | FUSE_CACHE_SYMLINKS | FUSE_SUBMOUNTS;

	if (!srv->cfg.no_killpriv)
		f |= FUSE_HANDLE_KILLPRIV;
	if (srv->cfg.writeback)
		f |= FUSE_WRITEBACK_CACHE;
	if (srv->cfg.xattr)
		f |= FUSE_POSIX_ACL;
	/* DAX mappings are mmap()s: offsets and lengths in whole pages */
	if (srv->cfg.dax.map && srv->cfg.dax.window_size)
		f |= FUSE_MAP_ALIGNMENT;
	return f;
}

static int fs_op_init(struct fs_req *r)
{
	struct fs_server *srv = r->srv;
	struct fuse_init_in in = { 0 };
	struct fuse_init_out *out;
	size_t n = req_left(r), outsize;

	/* fuse_init_in grew over time: take what the guest sent */
	if (n < 8)
		return -EINVAL;
	memcpy(&in, req_arg(r, n), n < sizeof(in) ? n : sizeof(in));
	if (in.major < 7) {
		log_err("guest FUSE %u.%u is too old", in.major, in.minor);
		return -EPROTO;
	}
	outsize = sizeof(*out);
	if (in.major == 7) {
		if (in.minor < FS_MIN_MINOR) {
			log_err("guest FUSE 7.%u is too old (need 7.%u)",
				in.minor, FS_MIN_MINOR);
			return -EPROTO;
		}
		if (in.minor < 23)
			outsize = FUSE_COMPAT_22_INIT_OUT_SIZE;
	}
	out = reply_buf(r, outsize);
	if (!out)
		return -EINVAL;
	out->major = FUSE_KERNEL_VERSION;
	out->minor = FS_OUR_MINOR;
	if (in.major > 7) {
		/* the guest will retry with major 7 */
		r->outlen = 8;
		return 0;
	}
	if (in.minor < out->minor)
		out->minor = in.minor;
	out->max_readahead = in.max_readahead < FS_MAX_WRITE ?
			     in.max_readahead : FS_MAX_WRITE;
	out->flags = in.flags & our_init_flags(srv);
	/* flags2 exists (and is read) only with FUSE_INIT_EXT, 7.36+ */
	if ((in.flags & FUSE_INIT_EXT) && outsize > FUSE_COMPAT_22_INIT_OUT_SIZE &&
	    n >= sizeof(in)) {
		out->flags |= FUSE_INIT_EXT;
		if (srv->cfg.dax_inode_sticky && srv->cfg.dax.window_size)
			out->flags2 = in.flags2 & (uint32_t)(FUSE_HAS_INODE_DAX >> 32);
	}
	out->max_background = 64;
	out->congestion_threshold = 48;
	out->max_write = FS_MAX_WRITE;
	if (outsize > FUSE_COMPAT_22_INIT_OUT_SIZE) {
		out->time_gran = 1;
		out->max_pages = FS_MAX_PAGES;
		if (out->flags & FUSE_MAP_ALIGNMENT)
			out->map_alignment = FS_MAP_ALIGN_SHIFT;
	}
	/*
	 * A new session starts with an empty window (a client allocates
	 * window ranges from scratch): drop what an earlier one left.
	 */
	if (srv->cfg.dax.unmap && srv->cfg.dax.window_size &&
	    srv->cfg.dax.unmap(srv->cfg.dax.opaque, 0, srv->cfg.dax.window_size))
		log_warn("INIT: could not clear the DAX window");
	atomic_store(&srv->proto_minor, out->minor);
	atomic_store(&srv->init_flags, out->flags);
	atomic_store(&srv->initialized, true);
	log_info("INIT: guest 7.%u, using 7.%u, flags %#x", in.minor,
		 out->minor, out->flags);
	return 0;
}

static int fs_op_destroy(struct fs_req *r)
{
	fs_server_reset(r->srv);
	atomic_store(&r->srv->initialized, false);
	return 0;
}

/*
 * Only a waiting SETLKW can be cut short: it ends with -EINTR.  Anything
 * else runs to completion anyway, and INTERRUPT itself takes no reply.
 */
static int fs_op_interrupt(struct fs_req *r)
{
	const struct fuse_interrupt_in *in = req_arg(r, sizeof(*in));

	if (in)
		fs_lock_interrupt(r->srv, in->unique);
	return FS_NOREPLY;
}

/*
 * A guest can send malformed requests as fast as it likes: log at most
 * ten of them per second so the log stays readable.
 */
static bool malformed_log_ok(void)
{
	static _Atomic long window;
	static atomic_uint count;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (atomic_exchange(&window, (long)now.tv_sec) != (long)now.tv_sec)
		atomic_store(&count, 0);
	return atomic_fetch_add(&count, 1) < 10;
}

static size_t iov_total(const struct iovec *iov, int n)
{
	size_t total = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (iov[i].iov_len > SIZE_MAX - total)
			return SIZE_MAX;
		total += iov[i].iov_len;
	}
	return total;
}

/* Copies len bytes starting at byte offset off of the iovecs into buf. */
static void iov_gather(const struct iovec *iov, int n, size_t off, void *buf,
		       size_t len)
{
	unsigned char *p = buf;
	int i;

	for (i = 0; i < n && len; i++) {
		size_t l = iov[i].iov_len, c;

		if (off >= l) {
			off -= l;
			continue;
		}
		c = l - off < len ? l - off : len;
		memcpy(p, (const unsigned char *)iov[i].iov_base + off, c);
		p += c;
		len -= c;
		off = 0;
	}
}

static void iov_scatter(const struct iovec *iov, int n, size_t off,
			const void *buf, size_t len)
{
	const unsigned char *p = buf;
	int i;

	for (i = 0; i < n && len; i++) {
		size_t l = iov[i].iov_len, c;

		if (off >= l) {
			off -= l;
			continue;
		}
		c = l - off < len ? l - off : len;
		memcpy((unsigned char *)iov[i].iov_base + off, p, c);
		p += c;
		len -= c;
		off = 0;
	}
}

/* Writes an out header and payload; returns the bytes written. */
static long send_reply(const struct iovec *wr, int nwr, size_t wrlen,
		       uint64_t unique, int error, const void *payload,
		       size_t plen)
{
	struct fuse_out_header oh;

	if (wrlen < sizeof(oh))
		return 0;
	if (error)
		plen = 0;
	if (plen > wrlen - sizeof(oh))
		plen = wrlen - sizeof(oh);
	oh.len = (uint32_t)(sizeof(oh) + plen);
	oh.error = error;
	oh.unique = unique;
	iov_scatter(wr, nwr, 0, &oh, sizeof(oh));
	iov_scatter(wr, nwr, sizeof(oh), payload, plen);
	return (long)(sizeof(oh) + plen);
}

static bool is_entry_reply(uint32_t opcode)
{
	return opcode == FUSE_LOOKUP || opcode == FUSE_CREATE ||
	       opcode == FUSE_MKDIR || opcode == FUSE_MKNOD ||
	       opcode == FUSE_SYMLINK || opcode == FUSE_LINK;
}

/* fault injection: damage a finished reply as --fault asked */
/* the payload corruptions (fs_fault_reply.c) work on a flat copy */
static long corrupt_payload(const struct iovec *wr, int nwr, long len,
			    uint32_t opcode, enum fs_fault_corrupt how,
			    const struct fs_req *r)
{
	unsigned char *flat = malloc((size_t)len);

	if (!flat)
		return len;
	iov_gather(wr, nwr, 0, flat, (size_t)len);
	len = fs_fault_mangle(flat, len, opcode, how, r->arg, r->arglen);
	iov_scatter(wr, nwr, 0, flat, (size_t)len);
	free(flat);
	return len;
}

static long corrupt_reply(const struct iovec *wr, int nwr, size_t wrlen,
			  long len, uint32_t opcode,
			  enum fs_fault_corrupt how, const struct fs_req *r)
{
	struct fuse_out_header oh;
	uint64_t bogus = 0xdeadbeefcafe0000ULL;

	if (len < (long)sizeof(oh))
		return len;
	iov_gather(wr, nwr, 0, &oh, sizeof(oh));
	switch (how) {
	case FS_CORRUPT_LEN:
		oh.len += 4096;
		break;
	case FS_CORRUPT_SHORT:
		len = len > (long)sizeof(oh) ? (long)sizeof(oh) +
		      (len - (long)sizeof(oh)) / 2 : len / 2;
		break;
	case FS_CORRUPT_NODEID:
		if (is_entry_reply(opcode) && !oh.error &&
		    wrlen >= sizeof(oh) + sizeof(uint64_t))
			iov_scatter(wr, nwr, sizeof(oh), &bogus,
				    sizeof(bogus));
		break;
	case FS_CORRUPT_UNIQUE:
		oh.unique ^= 0x5a5a5a5a00000000ULL;
		break;
	case FS_CORRUPT_ERROR:
		oh.error = 5;
		break;
	case FS_CORRUPT_SHRINK:
	case FS_CORRUPT_OFFCYCLE:
	case FS_CORRUPT_SUBMOUNT:
		return corrupt_payload(wr, nwr, len, opcode, how, r);
	case FS_CORRUPT_NONE:
	case FS_CORRUPT_CODE:		/* notify messages only (parser) */
	case FS_CORRUPT_NAMELEN:
	case FS_CORRUPT_NUL:
		break;
	}
	iov_scatter(wr, nwr, 0, &oh, sizeof(oh));
	return len;
}

/*
 * --fuzz: the reply as the fuzzer leaves it.  It may change the error,
 * replace the payload (r->out stays the buffer to free), claim another
 * header len or unique than what was sent.
 */
static long send_fuzzed_reply(struct fs_server *srv, struct fs_req *r,
			      size_t wrlen, int error)
{
	struct fs_fuzz_msg m = {
		.kind = FS_FUZZ_REPLY,
		.opcode = r->in->opcode,
		.unique = r->in->unique,
		.nodeid = r->in->nodeid,
		.in = r->arg,
		.inlen = r->arglen,
		.error = error,
		.payload = r->out,
		.plen = r->outlen,
		.cap = r->outcap,
	};
	struct fuse_out_header oh;
	long ret;

	fs_fuzz_message(srv->fuzz, &m);
	r->out = m.payload;
	r->outlen = m.plen;
	ret = send_reply(r->wr, r->nwr, wrlen, m.unique, m.error, r->out,
			 r->outlen);
	if (m.set_len && ret >= (long)sizeof(oh)) {
		iov_gather(r->wr, r->nwr, 0, &oh, sizeof(oh));
		oh.len = m.len;
		iov_scatter(r->wr, r->nwr, 0, &oh, sizeof(oh));
	}
	return ret;
}

static int run_op(struct fs_server *srv, struct fs_req *r, unsigned int flags,
		  fs_op_fn *fn)
{
	struct fs_cred_saved saved;
	int ret;

	if (!(flags & OP_PREINIT) && !atomic_load(&srv->initialized))
		return -EIO;
	if ((flags & OP_MODIFY) && srv->cfg.readonly)
		return -EROFS;
	if (!(flags & OP_CALLER))
		return fn(r);
	ret = fs_cred_enter(srv, r->in->uid, r->in->gid, &saved);
	if (ret)
		return ret;
	ret = fn(r);
	fs_cred_leave(srv, &saved);
	return ret;
}

static void count_request(struct fs_server *srv)
{
	unsigned long n = atomic_fetch_add(&srv->nrequests, 1) + 1;
	uint64_t limit = fs_fault_exit_after(srv->fault);

	if (limit && n >= limit && !atomic_exchange(&srv->exit_now, true))
		log_info("fault: exit-after %llu reached",
			 (unsigned long long)limit);
}

/*
 * --fault delay-async: a buffer of the guest's reply size to build the
 * reply in, so it reaches the guest only when due.  False (and the delay
 * served by sleeping here instead) without a transport to finish it
 * later or without the memory.
 */
static bool hold_reply(struct fs_server *srv, void *token, size_t wrlen,
		       struct iovec *bounce, struct fs_fault_hit *hit)
{
	bool can;

	pthread_mutex_lock(&srv->delays.lock);
	can = token && srv->delays.complete;
	pthread_mutex_unlock(&srv->delays.lock);
	if (can) {
		bounce->iov_base = malloc(wrlen ? wrlen : 1);
		bounce->iov_len = wrlen;
		if (bounce->iov_base)
			return true;
		log_warn("fault: delay-async: no memory for a %zu byte reply: delaying in the queue",
			 wrlen);
	}
	hit->delay_ms += hit->async_delay_ms;
	hit->async_delay_ms = 0;
	return false;
}

/*
 * The end of a request whose reply ret may be held (bounce not NULL):
 * hands it to fs_delay.c and says FS_REPLY_DEFERRED, or, when that
 * fails, copies it into the guest's buffers now.
 */
static long finish_reply(struct fs_server *srv, void *token,
			 struct iovec *bounce, const struct iovec *wr, int nwr,
			 long ret, const struct fs_fault_hit *hit,
			 const struct fuse_in_header *ih)
{
	if (!bounce)
		return ret;
	if (ret >= 0 && !fs_delay_add(srv, token, wr, nwr, bounce->iov_base,
				      ret, hit->async_delay_ms, ih->unique,
				      ih->opcode))
		return FS_REPLY_DEFERRED;
	if (ret > 0)
		iov_scatter(wr, nwr, 0, bounce->iov_base, (size_t)ret);
	free(bounce->iov_base);
	return ret;
}

long fs_server_handle(struct fs_server *srv, const struct iovec *rd, int nrd,
		      const struct iovec *wr, int nwr)
{
	return fs_server_handle_async(srv, rd, nrd, wr, nwr, NULL);
}

long fs_server_handle_async(struct fs_server *srv, const struct iovec *rd,
			    int nrd, const struct iovec *wr, int nwr,
			    void *token)
{
	size_t rdlen = iov_total(rd, nrd), wrlen = iov_total(wr, nwr);
	struct fuse_in_header ih;
	struct fs_fault_hit hit;
	struct fs_req r = { .srv = srv };
	struct iovec bounce = { 0 };
	const struct iovec *owr = wr;
	int onwr = nwr;
	bool held = false;
	unsigned char *buf;
	long ret;
	int err;
	unsigned int flags = 0;
	fs_op_fn *fn = NULL;

	if (nrd < 0 || nwr < 0)
		return 0;
	if (rdlen < sizeof(ih)) {
		/* nothing to answer to, but say "malformed" if we can */
		uint64_t unique = 0;

		if (rdlen >= offsetof(struct fuse_in_header, unique) + 8)
			iov_gather(rd, nrd, offsetof(struct fuse_in_header,
						     unique), &unique, 8);
		if (malformed_log_ok())
			log_warn("request of %zu bytes is shorter than its header",
				 rdlen);
		count_request(srv);
		return send_reply(wr, nwr, wrlen, unique, -EINVAL, NULL, 0);
	}
	iov_gather(rd, nrd, 0, &ih, sizeof(ih));
	count_request(srv);
	if (ih.len < sizeof(ih) || ih.len > rdlen || ih.len > FS_MAX_REQ) {
		if (malformed_log_ok())
			log_warn("opcode %u unique %llu: header len %u but %zu bytes",
				 ih.opcode, (unsigned long long)ih.unique,
				 ih.len, rdlen);
		if (ih.opcode == FUSE_FORGET || ih.opcode == FUSE_BATCH_FORGET)
			return 0;
		return send_reply(wr, nwr, wrlen, ih.unique, -EINVAL, NULL, 0);
	}
	if (ih.opcode < NOPS && ops[ih.opcode].fn) {
		fn = ops[ih.opcode].fn;
		flags = ops[ih.opcode].flags;
	}

	fs_fault_match(srv->fault, ih.opcode, &hit);
	if (hit.async_delay_ms && !hit.drop)
		held = hold_reply(srv, token, wrlen, &bounce, &hit);
	if (held) {
		/* the reply is built into our buffer, sent when due */
		owr = &bounce;
		onwr = 1;
	}
	if (hit.delay_ms) {
		struct timespec ts = {
			.tv_sec = hit.delay_ms / 1000,
			.tv_nsec = (long)(hit.delay_ms % 1000) * 1000000L,
		};

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	if (hit.drop) {
		log_debug("fault: dropping %s unique %llu",
			  fs_opcode_name(ih.opcode) ?: "?",
			  (unsigned long long)ih.unique);
		return FS_REPLY_DROP;
	}
	if (hit.error) {
		if (flags & OP_NOREPLY)
			ret = 0;
		else
			ret = send_reply(owr, onwr, wrlen, ih.unique,
					 -hit.error, NULL, 0);
		return finish_reply(srv, token, held ? &bounce : NULL, wr,
				    nwr, ret, &hit, &ih);
	}

	buf = malloc(ih.len);
	if (!buf) {
		ret = send_reply(owr, onwr, wrlen, ih.unique, -ENOMEM, NULL, 0);
		return finish_reply(srv, token, held ? &bounce : NULL, wr,
				    nwr, ret, &hit, &ih);
	}
	iov_gather(rd, nrd, 0, buf, ih.len);
	r.in = (const struct fuse_in_header *)buf;
	r.arg = buf + sizeof(ih);
	r.arglen = ih.len - sizeof(ih);
	/* request extensions (security contexts) are never negotiated */
	if ((size_t)ih.total_extlen * 8 <= r.arglen)
		r.arglen -= (size_t)ih.total_extlen * 8;
	r.outcap = wrlen > sizeof(struct fuse_out_header) ?
		   wrlen - sizeof(struct fuse_out_header) : 0;
	/* a held reply cannot also wait in the lock table (never SETLKW) */
	r.token = held ? NULL : token;
	r.wr = owr;
	r.nwr = onwr;

	log_debug("%s unique %llu nodeid %llu len %u",
		  fs_opcode_name(ih.opcode) ?: "?",
		  (unsigned long long)ih.unique,
		  (unsigned long long)ih.nodeid, ih.len);
	if (fn && __atomic_load_n(&srv->watch, __ATOMIC_ACQUIRE))
		fs_watch_own_op(srv, r.in, r.arg, r.arglen);
	err = fn ? run_op(srv, &r, flags, fn) : -ENOSYS;
	if (err == -ENOSYS && !fn)
		log_debug("opcode %u not implemented", ih.opcode);

	if (err == FS_DEFERRED) {	/* never held: r.token was NULL then */
		free(r.out);
		free(buf);
		return FS_REPLY_DEFERRED;
	}
	if ((flags & OP_NOREPLY) || err == FS_NOREPLY)
		ret = 0;
	else if (srv->fuzz)
		ret = send_fuzzed_reply(srv, &r, wrlen, err < 0 ? err : 0);
	else
		ret = send_reply(owr, onwr, wrlen, ih.unique, err < 0 ? err : 0,
				 r.out, r.outlen);
	if (hit.corrupt && ret > 0)
		ret = corrupt_reply(owr, onwr, wrlen, ret, ih.opcode,
				    hit.corrupt, &r);
	free(r.out);
	free(buf);
	return finish_reply(srv, token, held ? &bounce : NULL, wr, nwr, ret,
			    &hit, &ih);
}

bool fs_server_fuzz_stats(struct fs_server *srv, struct fs_fuzz_stats *st)
{
	if (!srv->fuzz)
		return false;
	fs_fuzz_get_stats(srv->fuzz, st);
	return true;
}

bool fs_server_should_exit(struct fs_server *srv)
{
	return atomic_load(&srv->exit_now);
}

void fs_server_set_complete(struct fs_server *srv, fs_complete_fn *complete)
{
	pthread_mutex_lock(&srv->locks.lock);
	srv->locks.complete = complete;
	pthread_mutex_unlock(&srv->locks.lock);
	fs_delay_set_complete(srv, complete);
}

void fs_server_set_dax(struct fs_server *srv, const struct fs_dax_ops *dax)
{
	srv->cfg.dax = *dax;
}

bool fs_server_cancel(struct fs_server *srv, void *token)
{
	return fs_lock_cancel(srv, token) || fs_delay_cancel(srv, token);
}

void fs_server_reset(struct fs_server *srv)
{
	fs_lock_reset(srv);
	fs_handle_reset(srv);
	fs_inode_reset(srv);
}

/* Many inodes mean many O_PATH fds: allow as many as we may. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("setrlimit(RLIMIT_NOFILE): %m");
	}
}

struct fs_server *fs_server_new(const struct fs_config *cfg)
{
	struct fs_server *srv;
	int rootfd, err;

	if (!cfg || !cfg->shared_dir) {
		errno = EINVAL;
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->cfg = *cfg;
	fs_lock_init(srv);
	fs_delay_init(srv);
	srv->proc_self_fd = -1;
	srv->root_dirfd = -1;
	srv->shared_dir = strdup(cfg->shared_dir);
	if (!srv->shared_dir) {
		err = ENOMEM;
		goto fail;
	}
	srv->cfg.shared_dir = srv->shared_dir;
	srv->cfg.fault_spec = NULL;	/* not kept: the parsed form is */
	err = -fs_fault_parse(cfg->fault_spec, &srv->fault);
	if (err)
		goto fail;
	srv->cfg.fuzz_spec = NULL;
	srv->cfg.fuzz_log = NULL;
	srv->cfg.fuzz_notify_rate = NULL;
	if (cfg->fuzz_spec) {
		err = -fs_fuzz_new(cfg->fuzz_spec, cfg->fuzz_log, &srv->fuzz);
		if (!err && cfg->fuzz_notify_rate)
			err = -fs_fuzz_set_notify_rate(srv->fuzz,
						       cfg->fuzz_notify_rate);
		if (err)
			goto fail;
	}
	srv->proc_self_fd = open("/proc/self/fd",
				 O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (srv->proc_self_fd < 0) {
		err = errno;
		log_err("open /proc/self/fd: %m (is /proc mounted?)");
		goto fail;
	}
	srv->root_dirfd = open(cfg->shared_dir,
			       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (srv->root_dirfd < 0) {
		err = errno;
		log_err("shared dir %s: %m", cfg->shared_dir);
		goto fail;
	}
	rootfd = open(cfg->shared_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		err = errno;
		log_err("shared dir %s: %m", cfg->shared_dir);
		goto fail;
	}
	err = -fs_inode_init(srv, rootfd);
	if (err) {
		close(rootfd);
		log_err("shared dir %s: %s", cfg->shared_dir, strerror(err));
		goto fail;
	}
	err = -fs_handle_init(srv);
	if (err) {
		fs_inode_destroy(srv);	/* closes rootfd */
		goto fail;
	}
	srv->switch_creds = geteuid() == 0;
	raise_fd_limit();
	log_info("serving %s (cache %d%s%s)", cfg->shared_dir, cfg->cache,
		 cfg->readonly ? ", read-only" : "",
		 cfg->xattr ? ", xattr" : "");
	return srv;

fail:
	/* the inode table is never left set up on a path that lands here */
	if (srv->root_dirfd >= 0)
		close(srv->root_dirfd);
	if (srv->proc_self_fd >= 0)
		close(srv->proc_self_fd);
	fs_fault_free(srv->fault);
	fs_fuzz_free(srv->fuzz);
	fs_delay_destroy(srv);
	fs_lock_destroy(srv);
	free(srv->shared_dir);
	free(srv);
	errno = err;
	return NULL;
}

void fs_server_free(struct fs_server *srv)
{
	if (!srv)
		return;
	fs_server_unwatch(srv);		/* its thread reads the inode table */
	fs_delay_destroy(srv);
	fs_lock_destroy(srv);
	fs_handle_destroy(srv);
	fs_inode_destroy(srv);
	close(srv->root_dirfd);
	close(srv->proc_self_fd);
	fs_fault_free(srv->fault);
	fs_fuzz_free(srv->fuzz);
	free(srv->shared_dir);
	free(srv);
}
