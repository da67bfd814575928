// SPDX-License-Identifier: GPL-2.0
/*
 * virtiofsctl: list virtio-fs devices and move them between the kernel's
 * virtiofs driver and virtiofs_ng.
 *
 *   virtiofsctl list [--json]
 *   virtiofsctl status TAG|DEVICE
 *   virtiofsctl bind TAG|DEVICE
 *   virtiofsctl unbind TAG|DEVICE
 *   virtiofsctl cmdline [--kernel KVER] [--root DIR] [--apply|--revert]
 *                       [--no-update]        (ctl_cmdline.c)
 *
 * Exit codes: 0 ok, 1 usage, 2 no such device or driver (cmdline: cannot
 * tell, or no boot loader configuration to change), 3 refused (the device
 * is mounted or bound elsewhere; cmdline: a GRUB defaults file it cannot
 * edit safely), 4 a sysfs write failed (cmdline: writing the boot loader
 * configuration or regenerating it failed).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "devices.h"
#include "mounts.h"

#ifndef VFS_VERSION
#define VFS_VERSION "unknown"
#endif


static struct vfs_devlist list;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: virtiofsctl [--json] COMMAND [ARG]\n"
		"\n"
		"  list [--json]          virtio-fs devices: tag, device, driver,\n"
		"                         state, queues, mount points\n"
		"  status TAG|DEVICE      one device's sysfs attributes and queue counters\n"
		"  bind TAG|DEVICE        move an unmounted device to virtiofs_ng\n"
		"  unbind TAG|DEVICE      detach an unmounted device from its driver\n"
		"  cmdline [--kernel KVER] [--root DIR]\n"
		"                         does KVER (default: the running kernel) need\n"
		"                         initcall_blacklist=virtio_fs_init, and is it set\n"
		"  cmdline --apply|--revert [--no-update] [--root DIR]\n"
		"                         add it to (remove it from) the boot loader\n"
		"                         configuration: grubby, else /etc/default/grub\n"
		"                         and update-grub (not with --no-update)\n"
		"  -h, --help             this help\n"
		"  -V, --version          version\n"
		"\n"
		"See virtiofsctl(8).\n");
}

/* "virtiofsctl: MESSAGE" on stderr, for every command */
void ctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("virtiofsctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void json_str(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static const char *state_of(const struct vfs_device *d)
{
	if (*d->state)
		return d->state;
	return d->owner == VFS_OWNER_NONE ? "unbound" : "bound";
}

struct mp_print {
	bool json;
	size_t n;
};

static void print_mp(const char *target, void *arg)
{
	struct mp_print *p = arg;

	if (p->json) {
		printf("%s", p->n ? ", " : "");
		json_str(target);
	} else {
		printf("%s%s", p->n ? "," : "", target);
	}
	p->n++;
}

/* Mount points are only attributable when the tag is known. */
static void print_mounts(struct vfs_mounts *m, const struct vfs_device *d,
			 bool json)
{
	struct mp_print p = { .json = json };

	if (d->tag_known)
		vfs_mounts_each(m, d->tag, print_mp, &p);
	if (!p.n && !json)
		printf("-");
}

/*
 * Which of the cases applies: the name "virtiofs" and every device are
 * virtiofs_ng's, or the kernel's own virtiofs (a module, or built in as
 * on Debian 6.12+) holds the name and the devices it probed first.
 */
static void list_case_note(void)
{
	if (!vfs_ng_driver_present())
		return;
	if (!vfs_kernel_driver_present()) {
		fprintf(stderr, "virtiofsctl: note: virtiofs_ng serves every virtio-fs device; filesystem type %s\n",
			vfs_ng_fstype());
		return;
	}
	fprintf(stderr, "virtiofsctl: note: the kernel's virtiofs is %s and holds the devices listed with driver virtiofs; virtiofs_ng mounts as type virtiofs_ng; 'virtiofsctl bind TAG' moves an unmounted device to it",
		vfs_kernel_driver_is_module() ? "a module" : "built in");
	if (vfs_kernel_driver_is_module())
		fprintf(stderr, "\n");
	else
		fprintf(stderr, ", initcall_blacklist=virtio_fs_init at boot gives it every device\n");
}

static int cmd_list(bool json)
{
	struct vfs_mounts *m = vfs_mounts_load();
	size_t i, w = 3;

	vfs_scan(&list, false);
	for (i = 0; i < list.n; i++)
		if (list.dev[i].tag_known && strlen(list.dev[i].tag) > w)
			w = strlen(list.dev[i].tag);
	if (json) {
		printf("{\"devices\": [");
		for (i = 0; i < list.n; i++) {
			const struct vfs_device *d = &list.dev[i];

			printf("%s\n  {\"tag\": ", i ? "," : "");
			if (d->tag_known)
				json_str(d->tag);
			else
				printf("null");
			printf(", \"device\": ");
			if (*d->devname)
				json_str(d->devname);
			else
				printf("null");
			printf(", \"driver\": ");
			json_str(vfs_owner_name(d->owner));
			printf(", \"state\": ");
			json_str(state_of(d));
			if (d->queues >= 0)
				printf(", \"queues\": %d", d->queues);
			else
				printf(", \"queues\": null");
			printf(", \"mountpoints\": [");
			print_mounts(m, d, true);
			printf("]}");
		}
		printf("%s]}\n", list.n ? "\n" : "");
	} else {
		printf("%-*s  %-9s  %-11s  %-9s  %-6s  %s\n", (int)w, "TAG",
		       "DEVICE", "DRIVER", "STATE", "QUEUES", "MOUNTPOINTS");
		for (i = 0; i < list.n; i++) {
			const struct vfs_device *d = &list.dev[i];
			char q[16];

			if (d->queues >= 0)
				snprintf(q, sizeof(q), "%d", d->queues);
			else
				snprintf(q, sizeof(q), "-");
			printf("%-*s  %-9s  %-11s  %-9s  %-6s  ", (int)w,
			       d->tag_known ? d->tag : "?",
			       *d->devname ? d->devname : "-",
			       vfs_owner_name(d->owner), state_of(d), q);
			print_mounts(m, d, false);
			putchar('\n');
		}
		if (!list.n)
			fprintf(stderr, "virtiofsctl: no virtio-fs devices\n");
		else
			list_case_note();
	}
	vfs_mounts_free(m);
	return EX_OK;
}

static struct vfs_device *lookup(const char *arg)
{
	struct vfs_device *d;
	char known[512];

	if (!*arg || strlen(arg) > VFS_TAG_MAX) {
		ctl_err("'%.40s' is not a tag or device name", arg);
		return NULL;
	}
	d = vfs_find_devname(&list, arg);
	if (!d)
		d = vfs_find_tag(&list, arg);
	if (!d) {
		vfs_known_tags(&list, known, sizeof(known));
		ctl_err("no device with tag or name '%s' (known tags: %s)", arg,
		    known);
	}
	return d;
}

static void modprobe_ng(void)
{
	static char *const argv[] = { "modprobe", "-q", "virtiofs_ng", NULL };
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				      NULL };
	const char *paths[] = { "/sbin/modprobe", "/usr/sbin/modprobe" };
	size_t i;
	pid_t pid;
	int st;

	if (secure_getenv("VIRTIOFS_SYSFS_ROOT") || geteuid())
		return;
	for (i = 0; i < 2; i++) {
		if (access(paths[i], X_OK))
			continue;
		if (!posix_spawn(&pid, paths[i], NULL, NULL, argv, envp))
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
		return;
	}
}

static void print_list_mp(const char *target, void *arg)
{
	size_t *n = arg;

	fprintf(stderr, "%s%s", (*n)++ ? ", " : "", target);
}

/*
 * Refuses when the device is mounted.  A kernel virtiofs before 6.9 does
 * not say which tag a device has, so any virtio-fs mount counts then.
 */
static int check_unmounted(const struct vfs_device *d, const char *verb)
{
	struct vfs_mounts *m = vfs_mounts_load();
	size_t n, shown = 0;

	n = vfs_mounts_each(m, d->tag_known ? d->tag : NULL, NULL, NULL);
	if (n) {
		if (d->tag_known)
			fprintf(stderr, "virtiofsctl: cannot %s %s: tag '%s' is mounted at ",
				verb, d->devname, d->tag);
		else
			fprintf(stderr, "virtiofsctl: cannot %s %s: its tag is not visible in sysfs and virtio-fs filesystems are mounted at ",
				verb, d->devname);
		vfs_mounts_each(m, d->tag_known ? d->tag : NULL,
				print_list_mp, &shown);
		fprintf(stderr, "; unmount first\n");
	}
	vfs_mounts_free(m);
	return n ? -1 : 0;
}

static void permanent_advice(void)
{
	if (!vfs_kernel_driver_present())
		return;
	if (vfs_kernel_driver_is_module())
		fprintf(stderr,
			"virtiofsctl: note: the kernel's virtiofs is a module; the blacklist in /usr/lib/modprobe.d/virtiofs-ng.conf keeps it from loading at the next boot ('modprobe -r virtiofs' unloads it now when nothing uses it)\n");
	else
		fprintf(stderr,
			"virtiofsctl: note: the kernel's virtiofs is built in; add initcall_blacklist=virtio_fs_init to the kernel command line so virtiofs_ng gets every device at boot\n");
}

static int write_driver(const char *driver, const char *file,
			const char *dev)
{
	char rel[128];
	int e;

	snprintf(rel, sizeof(rel), "bus/virtio/drivers/%s/%s", driver, file);
	e = vfs_write_attr(rel, dev);
	if (e)
		ctl_err("writing %s to %s/%s: %s", dev, vfs_sysfs_root(), rel,
		    strerror(-e));
	return e;
}

static int cmd_bind(const char *arg)
{
	struct vfs_device *d;

	vfs_scan(&list, false);
	d = lookup(arg);
	if (!d)
		return EX_NODEV;
	if (!*d->devname) {
		ctl_err("the sysfs entry for '%s' names no virtio device", arg);
		return EX_NODEV;
	}
	if (d->owner == VFS_OWNER_NG) {
		printf("%s is already bound to virtiofs_ng\n", d->devname);
		return EX_OK;
	}
	if (d->owner == VFS_OWNER_OTHER) {
		ctl_err("%s is bound to driver '%s', not a virtio-fs driver: not touching it",
		    d->devname, d->driver);
		return EX_REFUSED;
	}
	/* "unmount first" is the more useful answer: ask it before loading */
	if (d->owner == VFS_OWNER_KERNEL && check_unmounted(d, "move")) {
		permanent_advice();
		return EX_REFUSED;
	}
	if (!vfs_ng_driver_present()) {
		modprobe_ng();
		if (!vfs_ng_driver_present()) {
			ctl_err("virtiofs_ng is not loaded: run 'modprobe virtiofs_ng' (is the module installed? see 'dkms status')");
			return EX_NODEV;
		}
	}
	if (d->owner == VFS_OWNER_KERNEL &&
	    write_driver("virtiofs", "unbind", d->devname))
		return EX_WRITE;
	if (write_driver("virtiofs_ng", "bind", d->devname)) {
		if (d->owner == VFS_OWNER_KERNEL)
			fprintf(stderr,
				"virtiofsctl: %s is now bound to no driver; 'echo %s > /sys/bus/virtio/drivers/virtiofs/bind' gives it back\n",
				d->devname, d->devname);
		return EX_WRITE;
	}
	printf("%s%s%s%s: bound to virtiofs_ng\n", d->devname,
	       d->tag_known ? " (" : "", d->tag_known ? d->tag : "",
	       d->tag_known ? ")" : "");
	if (d->owner == VFS_OWNER_KERNEL)
		permanent_advice();
	return EX_OK;
}

static int cmd_unbind(const char *arg)
{
	struct vfs_device *d;

	vfs_scan(&list, false);
	d = lookup(arg);
	if (!d)
		return EX_NODEV;
	if (d->owner == VFS_OWNER_NONE) {
		printf("%s is not bound to a driver\n", d->devname);
		return EX_OK;
	}
	if (d->owner == VFS_OWNER_OTHER) {
		ctl_err("%s is bound to driver '%s', not a virtio-fs driver: not touching it",
		    d->devname, d->driver);
		return EX_REFUSED;
	}
	if (!*d->devname) {
		ctl_err("the sysfs entry for '%s' names no virtio device", arg);
		return EX_NODEV;
	}
	if (check_unmounted(d, "unbind"))
		return EX_REFUSED;
	if (write_driver(d->driver, "unbind", d->devname))
		return EX_WRITE;
	printf("%s: unbound from %s\n", d->devname, d->driver);
	return EX_OK;
}

static void show_attr(const char *dir, const char *name, const char *label)
{
	char rel[PATH_MAX], buf[128];

	snprintf(rel, sizeof(rel), "%s/%s", dir, name);
	if (vfs_read_attr(rel, buf, sizeof(buf)) >= 0)
		printf("  %-12s %s\n", label, buf);
}

static int cmd_status(const char *arg)
{
	static const char *const counters[] = {
		"sent", "completed", "in_flight", "waiting"
	};
	char path[PATH_MAX], rel[320];
	struct vfs_mounts *m;
	struct vfs_device *d;
	struct dirent *de;
	DIR *dir;
	size_t i;

	vfs_scan(&list, false);
	d = lookup(arg);
	if (!d)
		return EX_NODEV;
	printf("tag:         %s\n", d->tag_known ? d->tag : "?");
	printf("device:      %s\n", *d->devname ? d->devname : "-");
	printf("driver:      %s\n", vfs_owner_name(d->owner));
	printf("state:       %s\n", state_of(d));
	m = vfs_mounts_load();
	printf("mountpoints: ");
	print_mounts(m, d, false);
	putchar('\n');
	vfs_mounts_free(m);
	if (!*d->fsdir)
		return EX_OK;
	printf("sysfs:       %s/%s\n", vfs_sysfs_root(), d->fsdir);
	show_attr(d->fsdir, "num_request_queues", "queues");
	show_attr(d->fsdir, "mounted", "mounted");
	/* host changes (issue 14): how they arrive, what they cost */
	show_attr(d->fsdir, "watch", "watch");
	show_attr(d->fsdir, "notify_buf_size", "notify_buf");
	show_attr(d->fsdir, "notify_received", "notify_recv");
	show_attr(d->fsdir, "notify_dropped", "notify_drop");
	show_attr(d->fsdir, "notify_nobuf", "notify_nobuf");
	show_attr(d->fsdir, "watch_events", "events");
	/* directory listings (dircache.c): from memory vs from the host */
	show_attr(d->fsdir, "readdir_cached", "readdir_mem");
	show_attr(d->fsdir, "readdir_host", "readdir_host");
	snprintf(rel, sizeof(rel), "%s/queues", d->fsdir);
	snprintf(path, sizeof(path), "%s/%s", vfs_sysfs_root(), rel);
	dir = opendir(path);
	if (!dir)
		return EX_OK;
	printf("%-14s %10s %10s %10s %10s\n", "QUEUE", "SENT", "COMPLETED",
	       "IN_FLIGHT", "WAITING");
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) > 32)
			continue;
		printf("%-14s", de->d_name);
		for (i = 0; i < 4; i++) {
			char q[400], buf[32];

			snprintf(q, sizeof(q), "%s/%.32s/%s", rel, de->d_name,
				 counters[i]);
			if (vfs_read_attr(q, buf, sizeof(buf)) < 0)
				snprintf(buf, sizeof(buf), "-");
			printf(" %10.10s", buf);
		}
		putchar('\n');
	}
	closedir(dir);
	/* watch=poll (issue 14): the requests polling sent, what it found */
	show_attr(d->fsdir, "poll/sent", "poll_sent");
	show_attr(d->fsdir, "poll/differences", "poll_diffs");
	show_attr(d->fsdir, "poll/reported", "poll_reported");
	return EX_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	const char *cmd;
	int c;

	/* cmdline has options of its own: parsed there, not here */
	if (argc > 1 && !strcmp(argv[1], "cmdline"))
		return ctl_cmdline(argc - 1, argv + 1);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hVj", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'V':
			printf("virtiofsctl (virtiofs-ng) %s\n", VFS_VERSION);
			return EX_OK;
		case 'j':
			json = true;
			break;
		default:
			ctl_err("unknown option '%s'", argv[optind - 1]);
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	cmd = argv[optind++];
	if (!strcmp(cmd, "list")) {
		if (optind != argc) {
			ctl_err("list takes no arguments");
			return EX_USAGE;
		}
		return cmd_list(json);
	}
	if (!strcmp(cmd, "cmdline")) {
		ctl_err("give cmdline's options after it: virtiofsctl cmdline [--kernel KVER] [--root DIR] [--apply|--revert]");
		return EX_USAGE;
	}
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		return EX_OK;
	}
	if (strcmp(cmd, "bind") && strcmp(cmd, "unbind") &&
	    strcmp(cmd, "status")) {
		ctl_err("unknown command '%.32s'", cmd);
		usage(stderr);
		return EX_USAGE;
	}
	if (optind + 1 != argc) {
		ctl_err("%s wants one TAG or DEVICE", cmd);
		return EX_USAGE;
	}
	if (json)
		ctl_err("--json only applies to list; ignored");
	if (!strcmp(cmd, "bind"))
		return cmd_bind(argv[optind]);
	if (!strcmp(cmd, "unbind"))
		return cmd_unbind(argv[optind]);
	return cmd_status(argv[optind]);
}
