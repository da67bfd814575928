// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SET_DAX_NOCACHE: set_dax_nocache() and set_dax_nomc() (5.17+: the
 * copy methods moved from dax_operations into fs/dax, chosen by flags)
 */
#include <linux/dax.h>

static void __maybe_unused vng_probe(struct dax_device *d)
{
	set_dax_nocache(d);
	set_dax_nomc(d);
}
