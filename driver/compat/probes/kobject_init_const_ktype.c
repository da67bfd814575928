// SPDX-License-Identifier: GPL-2.0
/* HAVE_KOBJECT_INIT_CONST_KTYPE: kobject_init() takes a const ktype (6.2+) */
#include <linux/kobject.h>

static const struct kobj_type vng_ktype;

static void __maybe_unused vng_probe(struct kobject *kobj)
{
	kobject_init(kobj, &vng_ktype);
}
