// SPDX-License-Identifier: GPL-2.0
/*
 * virtiofs_ng: a self-contained virtio-fs client.  This file only brings
 * the layers up in order (requests, sessions, sysfs, the filesystem, and
 * last the virtio driver, whose probes may start at once) and takes them
 * down in reverse.
 */
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/module.h>

#include "fs.h"
#include "hostchange.h"
#include "notify.h"
#include "sysfs.h"
#include "transport.h"

/*
 * Says which of the three cases applies, so a user knows how to reach the
 * devices: the name is ours; the kernel's virtiofs is a module that holds
 * it; or it is built in (Debian 6.12+), where only the initcall blacklist
 * or a per-device move keeps it off the devices.  The name is registered,
 * so get_fs_type() finds it without loading anything; a built-in
 * filesystem has no owner module.
 */
static void __init vng_announce(void)
{
	struct file_system_type *other;
	bool builtin;

	if (vng_fs_owns_virtiofs_name()) {
		pr_info("virtiofs_ng %s loaded; filesystem type virtiofs\n",
			VNG_VERSION);
		return;
	}
	other = get_fs_type("virtiofs");
	builtin = other && !other->owner;
	if (other)
		module_put(other->owner);
	if (builtin)
		pr_info("virtiofs_ng %s loaded; filesystem type virtiofs_ng: the kernel's virtiofs is built in and keeps the devices it found; move an unmounted one with 'virtiofsctl bind TAG', or boot with initcall_blacklist=virtio_fs_init\n",
			VNG_VERSION);
	else
		pr_info("virtiofs_ng %s loaded; filesystem type virtiofs_ng: the kernel's virtiofs module is loaded; move an unmounted device with 'virtiofsctl bind TAG', or blacklist the virtiofs module\n",
			VNG_VERSION);
}

static int __init vng_init(void)
{
	int err;

	err = vng_request_init();
	if (err)
		return err;
	err = vng_conn_init();
	if (err)
		goto err_request;
	err = vng_sysfs_init();
	if (err)
		goto err_conn;
	err = vng_inode_cache_init();
	if (err)
		goto err_sysfs;
	err = vng_fs_register();
	if (err)
		goto err_inode;
	err = vng_hostchange_module_init();
	if (err)
		goto err_fs;
	err = vng_notify_init();
	if (err)
		goto err_hostchange;
	err = vng_transport_init();
	if (err)
		goto err_notify;
	vng_announce();
	return 0;

err_notify:
	vng_notify_exit();
err_hostchange:
	vng_hostchange_module_exit();
err_fs:
	vng_fs_unregister();
err_inode:
	vng_inode_cache_exit();
err_sysfs:
	vng_sysfs_exit();
err_conn:
	vng_conn_exit();
err_request:
	vng_request_exit();
	return err;
}

static void __exit vng_exit(void)
{
	/* nothing is mounted (the mounts hold the module): no new ones */
	vng_fs_unregister();
	/* removes the devices: whatever is still in flight fails */
	vng_transport_exit();
	/* every device's notify work ended at its removal */
	vng_notify_exit();
	/* host changes' page drops: their mounts are gone, tails remain */
	vng_hostchange_module_exit();
	/* sessions whose last put came from a completion end here */
	vng_conn_exit();
	vng_inode_cache_exit();
	vng_sysfs_exit();
	vng_request_exit();
}

module_init(vng_init);
module_exit(vng_exit);

MODULE_DESCRIPTION("virtio-fs client speaking FUSE over virtio, self-contained");
MODULE_AUTHOR("virtiofs-ng developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(VNG_VERSION);
