// SPDX-License-Identifier: GPL-2.0
/* HAVE_TIMER_CONTAINER_OF: timer_container_of() (6.16+; from_timer before) */
#include <linux/timer.h>

struct vng_t {
	struct timer_list t;
};

static __maybe_unused struct vng_t *vng_probe(struct timer_list *t)
{
	return timer_container_of((struct vng_t *)NULL, t, t);
}
