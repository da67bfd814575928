// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_PAGE_ENTRY_SIZE: dax_iomap_fault() takes enum page_entry_size (up to
 * 6.5; unsigned int order after)
 */
#include <linux/dax.h>
#include <linux/iomap.h>
#include <linux/mm.h>

static vm_fault_t __maybe_unused vng_probe(struct vm_fault *vmf,
					   const struct iomap_ops *ops)
{
	enum page_entry_size pe = PE_SIZE_PTE;

	return dax_iomap_fault(vmf, pe, NULL, NULL, ops);
}
