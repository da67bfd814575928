// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_SB_FSNOTIFY_CONNECTORS: super_block.s_fsnotify_connectors counts
 * the fsnotify marks on a superblock (5.15, backported to Debian's 5.10;
 * 6.8 replaced it by fsnotify_sb_has_watchers())
 */
#include <linux/fs.h>

static long __maybe_unused vng_probe(struct super_block *sb)
{
	return atomic_long_read(&sb->s_fsnotify_connectors);
}
