// SPDX-License-Identifier: GPL-2.0
/*
 * A module that leaks on purpose, so that the debug kernel's kmemleak
 * check (tests/debug/kmemleak-scan) is seen to fail when it should.
 * Loading it drops the only pointers to a few allocations, made from a
 * function in the module's core text: after rmmod, their backtraces show
 * only bare addresses in the range kmemleak-scan marked.  Several, because
 * a stale copy of a pointer in a dead task's cached stack can hide one of
 * them from kmemleak (the last one, most likely).
 */
#include <linux/module.h>
#include <linux/slab.h>

static noinline int vng_leaktest_leak(size_t size)
{
	char *p = kmalloc(size, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	memset(p, 0x5a, size);
	/* the pointer dies here: nothing refers to p any more */
	return 0;
}

static int __init vng_leaktest_init(void)
{
	int i, err;

	for (i = 0; i < 8; i++) {
		err = vng_leaktest_leak(1000 + 100 * i);
		if (err)
			return err;
	}
	return 0;
}

static void __exit vng_leaktest_exit(void)
{
}

module_init(vng_leaktest_init);
module_exit(vng_leaktest_exit);
MODULE_DESCRIPTION("kmemleak check self-test: leaks one allocation");
MODULE_LICENSE("GPL");
