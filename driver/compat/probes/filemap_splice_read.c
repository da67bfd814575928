// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_FILEMAP_SPLICE_READ: filemap_splice_read() (6.5+;
 * generic_file_splice_read before)
 */
#include <linux/fs.h>

static ssize_t __maybe_unused vng_probe(struct file *in, loff_t *pos,
					struct pipe_inode_info *pipe)
{
	return filemap_splice_read(in, pos, pipe, 1, 0);
}
