// SPDX-License-Identifier: GPL-2.0
/*
 * The FUSE session of a device (conn.h): created by the first mount of a
 * tag with FUSE_INIT, shared by every mount of that tag, ended by the last
 * put with FUSE_DESTROY.  dev->conn_mutex orders creation against
 * teardown, so a new session never starts before the old one's DESTROY.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "conn.h"
#include "dax.h"
#include "fs.h"
#include "request.h"
#include "sysfs.h"
#include "transport.h"

/* Pages per READ/WRITE we ever use, whatever the host allows. */
#define VNG_MAX_PAGES		256
/* Without FUSE_MAX_PAGES a host takes this many (fs/fuse's default). */
#define VNG_DEFAULT_MAX_PAGES	32
/* The smallest max_write FUSE allows; hosts announcing less get this. */
#define VNG_MIN_MAX_WRITE	4096
/* What we offer as max_readahead; the host may lower it. */
#define VNG_MAX_READAHEAD	(1024 * 1024)
/* FUSE_DESTROY gets this long before the session goes without it. */
#define VNG_DESTROY_TIMEOUT	(5 * HZ)
/* Descriptors a READ/WRITE needs besides its pages. */
#define VNG_CHAIN_OVERHEAD	2

/*
 * What we ask for in FUSE_INIT (flags2 bits shifted left by 32).
 * FUSE_WRITEBACK_CACHE is asked for always; a mount uses it only when its
 * cache policy keeps data (vng_writeback_cache(): not cache=none or
 * metadata, which stay direct I/O on the same connection).
 */
#define VNG_INIT_FLAGS							\
	((u64)FUSE_ASYNC_READ | FUSE_POSIX_LOCKS | FUSE_FLOCK_LOCKS |	\
	 FUSE_WRITEBACK_CACHE |						\
	 FUSE_ATOMIC_O_TRUNC | FUSE_EXPORT_SUPPORT | FUSE_BIG_WRITES |	\
	 FUSE_DONT_MASK | FUSE_AUTO_INVAL_DATA | FUSE_DO_READDIRPLUS |	\
	 FUSE_READDIRPLUS_AUTO | FUSE_ASYNC_DIO |			\
	 FUSE_NO_OPEN_SUPPORT | FUSE_PARALLEL_DIROPS |			\
	 FUSE_HANDLE_KILLPRIV | FUSE_HANDLE_KILLPRIV_V2 |		\
	 FUSE_POSIX_ACL | FUSE_MAX_PAGES |				\
	 FUSE_CACHE_SYMLINKS | FUSE_NO_OPENDIR_SUPPORT |		\
	 FUSE_SUBMOUNTS | FUSE_SETXATTR_EXT | FUSE_INIT_EXT)

static struct workqueue_struct *vng_conn_wq;

void vng_conn_printk(const struct vng_conn *conn, const char *level,
		     const char *fmt, ...)
{
	size_t len = strlen(fmt);
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	/* callers write messages with or without the newline */
	vng_dev_printk(conn->dev, level, "%pV%s", &vaf,
		       len && fmt[len - 1] == '\n' ? "" : "\n");
	va_end(args);
}

const char *vng_conn_tag(const struct vng_conn *conn)
{
	return conn->dev->tag;
}

void vng_conn_list_tags(char *buf, size_t size)
{
	vng_dev_list_tags(buf, size);
}

void vng_conn_get(struct vng_conn *conn)
{
	kref_get(&conn->kref);
}

/* ---- FUSE_INIT -------------------------------------------------------- */

/* Applies the limits of a validated fuse_init_out to conn. */
static void vng_conn_set_limits(struct vng_conn *conn,
				const struct fuse_init_out *out)
{
	struct vng_dev *dev = conn->dev;
	unsigned int chain = vng_dev_max_chain(dev);
	u32 pages, write;

	if (vng_conn_has(conn, FUSE_MAX_PAGES))
		pages = max_t(u32, out->max_pages, 1);
	else
		pages = VNG_DEFAULT_MAX_PAGES;
	pages = min_t(u32, pages, VNG_MAX_PAGES);
	/* a READ or WRITE must fit one descriptor chain */
	if (chain > VNG_CHAIN_OVERHEAD)
		pages = min_t(u32, pages, chain - VNG_CHAIN_OVERHEAD);
	else
		pages = 1;
	conn->max_pages = pages;
	conn->max_read = pages * PAGE_SIZE;

	write = out->max_write;
	if (write < VNG_MIN_MAX_WRITE) {
		vng_dev_warn(dev, "host max_write %u is below %u; using %u\n",
			     write, VNG_MIN_MAX_WRITE, VNG_MIN_MAX_WRITE);
		write = VNG_MIN_MAX_WRITE;
	}
	conn->max_write = min_t(u32, write, pages * PAGE_SIZE);
	conn->max_readahead = min_t(u32, out->max_readahead,
				    VNG_MAX_READAHEAD);

	conn->time_gran = 1;
	if (conn->minor >= 23 && out->time_gran) {
		if (out->time_gran <= NSEC_PER_SEC)
			conn->time_gran = out->time_gran;
		else
			vng_dev_warn(dev, "host time_gran %u ns is over a second; using 1 ns\n",
				     out->time_gran);
	}
	/* DAX hook: log2 of the host's mapping alignment (dax_dev.c checks) */
	conn->map_alignment = 0;
	if (vng_conn_has(conn, FUSE_MAP_ALIGNMENT)) {
		conn->map_alignment = out->map_alignment;
		if (out->map_alignment > 21)
			vng_dev_warn(dev, "host needs DAX mappings aligned to 2^%u bytes (over 2 MiB): no DAX\n",
				     out->map_alignment);
	}
}

static int vng_conn_init_session(struct vng_conn *conn)
{
	struct vng_dev *dev = conn->dev;
	/* DAX hook: with a window, ask for the host's alignment, per-file DAX */
	const u64 want = VNG_INIT_FLAGS | vng_dax_init_flags(dev);
	struct fuse_init_in in = {
		.major = FUSE_KERNEL_VERSION,
		.minor = FUSE_KERNEL_MINOR_VERSION,
		.max_readahead = VNG_MAX_READAHEAD,
		.flags = lower_32_bits(want),
		.flags2 = upper_32_bits(want),
	};
	struct fuse_init_out out = {};
	struct vng_args args = {
		.opcode = FUSE_INIT,
		.in_numargs = 1,
		.in_args[0] = { sizeof(in), &in },
		.out_numargs = 1,
		.out_args[0] = { sizeof(out), &out },
		.out_argvar = true,
		.nocreds = true,
	};
	u64 flags;
	ssize_t ret;

	ret = vng_request(conn, &args);
	if (ret < 0) {
		if (ret != -EINTR)
			vng_dev_err(dev, "FUSE_INIT failed: %zd\n", ret);
		return ret;
	}
	if (ret < FUSE_COMPAT_INIT_OUT_SIZE) {
		vng_dev_err(dev, "FUSE_INIT reply of %zd bytes is too short\n",
			    ret);
		return -EIO;
	}
	if (out.major != FUSE_KERNEL_VERSION) {
		vng_dev_err(dev, "host speaks FUSE %u.%u; only major version %u is supported\n",
			    out.major, out.minor, FUSE_KERNEL_VERSION);
		return -EPROTO;
	}
	if (out.minor < VNG_PROTO_MIN_MINOR) {
		vng_dev_err(dev, "host speaks FUSE 7.%u; 7.%u or newer is needed\n",
			    out.minor, VNG_PROTO_MIN_MINOR);
		return -EPROTO;
	}
	if (ret < vng_init_out_min_size(out.minor)) {
		vng_dev_err(dev, "FUSE_INIT reply of %zd bytes is too short for protocol 7.%u\n",
			    ret, out.minor);
		return -EIO;
	}
	/* fields the reply did not reach stay zero: out was zeroed */
	conn->minor = out.minor;
	flags = out.flags;
	if (out.minor >= 36 && (out.flags & FUSE_INIT_EXT))
		flags |= (u64)out.flags2 << 32;
	/* only what we asked for: a host cannot turn on the unknown */
	conn->flags = flags & want;
	vng_conn_set_limits(conn, &out);

	if (!vng_conn_has(conn, FUSE_POSIX_LOCKS))
		vng_conn_set_no(conn, VNG_NO_LOCK);
	if (!vng_conn_has(conn, FUSE_FLOCK_LOCKS))
		vng_conn_set_no(conn, VNG_NO_FLOCK);
	if (!vng_conn_has(conn, FUSE_DO_READDIRPLUS))
		vng_conn_set_no(conn, VNG_NO_READDIRPLUS);
	return 0;
}

/* ---- lifetime --------------------------------------------------------- */

static void vng_conn_send_destroy(struct vng_conn *conn)
{
	struct vng_dev *dev = conn->dev;
	struct vng_args args = {
		.opcode = FUSE_DESTROY,
		.nocreds = true,
		.force = true,
	};
	ssize_t ret;

	if (READ_ONCE(conn->connected) && !vng_dev_removed(dev)) {
		/* the forgets of the last inodes go before DESTROY */
		vng_forgets_flush(dev);
		vng_dev_wait_hiprio_idle(dev, VNG_DESTROY_TIMEOUT);
		ret = vng_request_timeout(conn, &args, VNG_DESTROY_TIMEOUT);
		if (ret && ret != -ENOTCONN)
			vng_dev_warn(dev, "FUSE_DESTROY failed: %zd\n", ret);
	}
}

static void vng_conn_destroy(struct vng_conn *conn)
{
	struct vng_dev *dev = conn->dev;

	vng_conn_send_destroy(conn);
	WRITE_ONCE(conn->connected, false);
	vng_forgets_close(dev);

	mutex_lock(&dev->conn_mutex);
	if (dev->conn == conn)
		dev->conn = NULL;
	mutex_unlock(&dev->conn_mutex);
	wake_up_all(&dev->idle_wq);
	vng_sysfs_changed(dev);

	vng_hostchange_destroy(conn);
	vng_dev_put(dev);
	kfree(conn);
}

static void vng_conn_release_work(struct work_struct *work)
{
	vng_conn_destroy(container_of(work, struct vng_conn, release_work));
}

static void vng_conn_release(struct kref *kref)
{
	struct vng_conn *conn = container_of(kref, struct vng_conn, kref);

	/*
	 * The last put may come from a request completion, which runs on
	 * the queue work that must also complete our DESTROY: go elsewhere.
	 */
	if (current->flags & PF_WQ_WORKER)
		queue_work(vng_conn_wq, &conn->release_work);
	else
		vng_conn_destroy(conn);
}

void vng_conn_put(struct vng_conn *conn)
{
	kref_put(&conn->kref, vng_conn_release);
}

static struct vng_conn *vng_conn_alloc(struct vng_dev *dev)
{
	struct vng_conn *conn;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return NULL;
	kref_init(&conn->kref);
	conn->dev = dev;
	conn->connected = true;
	conn->time_gran = 1;
	atomic64_set(&conn->attr_version, 1);
	atomic64_set(&conn->evict_ctr, 1);
	mutex_init(&conn->sb_lock);
	INIT_LIST_HEAD(&conn->sb_list);
	INIT_WORK(&conn->release_work, vng_conn_release_work);
	vng_hostchange_init(conn);
	conn->watch = &dev->watch;
	return conn;
}

struct vng_conn *vng_conn_get_by_tag(const char *tag)
{
	struct vng_conn *conn;
	struct vng_dev *dev;
	int err;

	dev = vng_dev_find(tag);
	if (!dev)
		return ERR_PTR(-ENODEV);

	mutex_lock(&dev->conn_mutex);
	for (;;) {
		if (vng_dev_removed(dev)) {
			err = -EBUSY;
			goto out_unlock;
		}
		conn = dev->conn;
		if (!conn)
			break;
		if (READ_ONCE(conn->closing)) {
			/* the last unmount is ending it: wait, start anew */
			mutex_unlock(&dev->conn_mutex);
			wait_event(dev->idle_wq,
				   READ_ONCE(dev->conn) != conn ||
				   vng_dev_removed(dev));
			mutex_lock(&dev->conn_mutex);
			continue;
		}
		if (kref_get_unless_zero(&conn->kref)) {
			if (READ_ONCE(conn->connected)) {
				mutex_unlock(&dev->conn_mutex);
				vng_dev_put(dev);
				return conn;
			}
			/* aborted but still mounted somewhere */
			mutex_unlock(&dev->conn_mutex);
			vng_conn_put(conn);
			vng_dev_err(dev, "the session was aborted; unmount its filesystems first\n");
			vng_dev_put(dev);
			return ERR_PTR(-EBUSY);
		}
		/* the last user is leaving: wait for its DESTROY */
		mutex_unlock(&dev->conn_mutex);
		wait_event(dev->idle_wq, READ_ONCE(dev->conn) != conn);
		mutex_lock(&dev->conn_mutex);
	}

	err = -ENOMEM;
	conn = vng_conn_alloc(dev);
	if (!conn)
		goto out_unlock;
	err = vng_conn_init_session(conn);
	if (err) {
		kfree(conn);
		goto out_unlock;
	}
	vng_forgets_open(dev, conn->minor >= 16);
	/* the device reference moves to the session */
	dev->conn = conn;
	mutex_unlock(&dev->conn_mutex);
	vng_sysfs_changed(dev);
	return conn;

out_unlock:
	mutex_unlock(&dev->conn_mutex);
	vng_dev_put(dev);
	return ERR_PTR(err);
}

int vng_conn_add_sb(struct vng_conn *conn, struct list_head *entry)
{
	int err = 0;

	mutex_lock(&conn->sb_lock);
	if (conn->closing)
		err = -EAGAIN;
	else
		list_add_tail(entry, &conn->sb_list);
	mutex_unlock(&conn->sb_lock);
	return err;
}

bool vng_conn_del_sb(struct vng_conn *conn, struct list_head *entry)
{
	bool last;

	mutex_lock(&conn->sb_lock);
	list_del_init(entry);
	last = list_empty(&conn->sb_list);
	if (last)
		WRITE_ONCE(conn->closing, true);
	mutex_unlock(&conn->sb_lock);
	return last;
}

void vng_conn_abort(struct vng_conn *conn)
{
	vng_requests_abort(conn);
	vng_sysfs_changed(conn->dev);
}

void vng_conn_umount_begin(struct vng_conn *conn)
{
	if (vng_dev_abort_session(conn->dev, true) == -EAGAIN)
		vng_dev_warn(conn->dev, "umount -f: the host was not found unresponsive (host_timeout), so its session is kept; write 1 to /sys/fs/virtiofs_ng/%d/abort to abort it anyway\n",
			     conn->dev->index);
}

int vng_dev_abort_session(struct vng_dev *dev, bool only_unresponsive)
{
	struct vng_conn *conn = NULL;

	if (only_unresponsive && !READ_ONCE(dev->host_unresponsive))
		return -EAGAIN;
	mutex_lock(&dev->conn_mutex);
	if (dev->conn && kref_get_unless_zero(&dev->conn->kref))
		conn = dev->conn;
	mutex_unlock(&dev->conn_mutex);
	if (!conn)
		return -ENOTCONN;
	if (READ_ONCE(conn->connected)) {
		vng_dev_err(dev, "giving up on the host: the session is aborted, its requests fail\n");
		vng_conn_abort(conn);
	}
	vng_conn_put(conn);
	return 0;
}

void vng_conn_shutdown(struct vng_conn *conn)
{
	vng_conn_send_destroy(conn);
	vng_conn_abort(conn);
}

void vng_conn_dev_removed(struct vng_dev *dev)
{
	mutex_lock(&dev->conn_mutex);
	if (dev->conn)
		WRITE_ONCE(dev->conn->connected, false);
	mutex_unlock(&dev->conn_mutex);
	wake_up_all(&dev->idle_wq);
}

int vng_conn_init(void)
{
	vng_conn_wq = alloc_workqueue("virtiofs_ng_conn", WQ_UNBOUND, 0);
	return vng_conn_wq ? 0 : -ENOMEM;
}

void vng_conn_exit(void)
{
	/* drains sessions whose last put came from a completion */
	destroy_workqueue(vng_conn_wq);
}
