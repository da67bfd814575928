// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_GENERIC_FILLATTR_REQUEST_MASK: generic_fillattr(idmap, request_mask,
 * inode, stat) (6.6+)
 */
#include <linux/fs.h>
#include <linux/stat.h>

static void __maybe_unused vng_probe(struct inode *inode, struct kstat *st)
{
	generic_fillattr(&nop_mnt_idmap, STATX_BASIC_STATS, inode, st);
}
