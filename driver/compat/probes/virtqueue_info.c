// SPDX-License-Identifier: GPL-2.0
/* HAVE_VIRTQUEUE_INFO: virtio_find_vqs() with struct virtqueue_info (6.11+) */
#include <linux/virtio_config.h>

static int __maybe_unused vng_probe(struct virtio_device *vdev,
				    struct virtqueue **vqs)
{
	struct virtqueue_info info[1] = { { .name = "probe" } };

	return virtio_find_vqs(vdev, 1, vqs, info, NULL);
}
