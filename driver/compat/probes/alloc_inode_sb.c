// SPDX-License-Identifier: GPL-2.0
/* HAVE_ALLOC_INODE_SB: alloc_inode_sb() (5.18+) */
#include <linux/fs.h>

static __maybe_unused void *vng_probe(struct super_block *sb,
				      struct kmem_cache *c)
{
	return alloc_inode_sb(sb, c, GFP_KERNEL);
}
