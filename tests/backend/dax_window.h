/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The back end's own record of what is mapped in the DAX window (virtio
 * shared-memory region 0).  The front end (QEMU) refuses a mapping over an
 * existing one and only unmaps whole mappings, while FUSE_SETUPMAPPING has
 * mmap(MAP_FIXED) semantics (a read-only range is "upgraded" to writable
 * by mapping it again).  The table lets the transport turn one into the
 * other: which existing mappings a request replaces or removes, and a
 * clean error when a request would cut one in two.
 *
 * Pure bookkeeping, no locking and no I/O: the caller serialises.
 */
#ifndef BACKEND_DAX_WINDOW_H
#define BACKEND_DAX_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dax_map {
	uint64_t off, len;	/* window offset and length, bytes */
	bool writable;
};

struct dax_window {
	uint64_t size;		/* window bytes */
	uint64_t align;		/* offsets/lengths must be multiples */
	struct dax_map *maps;	/* sorted by off, never overlapping */
	size_t n, cap;
};

/* size and align: powers of two not required, align must be != 0 */
void dax_window_init(struct dax_window *w, uint64_t size, uint64_t align);
void dax_window_free(struct dax_window *w);
void dax_window_clear(struct dax_window *w);

/*
 * True if [off, off + len) is a non-empty, aligned range inside the
 * window (fd offsets are checked by the caller: they are the file's).
 */
bool dax_window_range_ok(const struct dax_window *w, uint64_t off,
			 uint64_t len);

/*
 * The mappings [off, off + len) touches: maps[*first .. *first + *count).
 * Returns 0, or -EBUSY if one of them reaches outside the range (the
 * front end cannot split a mapping, so the request cannot be honoured).
 */
int dax_window_covered(const struct dax_window *w, uint64_t off,
		       uint64_t len, size_t *first, size_t *count);

/* Records a mapping; it must not overlap any.  0, -EEXIST or -ENOMEM. */
int dax_window_add(struct dax_window *w, uint64_t off, uint64_t len,
		   bool writable);

/* Forgets maps[i]. */
void dax_window_remove_at(struct dax_window *w, size_t i);

/* Bytes currently mapped (statistics, tests). */
uint64_t dax_window_mapped(const struct dax_window *w);

#endif
