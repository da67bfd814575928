// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_REGISTER_SHRINKER_NAME: register_shrinker(shrinker, fmt, ...) (6.0 to
 * 6.6)
 */
#include <linux/mm.h>
#include <linux/shrinker.h>

static int __maybe_unused vng_probe(struct shrinker *s)
{
	return register_shrinker(s, "vng-%d", 1);
}
