// SPDX-License-Identifier: GPL-2.0
/*
 * virtiofsctl: list virtio-fs devices and move them between the kernel's
 * virtiofs driver and virtiofs_ng.
 *
 *   virtiofsctl list [--json] [-n] [-o COLUMNS]
 *   virtiofsctl status [--json] TAG|DEVICE
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
#include <ctype.h>
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
#include "ctl_output.h"
#include "devices.h"
#include "modload.h"
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
		"  list [--json] [-n] [-o COLUMNS]\n"
		"                         virtio-fs devices: tag, device, driver,\n"
		"                         state, queues, mount points; -n: no\n"
		"                         headings, -o: these columns (TAG,DEVICE,\n"
		"                         DRIVER,STATE,QUEUES,MOUNTPOINTS)\n"
		"  status [--json] TAG|DEVICE\n"
		"                         one device's sysfs attributes and queue counters\n"
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

static const char *state_of(const struct vfs_device *d)
{
	if (*d->state)
		return d->state;
	return d->owner == VFS_OWNER_NONE ? "unbound" : "bound";
}

static void print_mp(const char *target, void *arg)
{
	size_t *n = arg;

	printf("%s%s", (*n)++ ? "," : "", target);
}

/* Mount points are only attributable when the tag is known. */
static void print_mounts(struct vfs_mounts *m, const struct vfs_device *d)
{
	size_t n = 0;

	if (d->tag_known)
		vfs_mounts_each(m, d->tag, print_mp, &n);
	if (!n)
		printf("-");
}

/*
 * Which of the cases applies: the name "virtiofs" and every device are
 * virtiofs_ng's, or the kernel's own virtiofs (a module, or built in as
 * on Debian 6.12+) holds the name and the devices it probed first.
 */
static void list_case_note(void)
{
	char reason[512], advice[512];

	if (vfs_fallback_reason(reason, sizeof(reason))) {
		fprintf(stderr, "virtiofsctl: note: virtiofs_ng did not load at boot (%s), so the kernel's virtiofs serves the devices: %s\n",
			reason, vfs_load_advice(reason, advice, sizeof(advice)));
		return;
	}
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

enum { COL_TAG, COL_DEVICE, COL_DRIVER, COL_STATE, COL_QUEUES, COL_MOUNTS,
       COL_TRANSPORT, COL_PARENT };

static const struct ctl_column list_cols[] = {
	[COL_TAG] = { "TAG" },
	[COL_DEVICE] = { "DEVICE" },
	[COL_DRIVER] = { "DRIVER" },
	[COL_STATE] = { "STATE" },
	[COL_QUEUES] = { "QUEUES", .number = true },
	[COL_MOUNTS] = { "MOUNTPOINTS", .list = true },
	/* which transport device is which share (-o only) */
	[COL_TRANSPORT] = { "TRANSPORT", .extra = true },
	[COL_PARENT] = { "PARENT", .extra = true },
};

struct mp_join {
	char buf[CTL_CELL_MAX];
	size_t used;
};

/* mount points joined by '\n' (ctl_output.h: a list cell) */
static void join_mp(const char *target, void *arg)
{
	struct mp_join *j = arg;
	int n;

	if (j->used >= sizeof(j->buf))
		return;
	n = snprintf(j->buf + j->used, sizeof(j->buf) - j->used, "%s%s",
		     j->used ? "\n" : "", target);
	if (n > 0)
		j->used += n;
}

/* one device's row: every column, unknown ones NULL */
static void device_row(struct ctl_table *t, size_t row, struct vfs_mounts *m,
		       const struct vfs_device *d)
{
	struct mp_join j = { .used = 0 };
	char q[16];

	ctl_table_set(t, row, COL_TAG, d->tag_known ? d->tag : NULL);
	ctl_table_set(t, row, COL_DEVICE, *d->devname ? d->devname : NULL);
	/* the driver's own name, also when it is not a virtio-fs one */
	ctl_table_set(t, row, COL_DRIVER, *d->driver ? d->driver : NULL);
	ctl_table_set(t, row, COL_STATE, state_of(d));
	snprintf(q, sizeof(q), "%d", d->queues);
	ctl_table_set(t, row, COL_QUEUES, d->queues >= 0 ? q : NULL);
	/* mount points are only attributable when the tag is known */
	if (d->tag_known)
		vfs_mounts_each(m, d->tag, join_mp, &j);
	ctl_table_set(t, row, COL_MOUNTS, j.used ? j.buf : NULL);
	ctl_table_set(t, row, COL_TRANSPORT, *d->transport ? d->transport : NULL);
	ctl_table_set(t, row, COL_PARENT, *d->parent ? d->parent : NULL);
}

static int cmd_list(bool json, bool headings, const char *columns)
{
	static struct ctl_table t;
	struct vfs_mounts *m;
	size_t i;

	if (ctl_table_init(&t, list_cols, sizeof(list_cols) / sizeof(list_cols[0]),
			   columns))
		return EX_USAGE;
	m = vfs_mounts_load();
	vfs_scan(&list, false);
	for (i = 0; i < list.n && i < CTL_MAX_ROWS; i++)
		device_row(&t, i, m, &list.dev[i]);
	vfs_mounts_free(m);
	if (json) {
		ctl_table_print_json(&t, "devices");
	} else {
		ctl_table_print(&t, headings);
		if (!list.n)
			fprintf(stderr, "virtiofsctl: no virtio-fs devices\n");
		else
			list_case_note();
	}
	ctl_table_free(&t);
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

/*
 * 0, or -1 with modprobe's reason in ERR; ERR is "" when it was not tried
 * (not root, or a test tree).
 */
static int modprobe_ng(char *err, size_t errlen)
{
	*err = '\0';
	if (secure_getenv("VIRTIOFS_SYSFS_ROOT") || geteuid())
		return -1;
	return vfs_modprobe("virtiofs_ng", true, err, errlen);
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
			"virtiofsctl: note: the kernel's virtiofs is a module; the blacklist in /lib/modprobe.d/virtiofs-ng.conf keeps it from loading at the next boot ('modprobe -r virtiofs' unloads it now when nothing uses it)\n");
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
		char why[512], advice[512];

		if (modprobe_ng(why, sizeof(why)) || !vfs_ng_driver_present()) {
			if (*why)
				ctl_err("virtiofs_ng is not loaded and did not load: %s: %s",
					why, vfs_load_advice(why, advice,
							     sizeof(advice)));
			else
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

/*
 * sysfs attributes status shows: file below the device's directory, label.
 * The text output prints the queue table after the first
 * STATUS_BEFORE_QUEUES of them.
 */
#define STATUS_BEFORE_QUEUES	10
static const struct {
	const char *file;
	const char *label;
} status_attrs[] = {
	{ "num_request_queues", "queues" },
	{ "mounted", "mounted" },
	/* host changes (issue 14): how they arrive, what they cost */
	{ "watch", "watch" },
	{ "notify_buf_size", "notify_buf" },
	{ "notify_received", "notify_recv" },
	{ "notify_dropped", "notify_drop" },
	{ "notify_nobuf", "notify_nobuf" },
	{ "watch_events", "events" },
	/* directory listings (dircache.c): from memory vs from the host */
	{ "readdir_cached", "readdir_mem" },
	{ "readdir_host", "readdir_host" },
	/* (the queue table goes here in the text output) */
	/* watch=poll (issue 14): the requests polling sent, what it found */
	{ "poll/sent", "poll_sent" },
	{ "poll/differences", "poll_diffs" },
	{ "poll/reported", "poll_reported" },
	{ "poll/deferred", "poll_deferred" },
};

static const char *const counters[] = {
	"sent", "completed", "in_flight", "waiting"
};

static void show_attr(const char *dir, const char *name, const char *label)
{
	char rel[PATH_MAX], buf[128];

	snprintf(rel, sizeof(rel), "%s/%s", dir, name);
	if (vfs_read_attr(rel, buf, sizeof(buf)) >= 0)
		printf("  %-12s %s\n", label, buf);
}

/* a counter as JSON: the number, or null when unreadable or not one */
static void json_counter(const char *rel)
{
	char buf[32];

	if (vfs_read_attr(rel, buf, sizeof(buf)) < 0 || !*buf ||
	    strspn(buf, "0123456789") != strlen(buf))
		printf("null");
	else
		printf("%s", buf);
}

/* Calls fn for each queue directory name of D's sysfs entry. */
static void each_queue(const struct vfs_device *d,
		       void (*fn)(const char *rel, const char *name, size_t n))
{
	char path[PATH_MAX], rel[320];
	struct dirent *de;
	size_t n = 0;
	DIR *dir;

	snprintf(rel, sizeof(rel), "%s/queues", d->fsdir);
	snprintf(path, sizeof(path), "%s/%s", vfs_sysfs_root(), rel);
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) > 32)
			continue;
		fn(rel, de->d_name, n++);
	}
	closedir(dir);
}

static void queue_line(const char *rel, const char *name, size_t n)
{
	size_t i;

	if (!n)
		printf("%-14s %10s %10s %10s %10s\n", "QUEUE", "SENT",
		       "COMPLETED", "IN_FLIGHT", "WAITING");
	printf("%-14s", name);
	for (i = 0; i < 4; i++) {
		char q[400], buf[32];

		snprintf(q, sizeof(q), "%s/%s/%s", rel, name, counters[i]);
		if (vfs_read_attr(q, buf, sizeof(buf)) < 0)
			snprintf(buf, sizeof(buf), "-");
		printf(" %10.10s", buf);
	}
	putchar('\n');
}

static void queue_json(const char *rel, const char *name, size_t n)
{
	size_t i;

	printf("%s\n    {\"queue\": ", n ? "," : "");
	ctl_json_str(name);
	for (i = 0; i < 4; i++) {
		char q[400];

		snprintf(q, sizeof(q), "%s/%s/%s", rel, name, counters[i]);
		printf(", \"%s\": ", counters[i]);
		json_counter(q);
	}
	putchar('}');
}

static int status_json(const struct vfs_device *d)
{
	static struct ctl_table t;
	struct vfs_mounts *m = vfs_mounts_load();
	char path[PATH_MAX];
	size_t i, shown = 0;

	/* the list's fields first, as "virtiofsctl list --json" has them */
	ctl_table_init(&t, list_cols, sizeof(list_cols) / sizeof(list_cols[0]),
		       NULL);
	device_row(&t, 0, m, d);
	vfs_mounts_free(m);
	printf("{");
	ctl_table_print_json_fields(&t, 0);
	ctl_table_free(&t);
	printf(", \"sysfs\": ");
	if (!*d->fsdir) {
		printf("null}\n");
		return EX_OK;
	}
	snprintf(path, sizeof(path), "%s/%s", vfs_sysfs_root(), d->fsdir);
	ctl_json_str(path);
	printf(", \"attributes\": {");
	for (i = 0; i < sizeof(status_attrs) / sizeof(status_attrs[0]); i++) {
		char rel[PATH_MAX], buf[128];

		snprintf(rel, sizeof(rel), "%s/%s", d->fsdir,
			 status_attrs[i].file);
		if (vfs_read_attr(rel, buf, sizeof(buf)) < 0)
			continue;
		printf("%s", shown++ ? ", " : "");
		ctl_json_str(status_attrs[i].label);
		printf(": ");
		ctl_json_str(buf);
	}
	printf("}, \"virtqueues\": [");
	each_queue(d, queue_json);
	printf("\n  ]}\n");
	return EX_OK;
}

static int cmd_status(const char *arg, bool json)
{
	struct vfs_mounts *m;
	struct vfs_device *d;
	size_t i;

	vfs_scan(&list, false);
	d = lookup(arg);
	if (!d)
		return EX_NODEV;
	if (json)
		return status_json(d);
	printf("tag:         %s\n", d->tag_known ? d->tag : "?");
	printf("device:      %s\n", *d->devname ? d->devname : "-");
	printf("driver:      %s\n", *d->driver ? d->driver : "none");
	printf("state:       %s\n", state_of(d));
	m = vfs_mounts_load();
	printf("mountpoints: ");
	print_mounts(m, d);
	putchar('\n');
	vfs_mounts_free(m);
	if (!*d->fsdir)
		return EX_OK;
	printf("sysfs:       %s/%s\n", vfs_sysfs_root(), d->fsdir);
	for (i = 0; i < STATUS_BEFORE_QUEUES; i++)
		show_attr(d->fsdir, status_attrs[i].file, status_attrs[i].label);
	each_queue(d, queue_line);
	for (; i < sizeof(status_attrs) / sizeof(status_attrs[0]); i++)
		show_attr(d->fsdir, status_attrs[i].file, status_attrs[i].label);
	return EX_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' },
		{ "noheadings", no_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, headings = true;
	const char *columns = NULL;
	const char *cmd;
	int c;

	/* cmdline has options of its own: parsed there, not here */
	if (argc > 1 && !strcmp(argv[1], "cmdline"))
		return ctl_cmdline(argc - 1, argv + 1);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hVjno:", longopts, NULL)) != -1) {
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
		case 'n':
			headings = false;
			break;
		case 'o':
			columns = optarg;
			break;
		case ':':
			ctl_err("option '%s' wants a value", argv[optind - 1]);
			return EX_USAGE;
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
		return cmd_list(json, headings, columns);
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
	if (!headings || columns)
		ctl_err("-n and -o only apply to list; ignored");
	if (json && strcmp(cmd, "status"))
		ctl_err("--json only applies to list and status; ignored");
	if (!strcmp(cmd, "bind"))
		return cmd_bind(argv[optind]);
	if (!strcmp(cmd, "unbind"))
		return cmd_unbind(argv[optind]);
	return cmd_status(argv[optind], json);
}
