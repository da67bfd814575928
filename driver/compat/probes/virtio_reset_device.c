// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_VIRTIO_RESET_DEVICE: virtio_reset_device() (5.17+; config->reset
 * before)
 */
#include <linux/virtio_config.h>

static void __maybe_unused vng_probe(struct virtio_device *vdev)
{
	virtio_reset_device(vdev);
}
