// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_FUSE_INIT_FLAGS2: the uapi <linux/fuse.h> speaks protocol 7.36+
 * (fuse_init_in.flags2; 5.17+)
 */
#include <linux/fuse.h>

static __u32 __maybe_unused vng_probe(struct fuse_init_in *in)
{
	return in->flags2;
}
