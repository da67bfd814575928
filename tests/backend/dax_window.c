// SPDX-License-Identifier: GPL-2.0
/*
 * DAX window bookkeeping (see dax_window.h).  A sorted array: the kernel's
 * client maps 2 MiB pieces, so even a 64 GiB window is 32768 entries, and
 * lookups are binary searches.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dax_window.h"

void dax_window_init(struct dax_window *w, uint64_t size, uint64_t align)
{
	memset(w, 0, sizeof(*w));
	w->size = size;
	w->align = align ? align : 1;
}

void dax_window_free(struct dax_window *w)
{
	free(w->maps);
	w->maps = NULL;
	w->n = w->cap = 0;
}

void dax_window_clear(struct dax_window *w)
{
	w->n = 0;
}

bool dax_window_range_ok(const struct dax_window *w, uint64_t off,
			 uint64_t len)
{
	return len && off < w->size && len <= w->size - off &&
	       off % w->align == 0 && len % w->align == 0;
}

/* index of the first mapping that ends after off */
static size_t first_after(const struct dax_window *w, uint64_t off)
{
	size_t lo = 0, hi = w->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct dax_map *m = &w->maps[mid];

		if (m->off + m->len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int dax_window_covered(const struct dax_window *w, uint64_t off,
		       uint64_t len, size_t *first, size_t *count)
{
	uint64_t end = off + len;
	size_t i = first_after(w, off), j;

	*first = i;
	for (j = i; j < w->n && w->maps[j].off < end; j++)
		if (w->maps[j].off < off || w->maps[j].off + w->maps[j].len > end) {
			*count = 0;
			return -EBUSY;
		}
	*count = j - i;
	return 0;
}

int dax_window_add(struct dax_window *w, uint64_t off, uint64_t len,
		   bool writable)
{
	size_t i = first_after(w, off);

	if (!len || (i < w->n && w->maps[i].off < off + len))
		return -EEXIST;
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		struct dax_map *m = realloc(w->maps, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		w->maps = m;
		w->cap = cap;
	}
	memmove(&w->maps[i + 1], &w->maps[i], (w->n - i) * sizeof(*w->maps));
	w->maps[i] = (struct dax_map){ .off = off, .len = len,
				       .writable = writable };
	w->n++;
	return 0;
}

void dax_window_remove_at(struct dax_window *w, size_t i)
{
	if (i >= w->n)
		return;
	memmove(&w->maps[i], &w->maps[i + 1],
		(w->n - i - 1) * sizeof(*w->maps));
	w->n--;
}

uint64_t dax_window_mapped(const struct dax_window *w)
{
	uint64_t t = 0;

	for (size_t i = 0; i < w->n; i++)
		t += w->maps[i].len;
	return t;
}
