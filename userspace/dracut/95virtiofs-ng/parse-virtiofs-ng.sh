#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A root on virtio-fs: root=virtiofs:TAG, or rootfstype=virtiofs root=TAG.
# mount-virtiofs-ng.sh mounts it (pre-mount hook).
if [ "${root%%:*}" = virtiofs ] || [ "${fstype}" = virtiofs ]; then
	# shellcheck disable=SC2034
	rootok=1
fi
