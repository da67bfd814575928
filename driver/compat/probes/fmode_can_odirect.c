// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_FMODE_CAN_ODIRECT: open() allows O_DIRECT when the file sets
 * FMODE_CAN_ODIRECT (6.0+; before, when aops has ->direct_IO)
 */
#include <linux/fs.h>

static void __maybe_unused vng_probe(struct file *file)
{
	file->f_mode |= FMODE_CAN_ODIRECT;
}
