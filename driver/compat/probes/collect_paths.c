// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_COLLECT_PATHS: collect_paths() (6.17+, collect_mounts() before).
 * Stands for the release's other, invisible change: ->d_automount()
 * returns the new mount with a single reference.
 */
#include <linux/mount.h>
#include <linux/path.h>

static void __maybe_unused vng_probe(const struct path *p, struct path *buf)
{
	const struct path *r = collect_paths(p, buf, 1);

	drop_collected_paths(r, buf);
}
