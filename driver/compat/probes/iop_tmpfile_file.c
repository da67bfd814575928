// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_IOP_TMPFILE_FILE: ->tmpfile gets the struct file to open, finished
 * with finish_open_simple() (6.1+; a dentry before)
 */
#include <linux/fs.h>

static int __maybe_unused vng_probe(struct file *file)
{
	return finish_open_simple(file, 0);
}
