// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_FSNOTIFY_SB_HAS_WATCHERS: fsnotify_sb_has_watchers(), whether any
 * fsnotify mark lives on a superblock (6.8+; the counter moved into
 * struct fsnotify_sb_info)
 */
#include <linux/fsnotify.h>

static bool __maybe_unused vng_probe(struct super_block *sb)
{
	return fsnotify_sb_has_watchers(sb);
}
