// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_INODE_STATE_READ: inode_state_read_once() accessors; i_state is no
 * longer a plain word (6.19+)
 */
#include <linux/fs.h>

static bool __maybe_unused vng_probe(struct inode *inode)
{
	return inode_state_read_once(inode) & I_NEW;
}
