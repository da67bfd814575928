// SPDX-License-Identifier: GPL-2.0
/*
 * --notify on the vhost-user side, against a scripted front end on a
 * socketpair (vu_serve() in a thread) with a memfd as guest memory: the
 * feature bit, the queue count and config space (notify_buf_size) with
 * and without --notify, and the notification queue itself: a host change
 * waits while the driver has posted no buffer, then lands in the first
 * buffer posted as one FUSE notify message with the used length exactly
 * its size; a rename fills two buffers in order (DELETE, INVAL_ENTRY).
 * Root only (the watcher's fanotify mark), else SKIP.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "fs_test.h"
#include "vhost_user.h"

#define MEM_SIZE	(1u << 20)
#define UADDR		0x7f0000000000ull	/* the front end's view of it */
#define QN		8			/* notification ring size */
#define DESC_OFF	0x0
#define AVAIL_OFF	0x1000
#define USED_OFF	0x2000
#define BUF_OFF		0x10000
#define BUF_SIZE	512

#define F_PROTOCOL	30
#define F_VERSION_1	32
#define F_REPLY_ACK	3
#define F_CONFIG	9

struct hdr {
	uint32_t request, flags, size;
};

static int ctl;

static void *serve(void *arg)
{
	void **a = arg;
	int never[2];

	if (pipe(never))
		return NULL;
	vu_serve(a[0], *(int *)a[1], never[0]);
	close(never[0]);
	close(never[1]);
	return NULL;
}

static bool send_msg(uint32_t req, uint32_t flags, const void *p,
		     uint32_t size, int pass_fd)
{
	unsigned char buf[12 + 256];
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} c;
	struct hdr h = { req, 1 | flags, size };
	struct iovec iov = { buf, 12 + size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	memcpy(buf, &h, 12);
	if (size)
		memcpy(buf + 12, p, size);
	if (pass_fd >= 0) {
		memset(&c, 0, sizeof(c));
		mh.msg_control = c.b;
		mh.msg_controllen = sizeof(c.b);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	return sendmsg(ctl, &mh, 0) == (ssize_t)(12 + size);
}

static long recv_reply(void *p, size_t cap)
{
	struct pollfd pfd = { .fd = ctl, .events = POLLIN };
	struct hdr h;

	if (poll(&pfd, 1, 5000) != 1 || read(ctl, &h, 12) != 12 || h.size > cap)
		return -1;
	if (h.size && read(ctl, p, h.size) != (ssize_t)h.size)
		return -1;
	return h.size;
}

static uint64_t get_u64(uint32_t req)
{
	uint64_t v = ~0ull;

	send_msg(req, 0, NULL, 0, -1);
	return recv_reply(&v, sizeof(v)) == 8 ? v : ~0ull;
}

/* A request with REPLY_ACK (negotiated first); the ack's value. */
static uint64_t set_acked(uint32_t req, const void *p, uint32_t size, int fd)
{
	uint64_t v = ~0ull;

	send_msg(req, 8, p, size, fd);
	recv_reply(&v, sizeof(v));
	return v;
}

/* GET_CONFIG of the whole virtio_fs_config into cfg[44]. */
static bool get_config(uint8_t *cfg)
{
	struct {
		uint32_t off, size, flags;
		uint8_t data[44];
	} c = { 0, 44, 0, { 0 } };

	send_msg(24, 0, &c, sizeof(c), -1);
	if (recv_reply(&c, sizeof(c)) != sizeof(c))
		return false;
	memcpy(cfg, c.data, 44);
	return true;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

struct front {
	struct vu_dev *dev;
	int sp[2];
	pthread_t th;
	void *args[2];
};

static bool front_start(struct t *t, struct front *f, bool notify)
{
	f->dev = vu_dev_new(t->srv, "ntag", 1);
	if (!f->dev || (notify && vu_dev_set_notify(f->dev, FS_WATCH_AUTO)) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, f->sp))
		return false;
	ctl = f->sp[0];
	f->args[0] = f->dev;
	f->args[1] = &f->sp[1];
	return pthread_create(&f->th, NULL, serve, f->args) == 0;
}

static void front_stop(struct front *f)
{
	close(f->sp[0]);
	pthread_join(f->th, NULL);
	close(f->sp[1]);
	vu_dev_free(f->dev);
}

static void test_without_notify(struct t *t)
{
	struct front f;
	uint8_t cfg[44];
	uint64_t v;

	if (!front_start(t, &f, false)) {
		T_CHECK(t, 0, "setup");
		return;
	}
	v = get_u64(1);
	T_CHECK(t, v != ~0ull && !(v & 1), "feature bit 0 offered without --notify: 0x%llx",
		(unsigned long long)v);
	T_CHECK(t, get_u64(17) == 2, "queue count without --notify");
	T_CHECK(t, get_config(cfg), "GET_CONFIG");
	T_CHECK(t, le32(cfg + 36) == 1 && le32(cfg + 40) == 0,
		"config: %u request queues, notify_buf_size %u", le32(cfg + 36),
		le32(cfg + 40));
	front_stop(&f);
}

/* the guest-memory view of the notification ring */
static uint8_t *mem;

static struct { uint64_t addr; uint32_t len; uint16_t flags, next; } __attribute__((packed)) *desc(int i)
{
	return (void *)(mem + DESC_OFF + 16 * i);
}

static volatile uint16_t *avail_idx(void) { return (void *)(mem + AVAIL_OFF + 2); }
static volatile uint16_t *avail_ring(int i) { return (void *)(mem + AVAIL_OFF + 4 + 2 * i); }
static volatile uint16_t *used_idx(void) { return (void *)(mem + USED_OFF + 2); }
static volatile uint32_t *used_elem(int i) { return (void *)(mem + USED_OFF + 4 + 8 * i); }

static void post(int kick, int i)
{
	uint64_t one = 1;

	desc(i)->addr = BUF_OFF + (uint64_t)i * BUF_SIZE;
	desc(i)->len = BUF_SIZE;
	desc(i)->flags = 2;	/* device-writable */
	desc(i)->next = 0;
	*avail_ring(*avail_idx() % QN) = (uint16_t)i;
	__atomic_store_n(avail_idx(), (uint16_t)(*avail_idx() + 1), __ATOMIC_RELEASE);
	if (write(kick, &one, sizeof(one)) != sizeof(one))
		perror("kick");
}

/* Waits until the used index reaches n (3 s at most). */
static bool used_reaches(uint16_t n)
{
	for (int i = 0; i < 300; i++) {
		if (__atomic_load_n(used_idx(), __ATOMIC_ACQUIRE) >= n)
			return true;
		usleep(10000);
	}
	return false;
}

static int host(struct t *t, const char *cmd)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (chdir(t->dir) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       !WEXITSTATUS(st) ? 0 : -1;
}

/* used element k: its buffer holds a message with this code and body */
static bool used_msg(int k, int code, const void *body, size_t blen,
		     const char *name)
{
	uint32_t id = used_elem(k)[0], len = used_elem(k)[1];
	const uint8_t *b;
	struct fuse_out_header h;
	size_t want = sizeof(h) + blen + (name ? strlen(name) + 1 : 0);

	if (id >= QN || len != want)
		return false;
	b = mem + BUF_OFF + id * BUF_SIZE;
	memcpy(&h, b, sizeof(h));
	return h.len == want && h.unique == 0 && h.error == code &&
	       !memcmp(b + sizeof(h), body, blen) &&
	       (!name || !memcmp(b + sizeof(h) + blen, name, strlen(name) + 1));
}

static void test_notify_queue(struct t *t)
{
	struct front f;
	uint8_t cfg[44];
	uint64_t v, feat;
	int memfd, kick, call;
	struct fuse_entry_out e;
	struct {
		uint32_t n, pad;
		uint64_t gpa, size, uaddr, off;
	} mt = { 1, 0, 0, MEM_SIZE, UADDR, 0 };
	struct { uint32_t index, num; } st;
	struct {
		uint32_t index, flags;
		uint64_t desc, used, avail, log;
	} addr = { 1, 0, UADDR + DESC_OFF, UADDR + USED_OFF,
		   UADDR + AVAIL_OFF, 0 };

	if (geteuid() != 0) {
		snprintf(t->why, sizeof(t->why), "skip");
		return;
	}
	memfd = memfd_create("guest", MFD_CLOEXEC);
	kick = eventfd(0, EFD_CLOEXEC);
	call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (memfd < 0 || ftruncate(memfd, MEM_SIZE) || kick < 0 || call < 0 ||
	    (mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			memfd, 0)) == MAP_FAILED || !front_start(t, &f, true)) {
		T_CHECK(t, 0, "setup");
		return;
	}
	feat = get_u64(1);
	T_CHECK(t, feat != ~0ull && (feat & 1), "feature bit 0 not offered: 0x%llx",
		(unsigned long long)feat);
	T_CHECK(t, get_u64(17) == 3, "queue count with --notify");
	v = 1ull << F_REPLY_ACK | 1ull << F_CONFIG;
	send_msg(16, 0, &v, 8, -1);	/* SET_PROTOCOL_FEATURES: no ack yet */
	T_CHECK(t, get_config(cfg), "GET_CONFIG");
	T_CHECK(t, !memcmp(cfg, "ntag", 5) && le32(cfg + 36) == 1 &&
		   le32(cfg + 40) >= 16 + 24 + 256,
		"config: tag, %u request queues, notify_buf_size %u",
		le32(cfg + 36), le32(cfg + 40));

	v = 1ull | 1ull << F_VERSION_1 | 1ull << F_PROTOCOL;
	T_CHECK(t, set_acked(2, &v, 8, -1) == 0, "SET_FEATURES with bit 0");
	T_CHECK(t, set_acked(5, &mt, sizeof(mt), memfd) == 0, "SET_MEM_TABLE");
	st.index = 1;
	st.num = QN;
	T_CHECK(t, set_acked(8, &st, 8, -1) == 0, "SET_VRING_NUM");
	T_CHECK(t, set_acked(9, &addr, sizeof(addr), -1) == 0, "SET_VRING_ADDR");
	st.num = 0;
	T_CHECK(t, set_acked(10, &st, 8, -1) == 0, "SET_VRING_BASE");
	v = 1;
	T_CHECK(t, set_acked(13, &v, 8, call) == 0, "SET_VRING_CALL");
	T_CHECK(t, set_acked(12, &v, 8, kick) == 0, "SET_VRING_KICK");
	st.num = 1;
	T_CHECK(t, set_acked(18, &st, 8, -1) == 0, "SET_VRING_ENABLE");

	/* the guest knows f (through the server: the table is shared) */
	T_CHECK(t, t_init(t) == 0, "INIT");
	T_CHECK(t, host(t, "echo one > f") == 0, "host create");
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "f", &e) == 0, "LOOKUP f");
	usleep(300000);		/* the create's event, before the lookup */

	/* no buffer posted: the message waits */
	T_CHECK(t, host(t, "echo two >> f") == 0, "host write");
	usleep(300000);
	T_CHECK(t, *used_idx() == 0, "a used element without a buffer");
	post(kick, 0);
	T_CHECK(t, used_reaches(1), "the waiting message never came");
	if (!t->why[0]) {
		struct fuse_notify_inval_inode_out o = { e.nodeid, 0, -1 };
		struct fuse_notify_inval_entry_out en = { FUSE_ROOT_ID, 1, 0 };

		/* the create may have come first, as INVAL_ENTRY(root, f) */
		if (used_msg(0, FUSE_NOTIFY_INVAL_ENTRY, &en, sizeof(en), "f")) {
			post(kick, 1);
			T_CHECK(t, used_reaches(2), "second message never came");
			T_CHECK(t, used_msg(1, FUSE_NOTIFY_INVAL_INODE, &o, sizeof(o), NULL),
				"used element 1 is not INVAL_INODE(f, 0, -1)");
		} else {
			T_CHECK(t, used_msg(0, FUSE_NOTIFY_INVAL_INODE, &o, sizeof(o), NULL),
				"used element 0 is not INVAL_INODE(f, 0, -1)");
		}
	}
	v = 0;
	T_CHECK(t, read(call, &v, 8) == 8 && v, "the guest was not signalled");

	/* a rename: two buffers, DELETE then INVAL_ENTRY */
	if (!t->why[0]) {
		uint16_t base = *used_idx();
		struct fuse_notify_delete_out d = { FUSE_ROOT_ID, e.nodeid, 1, 0 };
		struct fuse_notify_inval_entry_out en = { FUSE_ROOT_ID, 1, 0 };

		T_CHECK(t, host(t, "mv f g") == 0, "host rename");
		post(kick, 2);
		post(kick, 3);
		T_CHECK(t, used_reaches(base + 2), "rename: %u of 2 messages",
			*used_idx() - base);
		T_CHECK(t, used_msg(base, FUSE_NOTIFY_DELETE, &d, sizeof(d), "f") &&
			   used_msg(base + 1, FUSE_NOTIFY_INVAL_ENTRY, &en,
				    sizeof(en), "g"),
			"rename: not DELETE(root, f, f) then INVAL_ENTRY(root, g)");
	}
	front_stop(&f);
	munmap(mem, MEM_SIZE);
	close(memfd);
	close(kick);
	close(call);
}

int main(void)
{
	static const struct t_case cases[] = {
		{ "vhost_notify_off", test_without_notify },
		{ "vhost_notify_queue", test_notify_queue },
	};

	return t_run_cases(cases, sizeof(cases) / sizeof(cases[0]),
			   "needs root (fanotify filesystem marks)");
}
