// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_BASE: nothing: the headers and compiler work at all (always defined
 * away)
 */
#include <linux/module.h>

static int __maybe_unused vng_probe(void)
{
	return 0;
}
