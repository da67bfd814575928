/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtiofsctl's exit codes and its commands that live in files of their
 * own.
 */
#ifndef VFS_CTL_H
#define VFS_CTL_H

enum {
	EX_OK = 0,
	EX_USAGE = 1,
	EX_NODEV = 2,		/* cmdline: cannot tell; no boot config */
	EX_REFUSED = 3,		/* cmdline: a GRUB file it cannot edit */
	EX_WRITE = 4,		/* cmdline: writing or update-grub failed */
};

/* "virtiofsctl: " + the message + newline on stderr */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* virtiofsctl cmdline ...; argv[0] is "cmdline".  Returns an exit code. */
int ctl_cmdline(int argc, char **argv);

#endif
