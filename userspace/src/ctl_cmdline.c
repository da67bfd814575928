// SPDX-License-Identifier: GPL-2.0
/*
 * virtiofsctl cmdline: tells whether a kernel needs
 * initcall_blacklist=virtio_fs_init (its virtiofs built in) and whether it
 * has it, offers the change, and with --apply/--revert makes it in the
 * boot loader configuration: grubby where there is one (Fedora, RHEL), a
 * drop-in in /etc/default/grub.d on Debian and Ubuntu, else
 * /etc/default/grub (cmdline.c edits it); then update-grub.  --apply is
 * refused where the kernel's virtiofs is not built in.  The install
 * steps (make install, make dkms-install, DKMS's POST_INSTALL through
 * dkms-post-install) run it; only --apply changes anything.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmdline.h"
#include "ctl.h"
#include "devices.h"

static const char cmdline_usage[] =
	"Usage: virtiofsctl cmdline [--kernel KVER] [--root DIR]\n"
	"       virtiofsctl cmdline --apply|--revert [--kernel KVER] [--no-update]\n"
	"                           [--root DIR]\n"
	"\n"
	"  Does kernel KVER (default: the running kernel) need\n"
	"  " VFS_BLACKLIST_PARAM " (its virtiofs built in), and is it\n"
	"  in effect or configured?  --apply adds it to the boot loader\n"
	"  configuration (grubby; on Debian/Ubuntu /etc/default/grub.d/\n"
	"  virtiofs-ng.cfg; else /etc/default/grub; then update-grub) when\n"
	"  KVER's virtiofs is built in, --revert removes it; --no-update skips\n"
	"  update-grub; --root DIR looks at a system tree under DIR.\n"
	"  See virtiofsctl(8).\n";

/* Runs path with argv, output to ours; its exit status, or -1. */
static int run_prog(const char *path, char *const argv[])
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				      "LC_ALL=C", NULL };
	pid_t pid;
	int st, e;

	fflush(stdout);
	fflush(stderr);
	e = posix_spawn(&pid, path, NULL, NULL, argv, envp);
	if (e) {
		ctl_err("running %s: %s", path, strerror(e));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *find_prog(const char *const *paths)
{
	for (; *paths; paths++)
		if (!access(*paths, X_OK))
			return *paths;
	return NULL;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* grub.cfg from the defaults: update-grub, else grub(2)-mkconfig */
static int regenerate_grub(void)
{
	static const char *const upd[] = { "/usr/sbin/update-grub",
					   "/sbin/update-grub", NULL };
	static const char *const mk[] = { "/usr/sbin/grub-mkconfig",
					  "/sbin/grub-mkconfig", NULL };
	static const char *const mk2[] = { "/usr/sbin/grub2-mkconfig",
					   "/sbin/grub2-mkconfig", NULL };
	const char *prog, *cfg;
	char *argv[4];

	prog = find_prog(upd);
	if (prog) {
		argv[0] = (char *)"update-grub";
		argv[1] = NULL;
	} else {
		prog = find_prog(mk);
		cfg = "/boot/grub/grub.cfg";
		if (!prog || !is_dir("/boot/grub")) {
			prog = find_prog(mk2);
			cfg = "/boot/grub2/grub.cfg";
			if (prog && !is_dir("/boot/grub2"))
				prog = NULL;
		}
		if (!prog) {
			printf("no update-grub or grub-mkconfig here: regenerate the boot loader configuration for the change to take effect\n");
			return EX_OK;
		}
		argv[0] = (char *)prog;
		argv[1] = (char *)"-o";
		argv[2] = (char *)cfg;
		argv[3] = NULL;
	}
	printf("running %s%s%s\n", prog, argv[1] ? " -o " : "",
	       argv[1] ? argv[2] : "");
	if (run_prog(prog, argv)) {
		ctl_err("%s failed: the GRUB configuration was not regenerated; run it again by hand", prog);
		return EX_WRITE;
	}
	return EX_OK;
}

/*
 * --apply only where it does something: a kernel whose virtiofs is a
 * module (or absent) is served by the modprobe.d rule, and the parameter
 * would only be noise on every boot entry.  When nothing tells, the user
 * asked: go ahead, and say so.
 */
static int apply_needed(const char *root, const char *kver, bool running)
{
	char src[3 * PATH_MAX];

	switch (vfs_kernel_virtiofs(root, kver, running, src, sizeof(src))) {
	case VFS_KV_MODULE:
		ctl_err("not adding %s: %s has virtiofs as a module (%s), which the modprobe.d rule keeps out; nothing to do (--kernel KVER asks about another installed kernel)",
		    VFS_BLACKLIST_PARAM, kver, src);
		return EX_REFUSED;
	case VFS_KV_NONE:
		ctl_err("not adding %s: %s has no virtiofs of its own (%s); nothing to do (--kernel KVER asks about another installed kernel)",
		    VFS_BLACKLIST_PARAM, kver, src);
		return EX_REFUSED;
	case VFS_KV_UNKNOWN:
		printf("cannot tell whether %s has virtiofs built in (%s); adding %s as asked\n",
		       kver, src, VFS_BLACKLIST_PARAM);
		return EX_OK;
	default:
		return EX_OK;
	}
}

static bool root_file_exists(const char *root, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s%s", root,
		 root[strlen(root) - 1] == '/' ? "" : "/", rel);
	return !access(path, F_OK);
}

/* The warning when another GRUB setting undoes what was just done. */
static void check_effect(const char *root, const char *kver, bool add)
{
	char where[PATH_MAX + 64];

	if (add == vfs_bootcfg_has_blacklist(root, kver, where, sizeof(where)))
		return;
	if (add)
		fprintf(stderr, "virtiofsctl: warning: a later file in /etc/default/grub.d sets GRUB_CMDLINE_LINUX again; add %s there too\n",
			VFS_BLACKLIST_PARAM);
	else
		fprintf(stderr, "virtiofsctl: warning: %s still has %s (another variable or file); remove it there too\n",
			where, VFS_BLACKLIST_PARAM);
}

static int regenerate_or_say(const char *root, bool no_update)
{
	if (no_update || strcmp(root, "/")) {
		printf("not regenerating the GRUB configuration (%s): run update-grub (or grub-mkconfig -o /boot/grub/grub.cfg)%s for the change to take effect at the next boot\n",
		       no_update ? "--no-update" : "--root given",
		       strcmp(root, "/") ? " inside that root" : "");
		return EX_OK;
	}
	return regenerate_grub();
}

/*
 * Debian and Ubuntu: GRUB reads /etc/default/grub.d/NAME.cfg after
 * /etc/default/grub, so a file of our own appends the parameter without
 * parsing the user's file, and deleting it is the revert.  A parameter an
 * older virtiofsctl put into /etc/default/grub itself goes too.
 */
static int cmdline_dropin(const char *root, const char *kver, bool add,
			  bool no_update)
{
	char path[PATH_MAX], grub[PATH_MAX], msg[PATH_MAX + 256];
	const char *sep = root[strlen(root) - 1] == '/' ? "" : "/";
	bool changed;
	int rc;

	snprintf(path, sizeof(path), "%s%s%s", root, sep, VFS_GRUB_DROPIN);
	snprintf(grub, sizeof(grub), "%s%setc/default/grub", root, sep);
	rc = vfs_grub_dropin(path, add, msg, sizeof(msg));
	if (rc < 0) {
		ctl_err("%s", msg);
		return EX_WRITE;
	}
	changed = rc == 1;
	if (add)
		printf(changed ? "%s: written; it adds %s to GRUB_CMDLINE_LINUX\n" :
				 "%s already adds %s; nothing changed\n",
		       path, VFS_BLACKLIST_PARAM);
	else
		printf(changed ? "%s: removed\n" : "no %s: nothing to remove there\n",
		       path);
	if (!add && !access(grub, F_OK)) {
		size_t len = 0;
		char *text = NULL;
		FILE *f = fopen(grub, "re");

		if (f) {
			text = malloc(VFS_GRUB_MAX + 1);
			if (text) {
				len = fread(text, 1, VFS_GRUB_MAX, f);
				text[len] = '\0';
			}
			fclose(f);
		}
		if (text && strstr(text, VFS_BLACKLIST_INITCALL)) {
			rc = vfs_grub_edit_file(grub, false, msg, sizeof(msg));
			if (rc == 1) {
				printf("%s: removed %s from GRUB_CMDLINE_LINUX\n",
				       grub, VFS_BLACKLIST_PARAM);
				changed = true;
			} else if (rc < 0) {
				fprintf(stderr, "virtiofsctl: warning: not changing %s: %s; remove %s there by hand\n",
					grub, msg, VFS_BLACKLIST_PARAM);
			}
		}
		free(text);
	}
	check_effect(root, kver, add);
	if (!changed)
		return EX_OK;
	return regenerate_or_say(root, no_update);
}

static int cmdline_change(const char *root, const char *kver, bool running,
			  bool add, bool no_update)
{
	static const char *const grubby[] = { "/usr/sbin/grubby",
					      "/sbin/grubby", "/usr/bin/grubby",
					      NULL };
	const char *what = add ? "added" : "removed";
	char path[PATH_MAX], msg[PATH_MAX + 256], where[PATH_MAX + 64];
	const char *prog = strcmp(root, "/") ? NULL : find_prog(grubby);
	int rc;

	if (add) {
		rc = apply_needed(root, kver, running);
		if (rc != EX_OK)
			return rc;
	}
	if (prog) {
		/* Fedora and RHEL: grubby edits every boot entry itself */
		char *argv[] = { (char *)"grubby", (char *)"--update-kernel=ALL",
				 (char *)(add ? "--args=" VFS_BLACKLIST_PARAM :
					  "--remove-args=" VFS_BLACKLIST_PARAM),
				 NULL };

		printf("running %s %s %s\n", prog, argv[1], argv[2]);
		if (run_prog(prog, argv)) {
			ctl_err("grubby failed; the boot entries may not have %s", VFS_BLACKLIST_PARAM);
			return EX_WRITE;
		}
		printf("%s %s %s every boot entry\n", VFS_BLACKLIST_PARAM, what,
		       add ? "to" : "from");
		return EX_OK;
	}
	if (root_file_exists(root, "etc/debian_version"))
		return cmdline_dropin(root, kver, add, no_update);
	snprintf(path, sizeof(path), "%s%setc/default/grub", root,
		 root[strlen(root) - 1] == '/' ? "" : "/");
	if (access(path, F_OK) && errno == ENOENT) {
		if (!add) {
			printf("no %s: nothing to remove\n", path);
			return EX_OK;
		}
		ctl_err("no %s and no grubby: this boot loader is not one virtiofsctl configures; add %s to the kernel command line by hand",
		    path, VFS_BLACKLIST_PARAM);
		return EX_NODEV;
	}
	rc = vfs_grub_edit_file(path, add, msg, sizeof(msg));
	if (rc == -1) {
		ctl_err("not changing %s: %s; %s %s by hand", path, msg,
		    add ? "add" : "remove", VFS_BLACKLIST_PARAM);
		return EX_REFUSED;
	}
	if (rc < 0) {
		ctl_err("%s", msg);
		return EX_WRITE;
	}
	/* a grub.d file may set the variable again after ours */
	if (add != vfs_bootcfg_has_blacklist(root, kver, where, sizeof(where))) {
		if (add)
			fprintf(stderr, "virtiofsctl: warning: a file in %s.d sets GRUB_CMDLINE_LINUX again after %s; add %s there too\n",
				path, path, VFS_BLACKLIST_PARAM);
		else
			fprintf(stderr, "virtiofsctl: warning: %s still has %s (another variable or file); remove it there too\n",
				where, VFS_BLACKLIST_PARAM);
	}
	if (!rc) {
		printf("%s %s %s in GRUB_CMDLINE_LINUX; nothing changed\n", path,
		       add ? "already has" : "does not have",
		       VFS_BLACKLIST_PARAM);
		return EX_OK;
	}
	printf("%s: %s %s %s GRUB_CMDLINE_LINUX\n", path, what,
	       VFS_BLACKLIST_PARAM, add ? "to" : "from");
	return regenerate_or_say(root, no_update);
}

static void cmdline_offer(const char *root)
{
	char ropt[PATH_MAX];

	/* a tree that is not the running system is named again */
	snprintf(ropt, sizeof(ropt), "%s%s%s", strcmp(root, "/") ? "--root " : "",
		 strcmp(root, "/") ? root : "", strcmp(root, "/") ? " " : "");
	printf("The kernel command-line parameter %s keeps\n"
	       "the built-in virtiofs driver from starting, so virtiofs_ng serves every\n"
	       "virtio-fs device from boot on and registers the filesystem type \"virtiofs\".\n"
	       "Without it the built-in driver takes the devices first: virtiofs_ng\n"
	       "mounts as type virtiofs_ng and 'virtiofsctl bind TAG' moves an unmounted\n"
	       "device to it ('mount -t virtiofs TAG DIR' works either way).\n"
	       "To add it to the boot loader configuration (not done automatically):\n"
	       "  virtiofsctl cmdline %s--apply\n"
	       "and to remove it again:\n"
	       "  virtiofsctl cmdline %s--revert\n",
	       VFS_BLACKLIST_PARAM, ropt, ropt);
}

static int cmdline_report(const char *root, const char *kver, bool running)
{
	char src[3 * PATH_MAX], where[PATH_MAX + 64], path[PATH_MAX];
	enum vfs_kvirtiofs kv;
	bool active = false, configured;

	kv = vfs_kernel_virtiofs(root, kver, running, src, sizeof(src));
	if (running) {
		char *line = NULL;
		size_t cap = 0;
		FILE *f;

		snprintf(path, sizeof(path), "%s/cmdline", vfs_proc_root());
		f = fopen(path, "re");
		if (f && getline(&line, &cap, f) > 0)
			active = vfs_cmdline_has_blacklist(line);
		free(line);
		if (f)
			fclose(f);
	}
	configured = vfs_bootcfg_has_blacklist(root, kver, where, sizeof(where));

	switch (kv) {
	case VFS_KV_NONE:
		printf("%s: the kernel has no virtiofs of its own (%s): nothing to do\n",
		       kver, src);
		return EX_OK;
	case VFS_KV_MODULE:
		printf("%s: the kernel's virtiofs is a module (%s): the modprobe.d blacklist keeps it from loading; nothing to do\n",
		       kver, src);
		return EX_OK;
	case VFS_KV_UNKNOWN:
		if (active) {
			printf("%s: %s is in effect (%s): virtiofs_ng gets every virtio-fs device (whether the kernel's virtiofs is built in is not known: %s)\n",
			       kver, VFS_BLACKLIST_PARAM, path, src);
			return EX_OK;
		}
		ctl_err("%s: cannot tell whether the kernel's virtiofs is built in: %s", kver, src);
		return EX_NODEV;
	case VFS_KV_BUILTIN:
		break;
	}
	printf("%s: the kernel's virtiofs is built in (%s)\n", kver, src);
	if (active) {
		printf("%s is in effect (%s): virtiofs_ng serves every virtio-fs device as filesystem type virtiofs\n",
		       VFS_BLACKLIST_PARAM, path);
		return EX_OK;
	}
	if (configured) {
		printf("%s is already configured in %s; it takes effect at the next boot\n",
		       VFS_BLACKLIST_PARAM, where);
		return EX_OK;
	}
	printf("%s is not configured\n\n", VFS_BLACKLIST_PARAM);
	cmdline_offer(root);
	return EX_OK;
}

int ctl_cmdline(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "root", required_argument, NULL, 'r' },
		{ "apply", no_argument, NULL, 'a' },
		{ "revert", no_argument, NULL, 'R' },
		{ "no-update", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *kver = NULL, *root = "/", *why;
	bool apply = false, revert = false, no_update = false, running;
	struct utsname u;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kver = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 'a':
			apply = true;
			break;
		case 'R':
			revert = true;
			break;
		case 'n':
			no_update = true;
			break;
		case 'h':
			fputs(cmdline_usage, stdout);
			return EX_OK;
		default:
			if (optopt == 'k' || optopt == 'r')
				ctl_err("cmdline: option '%.64s' needs a value",
				    argv[optind - 1]);
			else if (optopt)
				ctl_err("cmdline: option '%.64s' takes no value",
				    argv[optind - 1]);
			else
				ctl_err("cmdline: unknown option '%.64s'",
				    argv[optind - 1]);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		ctl_err("cmdline takes no arguments ('%.64s')", argv[optind]);
		return EX_USAGE;
	}
	if (apply && revert) {
		ctl_err("cmdline: --apply and --revert exclude each other");
		return EX_USAGE;
	}
	if (no_update && !apply && !revert) {
		ctl_err("cmdline: --no-update only goes with --apply or --revert");
		return EX_USAGE;
	}
	if (*root != '/' || strlen(root) > PATH_MAX / 4) {
		ctl_err("cmdline: --root wants an absolute directory path of at most %d characters",
		    PATH_MAX / 4);
		return EX_USAGE;
	}
	if (!is_dir(root)) {
		ctl_err("cmdline: --root %s: not a directory", root);
		return EX_USAGE;
	}
	if (uname(&u)) {
		ctl_err("uname: %s", strerror(errno));
		return EX_NODEV;
	}
	if (!kver)
		kver = u.release;
	why = vfs_kver_invalid(kver);
	if (why) {
		ctl_err("cmdline: '%.64s' is not a kernel release: %s", kver, why);
		return EX_USAGE;
	}
	running = !strcmp(kver, u.release) && !strcmp(root, "/");
	if (apply || revert)
		return cmdline_change(root, kver, running, apply, no_update);
	return cmdline_report(root, kver, running);
}
