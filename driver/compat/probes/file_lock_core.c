// SPDX-License-Identifier: GPL-2.0
/* HAVE_FILE_LOCK_CORE: struct file_lock embeds struct file_lock_core (6.9+) */
#include <linux/filelock.h>

static unsigned int __maybe_unused vng_probe(struct file_lock *fl)
{
	return fl->c.flc_flags;
}
