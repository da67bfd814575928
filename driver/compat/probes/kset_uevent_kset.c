// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_KSET_UEVENT_KSET: kset_uevent_ops.uevent(kset, kobj, env) (before
 * 5.18)
 */
#include <linux/kobject.h>

static int vng_uevent(struct kset *kset, struct kobject *kobj,
		      struct kobj_uevent_env *env)
{
	return 0;
}

static const struct kset_uevent_ops vng_ops __maybe_unused = {
	.uevent = vng_uevent,
};
