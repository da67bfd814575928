// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_KI_COMPLETE_2ARGS: kiocb->ki_complete(iocb, ret) (5.16+; it took a
 * second result, ret2, before)
 */
#include <linux/fs.h>

static void __maybe_unused vng_probe(struct kiocb *iocb)
{
	iocb->ki_complete(iocb, 0);
}
