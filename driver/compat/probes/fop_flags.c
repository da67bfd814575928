// SPDX-License-Identifier: GPL-2.0
/* HAVE_FOP_FLAGS: file_operations.fop_flags (6.10+) */
#include <linux/fs.h>

static const struct file_operations vng_fops __maybe_unused = {
	.fop_flags = FOP_BUFFER_RASYNC,
};
