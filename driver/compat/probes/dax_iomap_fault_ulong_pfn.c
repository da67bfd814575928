// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_DAX_IOMAP_FAULT_ULONG_PFN: dax_iomap_fault() reports an unsigned long
 * pfn (6.17+)
 */
#include <linux/dax.h>
#include <linux/iomap.h>
#include <linux/mm.h>

static const struct iomap_ops vng_iomap_ops;

static vm_fault_t __maybe_unused vng_probe(struct vm_fault *vmf,
					   unsigned long *pfn)
{
	return dax_iomap_fault(vmf, 0U, pfn, NULL, &vng_iomap_ops);
}
