// SPDX-License-Identifier: GPL-2.0
/* HAVE_USER_BACKED_ITER: user_backed_iter() (6.0+) */
#include <linux/uio.h>

static bool __maybe_unused vng_probe(const struct iov_iter *i)
{
	return user_backed_iter(i);
}
