/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel command-line parameter initcall_blacklist=virtio_fs_init, for
 * kernels whose own virtiofs is built in (Debian 6.12+): is it needed, is
 * it in effect or configured, and adding or removing it in
 * /etc/default/grub.  Used by "virtiofsctl cmdline".
 *
 * Every path is under a root directory (--root, "/" normally), so the
 * install steps can ask about a kernel tree that is not running and the
 * tests can work on temporary trees.
 */
#ifndef VFS_CMDLINE_H
#define VFS_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define VFS_BLACKLIST_PARAM	"initcall_blacklist=virtio_fs_init"
#define VFS_BLACKLIST_INITCALL	"virtio_fs_init"
/* a kernel release string: "6.12.95+deb12-amd64" */
#define VFS_KVER_MAX		64
/* /etc/default/grub is a few KiB; anything far larger is not one */
#define VFS_GRUB_MAX		(1024 * 1024)

enum vfs_kvirtiofs {
	VFS_KV_UNKNOWN,		/* nothing says */
	VFS_KV_NONE,		/* the kernel has no virtiofs at all */
	VFS_KV_MODULE,		/* virtiofs.ko: the modprobe.d blacklist works */
	VFS_KV_BUILTIN,		/* built in: only the initcall blacklist works */
};

/* NULL if kver is a sane release string, else why not. */
const char *vfs_kver_invalid(const char *kver);

/*
 * How kernel kver has its virtiofs, from root/lib/modules/KVER/
 * modules.builtin (and modules.dep), else root/boot/config-KVER, else,
 * when running is set (kver is the running kernel and root is "/"), from
 * sysfs.  src gets a short description of the source used.
 */
enum vfs_kvirtiofs vfs_kernel_virtiofs(const char *root, const char *kver,
				       bool running, char *src, size_t srclen);

/*
 * Does the command line (words separated by blanks) disable
 * virtio_fs_init?  Counts "initcall_blacklist=a,virtio_fs_init,b" too.
 * Stops at a "--" word: what follows is init's.
 */
bool vfs_cmdline_has_blacklist(const char *cmdline);

/*
 * Is the parameter in the boot loader configuration under root: the GRUB
 * defaults (GRUB_CMDLINE_LINUX and _DEFAULT, also in grub.d/NAME.cfg),
 * /etc/kernel/cmdline, and the boot loader entries of kver.  where gets the
 * file that has it.
 */
bool vfs_bootcfg_has_blacklist(const char *root, const char *kver,
			       char *where, size_t wherelen);

/*
 * Adds (add true) or removes the parameter in the text of an
 * /etc/default/grub: added to the last GRUB_CMDLINE_LINUX assignment (a
 * line is appended when there is none), removed from all of them.  Other
 * parameters, quoting, comments and other lines are kept.
 * Returns 1 with *out (malloc'd, outlen bytes) when the text changes, 0
 * when it already is as asked (*out NULL), -1 with err when a line that
 * sets GRUB_CMDLINE_LINUX is not a form this can edit safely (shell
 * expansions, escapes, continuations, multi-line quotes) or the text is
 * not text.
 */
int vfs_grub_edit(const char *in, size_t inlen, bool add, char **out,
		  size_t *outlen, char *err, size_t errlen);

/*
 * vfs_grub_edit on a file, replaced atomically (temporary file in the same
 * directory, fsync, rename; mode and owner kept).  Returns 1 changed, 0
 * unchanged (the file is not touched), -1 refused (unparseable; err says
 * why), -2 an I/O error, a missing file included (err says which).
 */
int vfs_grub_edit_file(const char *path, bool add, char *err, size_t errlen);

/*
 * The GRUB drop-in "virtiofsctl cmdline --apply" writes where GRUB reads
 * /etc/default/grub.d/NAME.cfg (Debian, Ubuntu): it appends the parameter to
 * GRUB_CMDLINE_LINUX whatever /etc/default/grub sets it to, and deleting
 * it is the whole revert.  Relative to the root.
 */
#define VFS_GRUB_DROPIN		"etc/default/grub.d/virtiofs-ng.cfg"

/*
 * Writes (add true; the directory is made when missing) or deletes the
 * drop-in at path.  Returns 1 changed, 0 already as asked, -2 an I/O
 * error (err says which).
 */
int vfs_grub_dropin(const char *path, bool add, char *err, size_t errlen);

#endif
