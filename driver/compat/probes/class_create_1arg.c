// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_CLASS_CREATE_1ARG: class_create(name) without a module argument
 * (6.4+)
 */
#include <linux/device.h>

static __maybe_unused struct class *vng_probe(void)
{
	return class_create("vng");
}
