// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_PFN_T: pfn_t still exists (removed in 6.17: dax uses unsigned long
 * pfns)
 */
#include <linux/dax.h>
#include <linux/pfn_t.h>

static pfn_t __maybe_unused vng_probe(unsigned long pfn)
{
	return pfn_to_pfn_t(pfn);
}
