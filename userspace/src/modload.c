// SPDX-License-Identifier: GPL-2.0
/* modprobe with its error kept, and the boot-time fallback record. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices.h"
#include "modload.h"

/* The last non-empty line of TEXT into ERR, printable bytes only. */
static void last_line(const char *text, char *err, size_t errlen)
{
	const char *start = NULL, *p = text;
	size_t n = 0;

	while (*p) {
		const char *eol = p + strcspn(p, "\n");

		if (eol > p) {
			start = p;
			n = eol - p;
		}
		p = *eol ? eol + 1 : eol;
	}
	if (!start || !errlen)
		return;
	if (n >= errlen)
		n = errlen - 1;
	memcpy(err, start, n);
	err[n] = '\0';
	for (p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			err[p - err] = ' ';
}

/*
 * Runs modprobe with ARGV (argv[0] "modprobe") and a clean environment,
 * its stdout and stderr into OUT (the tail when long).  Its exit status,
 * 128 + signal, or -1 with ERR set when it could not be run.
 */
static int run_modprobe(char *const argv[], char *out, size_t outlen,
			char *err, size_t errlen)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				      NULL };
	const char *paths[] = { "/sbin/modprobe", "/usr/sbin/modprobe" };
	posix_spawn_file_actions_t fa;
	size_t used = 0, i;
	int pipefd[2], st, rc;
	pid_t pid;

	out[0] = '\0';
	for (i = 0; i < 2; i++)
		if (!access(paths[i], X_OK))
			break;
	if (i == 2) {
		snprintf(err, errlen, "no modprobe in /sbin or /usr/sbin");
		return -1;
	}
	if (pipe2(pipefd, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	rc = posix_spawn(&pid, paths[i], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc) {
		close(pipefd[0]);
		snprintf(err, errlen, "cannot run %s: %s", paths[i],
			 strerror(rc));
		return -1;
	}
	for (;;) {
		ssize_t r;

		if (used >= outlen - 1) {	/* keep the tail: the last line matters */
			memmove(out, out + outlen / 2, outlen - outlen / 2);
			used -= outlen / 2;
		}
		r = read(pipefd[0], out + used, outlen - 1 - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		used += r;
	}
	out[used] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void not_found(const char *module, char *err, size_t errlen)
{
	struct utsname u;

	snprintf(err, errlen,
		 "modprobe: FATAL: Module %s not found in directory /lib/modules/%s",
		 module, uname(&u) ? "?" : u.release);
}

int vfs_modprobe(const char *module, bool ignore_install, char *err,
		 size_t errlen)
{
	char *show[] = { "modprobe", "--ignore-install", "--show-depends",
			 (char *)module, NULL };
	char *argv[] = { "modprobe", (char *)module, NULL, NULL };
	char out[2048], file[80];
	int st;

	if (ignore_install) {
		/*
		 * The module itself, not its modprobe.d rule.  A module the
		 * rule's aliases name but no modules.dep lists would make kmod
		 * blame "Unknown symbol in module": look for the file first.
		 */
		st = run_modprobe(show, out, sizeof(out), err, errlen);
		if (st < 0)
			return -1;
		snprintf(file, sizeof(file), "/%s.ko", module);
		if (!strstr(out, file)) {
			not_found(module, err, errlen);
			return -1;
		}
		argv[1] = "--ignore-install";
		argv[2] = (char *)module;
	}
	st = run_modprobe(argv, out, sizeof(out), err, errlen);
	if (st == 0)
		return 0;
	if (st < 0)
		return -1;
	if (st >= 128)
		snprintf(err, errlen, "modprobe %s was killed", module);
	else
		snprintf(err, errlen, "modprobe %s exited with status %d",
			 module, st);
	last_line(out, err, errlen);
	if (strstr(out, "could not find module by name"))
		not_found(module, err, errlen);
	return -1;
}

const char *vfs_load_advice(const char *err, char *buf, size_t len)
{
	struct utsname u;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "$(uname -r)");
	if (strstr(err, "Key was rejected") ||
	    strstr(err, "Required key not available"))
		snprintf(buf, len,
			 "the kernel only loads modules signed with a key it trusts (Secure Boot, or module.sig_enforce=1): enroll the key DKMS signs with ('mokutil --import /var/lib/dkms/mok.pub', on Ubuntu /var/lib/shim-signed/mok/MOK.der; reboot, confirm it in MOK manager), or sign a 'make install' module yourself; see mount.virtiofs(8), SECURE BOOT");
	else if (strstr(err, "not found"))
		snprintf(buf, len,
			 "no virtiofs_ng.ko for the running kernel %s: 'dkms status' shows whether DKMS built it ('dkms autoinstall -k %s' retries; its make.log says why a build failed)",
			 u.release, u.release);
	else
		snprintf(buf, len,
			 "'dmesg' has the kernel's reason");
	return buf;
}

bool vfs_fallback_reason(char *reason, size_t len)
{
	const char *dir = secure_getenv("VIRTIOFS_RUN_DIR");
	char path[512], text[1024];
	size_t n;
	FILE *f;

	if (vfs_ng_driver_present())
		return false;
	snprintf(path, sizeof(path), "%s/fallback",
		 dir && *dir ? dir : "/run/virtiofs-ng");
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	snprintf(reason, len, "modprobe virtiofs_ng failed");
	last_line(text, reason, len);
	return true;
}
