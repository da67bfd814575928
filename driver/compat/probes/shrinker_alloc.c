// SPDX-License-Identifier: GPL-2.0
/* HAVE_SHRINKER_ALLOC: shrinker_alloc()/shrinker_register() (6.7+) */
#include <linux/mm.h>
#include <linux/shrinker.h>

static __maybe_unused struct shrinker *vng_probe(void)
{
	struct shrinker *s = shrinker_alloc(0, "vng-%d", 1);

	if (s)
		shrinker_register(s);
	return s;
}
