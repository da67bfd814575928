// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_LOOKUP_NOPERM_UNLOCKED: lookup_noperm_unlocked(name, base) replaces
 * lookup_one_len_unlocked() (6.16+)
 */
#include <linux/namei.h>

static __maybe_unused struct dentry *vng_probe(struct qstr *name,
					       struct dentry *base)
{
	return lookup_noperm_unlocked(name, base);
}
