// SPDX-License-Identifier: GPL-2.0
/*
 * Split-ring parsing over a malloc'd "guest memory": well-formed chains,
 * indirect tables, and the malformed chains a hostile guest can post
 * (loops, out-of-range indices and addresses, bad ordering), plus the
 * EVENT_IDX / NO_INTERRUPT notification decisions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "virtqueue.h"

#define QSZ		8
#define MEM_SIZE	(64 * 1024)
#define GPA_BASE	0x100000ull	/* not 0, so translation is exercised */
/* guest-physical layout inside region 0 */
#define DESC_GPA	(GPA_BASE + 0x0)
#define AVAIL_GPA	(GPA_BASE + 0x1000)
#define USED_GPA	(GPA_BASE + 0x2000)
#define IND_GPA		(GPA_BASE + 0x3000)
#define BUF_GPA		(GPA_BASE + 0x4000)

static int failures;

static struct env {
	uint8_t *host;		/* region 0 */
	uint8_t *host2;		/* region 1: directly follows region 0 in gpa */
	struct vq_mem mem;
	struct virtqueue vq;
	struct vq_elem elem;
	uint16_t avail_idx;
} E;

static void check(bool ok, const char *name, const char *what)
{
	if (!ok) {
		printf("FAIL unit/virtqueue.%s: %s\n", name, what);
		failures++;
	}
}

static struct vq_desc *desc_at(uint64_t table_gpa, unsigned int i)
{
	return (struct vq_desc *)(E.host + (table_gpa - GPA_BASE)) + i;
}

static void set_desc(uint64_t table_gpa, unsigned int i, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next)
{
	struct vq_desc *d = desc_at(table_gpa, i);

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

static void post(uint16_t head)
{
	struct vq_avail *a = (void *)(E.host + (AVAIL_GPA - GPA_BASE));

	a->ring[E.avail_idx % QSZ] = head;
	E.avail_idx++;
	a->idx = E.avail_idx;
}

static void setup(void)
{
	free(E.host);
	free(E.host2);
	memset(&E, 0, sizeof(E));
	E.host = calloc(1, MEM_SIZE);
	E.host2 = calloc(1, MEM_SIZE);
	if (!E.host || !E.host2) {
		printf("FAIL unit/virtqueue.setup: out of memory\n");
		exit(1);
	}
	E.mem.nregions = 2;
	E.mem.regions[0] = (struct vq_region){
		.gpa = GPA_BASE, .size = MEM_SIZE, .uaddr = 0x7f0000000000ull,
		.host = E.host,
	};
	E.mem.regions[1] = (struct vq_region){
		.gpa = GPA_BASE + MEM_SIZE, .size = MEM_SIZE,
		.uaddr = 0x7f1000000000ull, .host = E.host2,
	};
	if (vq_attach(&E.vq, &E.mem, QSZ,
		      vq_gpa_to_va(&E.mem, DESC_GPA, vq_desc_bytes(QSZ), NULL),
		      vq_gpa_to_va(&E.mem, AVAIL_GPA, vq_avail_bytes(QSZ), NULL),
		      vq_gpa_to_va(&E.mem, USED_GPA, vq_used_bytes(QSZ), NULL))) {
		printf("FAIL unit/virtqueue.setup: vq_attach\n");
		exit(1);
	}
}

static void finish(const char *name, int before)
{
	if (failures == before)
		printf("PASS unit/virtqueue.%s\n", name);
}

static void test_translate(void)
{
	int f = failures;
	uint64_t avail;

	setup();
	check(vq_gpa_to_va(&E.mem, GPA_BASE, 1, NULL) == E.host, "translate",
	      "region start");
	check(vq_gpa_to_va(&E.mem, GPA_BASE + MEM_SIZE - 1, 1, NULL) ==
	      E.host + MEM_SIZE - 1, "translate", "last byte");
	check(!vq_gpa_to_va(&E.mem, GPA_BASE + MEM_SIZE - 1, 2, NULL),
	      "translate", "range crossing a region end accepted");
	check(!vq_gpa_to_va(&E.mem, GPA_BASE - 1, 1, NULL), "translate",
	      "address below memory accepted");
	check(!vq_gpa_to_va(&E.mem, ~0ull, 1, NULL), "translate",
	      "address ~0 accepted");
	check(vq_gpa_to_va(&E.mem, GPA_BASE + 10, 0, &avail) == E.host + 10 &&
	      avail == MEM_SIZE - 10, "translate", "available length");
	check(vq_uva_to_va(&E.mem, 0x7f1000000010ull, 16) == E.host2 + 16,
	      "translate", "front-end virtual address");
	check(!vq_uva_to_va(&E.mem, 0x7f1000000000ull + MEM_SIZE - 8, 16),
	      "translate", "front-end range past the region accepted");
	check(vq_attach(&E.vq, &E.mem, 6, E.host, E.host, E.host) < 0,
	      "translate", "queue size 6 accepted");
	check(vq_attach(&E.vq, &E.mem, QSZ, E.host + 8, E.host, E.host) < 0,
	      "translate", "misaligned descriptor table accepted");
	finish("translate", f);
}

static void test_empty(void)
{
	int f = failures;

	setup();
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_EMPTY, "empty", "not empty");
	finish("empty", f);
}

static void test_normal(void)
{
	struct vq_used *u;
	int f = failures;

	setup();
	set_desc(DESC_GPA, 0, BUF_GPA, 40, VQ_DESC_F_NEXT, 3);
	set_desc(DESC_GPA, 3, BUF_GPA + 100, 10, VQ_DESC_F_NEXT, 5);
	set_desc(DESC_GPA, 5, BUF_GPA + 200, 64, VQ_DESC_F_WRITE, 0);
	post(0);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_OK, "normal", "pop failed");
	check(E.elem.head == 0 && E.elem.nrd == 2 && E.elem.nwr == 1, "normal",
	      "wrong buffer counts");
	check(E.elem.iov[0].iov_base == E.host + 0x4000 &&
	      E.elem.iov[0].iov_len == 40 &&
	      E.elem.iov[1].iov_base == E.host + 0x4000 + 100 &&
	      E.elem.iov[2].iov_base == E.host + 0x4000 + 200 &&
	      E.elem.iov[2].iov_len == 64, "normal", "wrong iovecs");
	vq_push(&E.vq, E.elem.head, 17);
	u = (void *)(E.host + (USED_GPA - GPA_BASE));
	check(u->idx == 1 && u->ring[0].id == 0 && u->ring[0].len == 17,
	      "normal", "used ring not updated");
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_EMPTY, "normal",
	      "second pop not empty");
	/* a buffer straddling the two regions becomes two iovecs */
	set_desc(DESC_GPA, 1, GPA_BASE + MEM_SIZE - 8, 24, VQ_DESC_F_WRITE, 0);
	post(1);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_OK && E.elem.nwr == 2 &&
	      E.elem.iov[0].iov_base == E.host + MEM_SIZE - 8 &&
	      E.elem.iov[0].iov_len == 8 &&
	      E.elem.iov[1].iov_base == E.host2 &&
	      E.elem.iov[1].iov_len == 16, "normal",
	      "region-crossing buffer not split");
	finish("normal", f);
}

static void test_indirect(void)
{
	int f = failures;

	setup();
	set_desc(IND_GPA, 0, BUF_GPA, 48, VQ_DESC_F_NEXT, 1);
	set_desc(IND_GPA, 1, BUF_GPA + 48, 8, VQ_DESC_F_NEXT, 2);
	set_desc(IND_GPA, 2, BUF_GPA + 64, 100, VQ_DESC_F_WRITE, 0);
	set_desc(DESC_GPA, 2, IND_GPA, 3 * 16, VQ_DESC_F_INDIRECT, 0);
	post(2);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_OK, "indirect", "pop failed");
	check(E.elem.head == 2 && E.elem.nrd == 2 && E.elem.nwr == 1 &&
	      E.elem.iov[2].iov_len == 100, "indirect", "wrong chain");

	/* next index past the end of the indirect table */
	set_desc(IND_GPA, 2, BUF_GPA + 64, 100, VQ_DESC_F_WRITE | VQ_DESC_F_NEXT, 3);
	post(2);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BAD_CHAIN, "indirect",
	      "next past the table accepted");
	set_desc(IND_GPA, 2, BUF_GPA + 64, 100, VQ_DESC_F_WRITE, 0);

	/* nested indirect */
	set_desc(IND_GPA, 1, IND_GPA, 16, VQ_DESC_F_INDIRECT, 0);
	post(2);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BAD_CHAIN, "indirect",
	      "nested indirect accepted");

	/* table length not a multiple of 16, table outside memory */
	set_desc(DESC_GPA, 2, IND_GPA, 40, VQ_DESC_F_INDIRECT, 0);
	post(2);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BAD_CHAIN, "indirect",
	      "odd table length accepted");
	set_desc(DESC_GPA, 2, 0x10, 48, VQ_DESC_F_INDIRECT, 0);
	post(2);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BAD_CHAIN, "indirect",
	      "unmapped table accepted");
	/* indirect in the middle of a chain */
	set_desc(DESC_GPA, 0, BUF_GPA, 8, VQ_DESC_F_NEXT, 2);
	set_desc(DESC_GPA, 2, IND_GPA, 48, VQ_DESC_F_INDIRECT, 0);
	post(0);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BAD_CHAIN, "indirect",
	      "indirect after a direct descriptor accepted");
	/* an indirect loop: 0 -> 1 -> 0 */
	set_desc(IND_GPA, 0, BUF_GPA, 8, VQ_DESC_F_NEXT, 1);
	set_desc(IND_GPA, 1, BUF_GPA, 8, VQ_DESC_F_NEXT, 0);
	post(2);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BAD_CHAIN, "indirect",
	      "indirect loop accepted");
	check(!E.vq.broken, "indirect", "queue broken by a bad chain");
	finish("indirect", f);
}

static void test_loop(void)
{
	int f = failures;

	setup();
	set_desc(DESC_GPA, 0, BUF_GPA, 8, VQ_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, BUF_GPA, 8, VQ_DESC_F_NEXT, 0);
	post(0);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BAD_CHAIN, "loop",
	      "loop accepted");
	check(E.elem.head == 0, "loop", "head not reported");
	/* a self-loop */
	set_desc(DESC_GPA, 4, BUF_GPA, 8, VQ_DESC_F_NEXT, 4);
	post(4);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BAD_CHAIN, "loop",
	      "self loop accepted");
	/* a chain of exactly QSZ entries is fine */
	for (unsigned int i = 0; i < QSZ; i++)
		set_desc(DESC_GPA, i, BUF_GPA + i, 1,
			 i + 1 < QSZ ? VQ_DESC_F_NEXT : 0, i + 1);
	post(0);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_OK && E.elem.nrd == QSZ, "loop",
	      "full-length chain refused");
	/* the ring still works afterwards */
	set_desc(DESC_GPA, 6, BUF_GPA, 4, 0, 0);
	post(6);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_OK, "loop",
	      "ring unusable after a loop");
	finish("loop", f);
}

static void test_out_of_bounds(void)
{
	int f = failures;

	setup();
	/* buffer outside guest memory */
	set_desc(DESC_GPA, 0, 0x1000, 8, 0, 0);
	post(0);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BAD_CHAIN, "out_of_bounds",
	      "unmapped buffer accepted");
	/* buffer running past the end of memory */
	set_desc(DESC_GPA, 0, GPA_BASE + 2 * MEM_SIZE - 4, 8, 0, 0);
	post(0);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BAD_CHAIN, "out_of_bounds",
	      "buffer past the end accepted");
	/* address + length wrapping around 2^64 */
	set_desc(DESC_GPA, 0, ~0ull - 2, 8, 0, 0);
	post(0);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BAD_CHAIN, "out_of_bounds",
	      "wrapping buffer accepted");
	/* next index out of range */
	set_desc(DESC_GPA, 0, BUF_GPA, 8, VQ_DESC_F_NEXT, QSZ);
	post(0);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BAD_CHAIN, "out_of_bounds",
	      "next index out of range accepted");
	/* readable after writable */
	set_desc(DESC_GPA, 0, BUF_GPA, 8, VQ_DESC_F_WRITE | VQ_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, BUF_GPA, 8, 0, 0);
	post(0);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BAD_CHAIN, "out_of_bounds",
	      "readable after writable accepted");
	check(!E.vq.broken, "out_of_bounds", "queue broken by bad chains");
	/* a head index out of range cannot be returned: the ring is broken */
	post(QSZ + 3);
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BROKEN && E.vq.broken,
	      "out_of_bounds", "bad head accepted");
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BROKEN, "out_of_bounds",
	      "broken ring served again");

	/* avail index running more than a ring ahead */
	setup();
	((struct vq_avail *)(E.host + (AVAIL_GPA - GPA_BASE)))->idx = QSZ + 1;
	check(vq_pop(&E.vq, &E.elem) == VQ_POP_BROKEN, "out_of_bounds",
	      "avail index jump accepted");
	finish("out_of_bounds", f);
}

static uint16_t *used_event(void)
{
	return &((struct vq_avail *)(E.host + (AVAIL_GPA - GPA_BASE)))->ring[QSZ];
}

static void push_one(void)
{
	set_desc(DESC_GPA, 0, BUF_GPA, 8, VQ_DESC_F_WRITE, 0);
	post(0);
	if (vq_pop(&E.vq, &E.elem) != VQ_POP_OK)
		check(false, "event_idx", "pop failed");
	vq_push(&E.vq, E.elem.head, 8);
}

static void test_event_idx(void)
{
	struct vq_avail *a;
	uint16_t *avail_event;
	int f = failures;

	setup();
	E.vq.event_idx = true;
	*used_event() = 0;
	push_one();			/* used idx 1 */
	check(vq_should_notify(&E.vq), "event_idx", "first push not signalled");
	check(!vq_should_notify(&E.vq), "event_idx",
	      "signalled with nothing new");
	*used_event() = 5;		/* guest wants an interrupt past 5 */
	push_one();			/* 2 */
	check(!vq_should_notify(&E.vq), "event_idx",
	      "signalled before used_event");
	push_one();			/* 3 */
	push_one();			/* 4 */
	push_one();			/* 5 */
	check(!vq_should_notify(&E.vq), "event_idx",
	      "signalled at used_event, not past it");
	push_one();			/* 6: crosses used_event 5 */
	check(vq_should_notify(&E.vq), "event_idx",
	      "not signalled after crossing used_event");
	/* several pushes crossing the event in one batch */
	*used_event() = 7;
	push_one();			/* 7 */
	push_one();			/* 8 */
	push_one();			/* 9 */
	check(vq_should_notify(&E.vq), "event_idx",
	      "batch crossing used_event not signalled");

	/* avail_event is published before sleeping */
	avail_event = (uint16_t *)&((struct vq_used *)
				    (E.host + (USED_GPA - GPA_BASE)))->ring[QSZ];
	check(!vq_prepare_wait(&E.vq) && *avail_event == E.vq.last_avail_idx,
	      "event_idx", "avail_event not published");
	post(0);
	check(vq_prepare_wait(&E.vq), "event_idx",
	      "pending buffer not seen before sleeping");

	/* without EVENT_IDX: VRING_AVAIL_F_NO_INTERRUPT decides */
	setup();
	a = (void *)(E.host + (AVAIL_GPA - GPA_BASE));
	push_one();
	check(vq_should_notify(&E.vq), "event_idx", "plain ring not signalled");
	a->flags = VQ_AVAIL_F_NO_INTERRUPT;
	push_one();
	check(!vq_should_notify(&E.vq), "event_idx",
	      "NO_INTERRUPT not honoured");
	finish("event_idx", f);
}

int main(void)
{
	/* the bad chains below are expected: keep their log lines out of sight */
	if (!getenv("VQ_TEST_VERBOSE") && !freopen("/dev/null", "w", stderr))
		return 1;
	test_translate();
	test_empty();
	test_normal();
	test_indirect();
	test_loop();
	test_out_of_bounds();
	test_event_idx();
	free(E.host);
	free(E.host2);
	return failures ? 1 : 0;
}
