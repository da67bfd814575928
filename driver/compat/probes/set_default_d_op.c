// SPDX-License-Identifier: GPL-2.0
/* HAVE_SET_DEFAULT_D_OP: set_default_d_op() (6.17+; sb->s_d_op before) */
#include <linux/dcache.h>
#include <linux/fs.h>

static const struct dentry_operations vng_dops;

static void __maybe_unused vng_probe(struct super_block *sb)
{
	set_default_d_op(sb, &vng_dops);
}
