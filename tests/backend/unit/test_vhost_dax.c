// SPDX-License-Identifier: GPL-2.0
/*
 * The DAX window on the vhost-user side, against a scripted front end on
 * a socketpair (vu_serve() in a thread): the protocol feature and the
 * GET_SHMEM_CONFIG answer, the config space, and what FUSE_SETUPMAPPING /
 * FUSE_REMOVEMAPPING turn into on the back-end channel (SHMEM_MAP with
 * the file's fd, the ordering barrier, unmap-before-remap, whole-mapping
 * unmaps), plus a front end that answers garbage.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "fs_test.h"
#include "vhost_user.h"

#define MiB (1ull << 20)
#define WINDOW (64 * MiB)

#define F_REPLY_ACK	3
#define F_BACKEND_REQ	5
#define F_CONFIG	9
#define F_SEND_FD	10
#define F_SHMEM		22
#define F_MEM_SLOTS	15

struct hdr {
	uint32_t request, flags, size;
};

struct mmap_msg {
	uint8_t shmid, pad[7];
	uint64_t fd_offset, shm_offset, len, flags;
};

static int ctl, be;		/* our ends: control channel, back-end channel */

static void *serve(void *arg)
{
	void **a = arg;
	int never[2];

	/* a stop fd that never fires */
	if (pipe(never))
		return NULL;
	vu_serve(a[0], *(int *)a[1], never[0]);
	close(never[0]);
	close(never[1]);
	return NULL;
}

static bool send_msg(int fd, uint32_t req, uint32_t flags, const void *p,
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

	memcpy(buf, &h, 12);
	if (size)
		memcpy(buf + 12, p, size);
	if (pass_fd >= 0) {
		struct cmsghdr *cm;

		memset(&c, 0, sizeof(c));
		mh.msg_control = c.b;
		mh.msg_controllen = sizeof(c.b);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	return sendmsg(fd, &mh, 0) == (ssize_t)iov.iov_len;
}

/* Receives one message (payload up to cap) and its fd, within 5 s. */
static long recv_msg(int fd, struct hdr *h, void *p, size_t cap, int *got_fd)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} c;
	struct iovec iov = { h, 12 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = c.b, .msg_controllen = sizeof(c.b) };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct cmsghdr *cm;

	if (got_fd)
		*got_fd = -1;
	if (poll(&pfd, 1, 5000) != 1 || recvmsg(fd, &mh, 0) != 12)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_type == SCM_RIGHTS && got_fd)
			memcpy(got_fd, CMSG_DATA(cm), sizeof(int));
	if (h->size > cap)
		return -1;
	if (h->size && read(fd, p, h->size) != (ssize_t)h->size)
		return -1;
	return h->size;
}

static bool reply_u64(int fd, const struct hdr *req, uint64_t v)
{
	struct {
		struct hdr h;
		uint64_t v;
	} __attribute__((packed)) r = { { req->request, 1 | 4, 8 }, v };

	return write(fd, &r, sizeof(r)) == sizeof(r);
}

/* Control request with a u64 reply (GET_*) */
static uint64_t ctl_get(uint32_t req)
{
	struct hdr h;
	uint64_t v = 0;

	send_msg(ctl, req, 0, NULL, 0, -1);
	if (recv_msg(ctl, &h, &v, sizeof(v), NULL) != 8)
		return ~0ull;
	return v;
}

/* Control request with REPLY_ACK; returns the ack value */
static uint64_t ctl_set(uint32_t req, const void *p, uint32_t size, int fd)
{
	struct hdr h;
	uint64_t v = ~0ull;

	send_msg(ctl, req, 8, p, size, fd);
	recv_msg(ctl, &h, &v, sizeof(v), NULL);
	return v;
}

/* ---- the scripted "QEMU" on the back-end channel ---- */

#define MAXSEEN 16
static struct seen {
	uint32_t req;
	struct mmap_msg mm;
	bool had_fd;
	uint32_t size;
} seen[MAXSEEN];
static int nseen;
static int answer_map = 0;	/* what SHMEM_MAP gets: 0 ok, 1 refused */
static bool garbage;		/* answer with a bad message instead */

static void *fake_qemu(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned char p[64];
		struct hdr h;
		int fd;
		long n = recv_msg(be, &h, p, sizeof(p), &fd);

		if (n < 0)
			return NULL;
		if (nseen < MAXSEEN) {
			seen[nseen].req = h.request;
			seen[nseen].size = h.size;
			seen[nseen].had_fd = fd >= 0;
			memcpy(&seen[nseen].mm, p, n < 40 ? (size_t)n : 40);
			nseen++;
		}
		if (fd >= 0)
			close(fd);
		if (!(h.flags & 8))
			continue;
		if (garbage) {
			struct hdr bad = { 99, 5, 3 };

			if (write(be, &bad, sizeof(bad)) < 0)
				return NULL;
			continue;
		}
		reply_u64(be, &h, h.request == 9 ? (uint64_t)answer_map :
				  h.request == 7 ? 1 : 0);
	}
}

static int map_req(struct t *t, uint64_t nodeid, uint64_t moff, uint64_t len,
		   bool w)
{
	struct fuse_setupmapping_in sm = {
		.fh = ~0ull, .foffset = 0, .moffset = moff, .len = len,
		.flags = FUSE_SETUPMAPPING_FLAG_READ |
			 (w ? FUSE_SETUPMAPPING_FLAG_WRITE : 0),
	};
	int err;

	t_call(t, FUSE_SETUPMAPPING, nodeid, &sm, sizeof(sm), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	return err;
}

static int unmap_req(struct t *t, uint64_t nodeid, uint64_t moff,
		     uint64_t len)
{
	struct {
		uint32_t count;
		struct fuse_removemapping_one one;
	} __attribute__((packed)) rm = { 1, { moff, len } };
	int err;

	t_call(t, FUSE_REMOVEMAPPING, nodeid, &rm, sizeof(rm), NULL, 0, NULL, 0,
	       NULL, 0, &err);
	return err;
}

static void test_vhost_window(struct t *t)
{
	int sp[2], bp[2], fd;
	struct vu_dev *dev;
	void *args[2];
	pthread_t srv_th, qemu_th;
	uint64_t pf;
	struct hdr h;
	unsigned char cfg[12 + 40];
	struct {
		uint32_t n, pad;
		uint64_t sizes[256];
	} shm;
	struct fuse_entry_out e;
	char p[128];

	snprintf(p, sizeof(p), "%s/f", t->dir);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	T_CHECK(t, fd >= 0 && ftruncate(fd, 8 * MiB) == 0, "host file");
	if (fd >= 0)
		close(fd);
	dev = vu_dev_new(t->srv, "daxtag", 1);
	if (!dev || vu_dev_set_window(dev, WINDOW) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sp) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, bp)) {
		T_CHECK(t, 0, "setup");
		return;
	}
	ctl = sp[0];
	be = bp[0];
	args[0] = dev;
	args[1] = &sp[1];
	pthread_create(&srv_th, NULL, serve, args);

	pf = ctl_get(15);	/* GET_PROTOCOL_FEATURES */
	T_CHECK(t, pf != ~0ull && (pf >> F_SHMEM & 1) && (pf >> F_REPLY_ACK & 1) &&
		   (pf >> F_BACKEND_REQ & 1) && (pf >> F_SEND_FD & 1) &&
		   (pf >> F_MEM_SLOTS & 1),
		"protocol features 0x%llx", (unsigned long long)pf);
	pf = 1ull << F_SHMEM | 1ull << F_REPLY_ACK | 1ull << F_BACKEND_REQ |
	     1ull << F_SEND_FD | 1ull << F_CONFIG | 1ull << F_MEM_SLOTS;
	/* no ack for this one: REPLY_ACK is not negotiated before it */
	send_msg(ctl, 16, 0, &pf, 8, -1);
	T_CHECK(t, ctl_get(17) == 2, "GET_QUEUE_NUM");

	/* memory slots one by one: guest RAM is mapped, a window file not */
	T_CHECK(t, ctl_get(36) == 512, "GET_MAX_MEM_SLOTS");
	{
		struct {
			uint64_t pad, gpa, size, uaddr, off;
		} reg = { 0, 0x100000, 1 * MiB, 0x7f0000000000ull, 0 };
		int ram = memfd_create("ram", 0);

		T_CHECK(t, ram >= 0 && ftruncate(ram, 1 * MiB) == 0, "memfd");
		T_CHECK(t, ctl_set(37, &reg, sizeof(reg), ram) == 0, "ADD_MEM_REG");
		T_CHECK(t, ctl_set(37, &reg, sizeof(reg), ram) == 0,
			"ADD_MEM_REG again");
		T_CHECK(t, ctl_set(38, &reg, sizeof(reg), -1) == 0, "REM_MEM_REG");
		T_CHECK(t, ctl_set(38, &reg, sizeof(reg), -1) == 0,
			"REM_MEM_REG of nothing");
		T_CHECK(t, ctl_set(37, &reg, sizeof(reg), ram) == 0,
			"ADD_MEM_REG after removal");
		if (ram >= 0)
			close(ram);
	}
	/* as many regions as announced (one is there), and not one more */
	{
		struct {
			uint64_t pad, gpa, size, uaddr, off;
		} reg = { 0, 0, 4096, 0, 0 };
		int ram = memfd_create("ram", 0);
		unsigned int i, added = 0, removed = 0;

		T_CHECK(t, ram >= 0 && ftruncate(ram, 4096) == 0, "memfd");
		for (i = 1; i <= 512; i++) {
			reg.gpa = 0x40000000ull + i * 0x10000;
			reg.uaddr = 0x7e0000000000ull + i * 0x10000;
			if (i < 512)
				added += ctl_set(37, &reg, sizeof(reg), ram) == 0;
			else
				T_CHECK(t, ctl_set(37, &reg, sizeof(reg), ram) == 1,
					"ADD_MEM_REG of region 513 refused");
		}
		T_CHECK(t, added == 511, "ADD_MEM_REG up to 512 regions: %u added",
			added + 1);
		for (i = 1; i < 512; i++) {
			reg.gpa = 0x40000000ull + i * 0x10000;
			reg.uaddr = 0x7e0000000000ull + i * 0x10000;
			removed += ctl_set(38, &reg, sizeof(reg), -1) == 0;
		}
		T_CHECK(t, removed == 511, "REM_MEM_REG of them: %u", removed);
		if (ram >= 0)
			close(ram);
	}

	/* GET_SHMEM_CONFIG: one region, the window, at shmid 0 */
	send_msg(ctl, 44, 0, NULL, 0, -1);
	memset(&shm, 0xff, sizeof(shm));
	T_CHECK(t, recv_msg(ctl, &h, &shm, sizeof(shm), NULL) == sizeof(shm) &&
		   h.request == 44 && shm.n == 1 && shm.sizes[0] == WINDOW &&
		   shm.sizes[1] == 0, "GET_SHMEM_CONFIG: %u regions, %llu",
		shm.n, (unsigned long long)shm.sizes[0]);

	/* GET_CONFIG: the tag and one request queue, as the generic device
	 * with config_size=40 asks for it */
	memset(cfg, 0, sizeof(cfg));
	cfg[4] = 40;	/* offset 0, size 40, flags 0 */
	send_msg(ctl, 24, 0, cfg, sizeof(cfg), -1);
	memset(cfg, 0xff, sizeof(cfg));
	T_CHECK(t, recv_msg(ctl, &h, cfg, sizeof(cfg), NULL) == sizeof(cfg) &&
		   !memcmp(cfg + 12, "daxtag", 7) && cfg[12 + 36] == 1 &&
		   cfg[12 + 39] == 0, "GET_CONFIG");

	/* no back-end channel yet: mappings are refused, not hung */
	T_CHECK(t, t_init(t) == 0, "INIT");
	T_CHECK(t, t_lookup(t, FUSE_ROOT_ID, "f", &e) == 0, "lookup");
	T_CHECK(t, map_req(t, e.nodeid, 0, 2 * MiB, false) == -EOPNOTSUPP,
		"map without a channel");

	T_CHECK(t, ctl_set(21, NULL, 0, bp[1]) == 0, "SET_BACKEND_REQ_FD");
	close(bp[1]);
	pthread_create(&qemu_th, NULL, fake_qemu, NULL);

	/* a read-only map: SHMEM_MAP with the fd, then the barrier */
	T_CHECK(t, map_req(t, e.nodeid, 4 * MiB, 2 * MiB, false) == 0, "map");
	T_CHECK(t, nseen == 2 && seen[0].req == 9 && seen[0].size == 40 &&
		   seen[0].had_fd && seen[0].mm.shmid == 0 &&
		   seen[0].mm.shm_offset == 4 * MiB &&
		   seen[0].mm.len == 2 * MiB && seen[0].mm.flags == 0 &&
		   seen[1].req == 7 && !seen[1].had_fd,
		"map messages: %d, req %u size %u", nseen, seen[0].req,
		seen[0].size);
	/* the upgrade to writable: unmap first (QEMU refuses overlaps) */
	nseen = 0;
	T_CHECK(t, map_req(t, e.nodeid, 4 * MiB, 2 * MiB, true) == 0, "upgrade");
	T_CHECK(t, nseen == 3 && seen[0].req == 10 &&
		   seen[0].mm.shm_offset == 4 * MiB && !seen[0].had_fd &&
		   seen[1].req == 9 && seen[1].mm.flags == 1,
		"upgrade messages: %d", nseen);
	/* splitting a mapping: refused before QEMU hears of it */
	nseen = 0;
	T_CHECK(t, unmap_req(t, e.nodeid, 5 * MiB, 1 * MiB) == -EINVAL &&
		   nseen == 0, "split unmap: %d", nseen);
	T_CHECK(t, map_req(t, e.nodeid, 5 * MiB, 2 * MiB, false) == -EINVAL &&
		   nseen == 0, "straddling map: %d", nseen);
	/* whole unmap */
	T_CHECK(t, unmap_req(t, e.nodeid, 0, 8 * MiB) == 0 && nseen == 1 &&
		   seen[0].req == 10, "unmap: %d", nseen);
	nseen = 0;
	T_CHECK(t, unmap_req(t, e.nodeid, 4 * MiB, 2 * MiB) == 0 && nseen == 0,
		"unmap of nothing");
	/* QEMU refuses: the guest gets an error, the table stays empty */
	answer_map = 1;
	T_CHECK(t, map_req(t, e.nodeid, 0, 2 * MiB, false) == -EIO, "refused");
	answer_map = 0;
	nseen = 0;
	T_CHECK(t, map_req(t, e.nodeid, 0, 2 * MiB, false) == 0 &&
		   seen[0].req == 9, "map after a refusal: %d", nseen);
	/*
	 * QEMU lists window mappings in its memory table too and aborts past
	 * 512 regions: with the table full (one RAM region, 503 of the
	 * window's, 8 spare) a new mapping is refused before QEMU hears of
	 * it; an upgrade, which replaces one, is not; after one goes, maps
	 * work again.
	 */
	{
		struct {
			uint64_t pad, gpa, size, uaddr, off;
		} reg = { 0, 0, 2 * MiB, 0, 0 };
		int wf = open(p, O_RDONLY);
		unsigned int i, added = 0, removed = 0;

		for (i = 0; i < 503; i++) {
			reg.gpa = 0x800000000ull + i * 2 * MiB;
			reg.uaddr = 0x7d0000000000ull + i * 2 * MiB;
			added += ctl_set(37, &reg, sizeof(reg), wf) == 0;
		}
		T_CHECK(t, wf >= 0 && added == 503, "window regions: %u", added);
		nseen = 0;
		T_CHECK(t, map_req(t, e.nodeid, 2 * MiB, 2 * MiB, false) == -ENOSPC &&
			   nseen == 0, "map with the table full: %d", nseen);
		T_CHECK(t, map_req(t, e.nodeid, 0, 2 * MiB, true) == 0,
			"upgrade with the table full");
		T_CHECK(t, ctl_set(38, &reg, sizeof(reg), -1) == 0,
			"REM_MEM_REG of a window region");
		nseen = 0;
		T_CHECK(t, map_req(t, e.nodeid, 2 * MiB, 2 * MiB, false) == 0 &&
			   seen[0].req == 9, "map after a region went: %d", nseen);
		for (i = 0; i < 502; i++) {
			reg.gpa = 0x800000000ull + i * 2 * MiB;
			reg.uaddr = 0x7d0000000000ull + i * 2 * MiB;
			removed += ctl_set(38, &reg, sizeof(reg), -1) == 0;
		}
		T_CHECK(t, removed == 502, "REM_MEM_REG: %u", removed);
		T_CHECK(t, unmap_req(t, e.nodeid, 2 * MiB, 2 * MiB) == 0,
			"unmap");
		if (wf >= 0)
			close(wf);
	}
	/* --dax-max-mappings 1: the same answer with one mapping there */
	vu_dev_set_max_mappings(dev, 1);
	nseen = 0;
	T_CHECK(t, map_req(t, e.nodeid, 2 * MiB, 2 * MiB, false) == -ENOSPC &&
		   nseen == 0, "map past --dax-max-mappings: %d", nseen);
	T_CHECK(t, map_req(t, e.nodeid, 0, 2 * MiB, false) == 0,
		"remap within --dax-max-mappings");
	vu_dev_set_max_mappings(dev, 0);
	nseen = 0;
	/* garbage on the channel: an error, the channel is dropped */
	garbage = true;
	T_CHECK(t, map_req(t, e.nodeid, 8 * MiB, 2 * MiB, false) == -EIO,
		"garbage answer");
	T_CHECK(t, map_req(t, e.nodeid, 10 * MiB, 2 * MiB, false) == -EOPNOTSUPP,
		"channel gone");

	close(ctl);	/* the front end goes away: vu_serve returns */
	pthread_join(srv_th, NULL);
	close(be);
	pthread_join(qemu_th, NULL);
	close(sp[1]);
	vu_dev_free(dev);
}

int main(void)
{
	struct t t;

	if (t_setup(&t, NULL)) {
		printf("FAIL unit/vhost.dax_window: setup: %s\n", strerror(errno));
		return 1;
	}
	test_vhost_window(&t);
	t_teardown(&t);
	if (t.why[0]) {
		printf("FAIL unit/vhost.dax_window: %s\n", t.why);
		return 1;
	}
	printf("PASS unit/vhost.dax_window\n");
	return 0;
}
