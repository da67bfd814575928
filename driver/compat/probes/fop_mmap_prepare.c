// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_FOP_MMAP_PREPARE: file_operations.mmap_prepare(struct vm_area_desc *)
 * (6.17+)
 */
#include <linux/fs.h>
#include <linux/mm.h>

static int vng_mmap_prepare(struct vm_area_desc *desc)
{
	return 0;
}

static const struct file_operations vng_fops __maybe_unused = {
	.mmap_prepare = vng_mmap_prepare,
};
