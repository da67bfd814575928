// SPDX-License-Identifier: GPL-2.0
/* --fault SPEC parsing and matching; the grammar is in fs_fault.h. */
#include <errno.h>
#include <linux/fuse.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fs_fault.h"
#include "fs_internal.h"
#include "log.h"

#define OPCODE_ALL	0xffffffffu

enum fault_action {
	ACT_DELAY, ACT_DELAY_ASYNC, ACT_ERROR, ACT_DROP, ACT_CORRUPT
};

/* ":first=N" takes at most this (a request count, not a time) */
#define FIRST_MAX	0x7fffffffUL
/* delays are milliseconds, at most a minute */
#define DELAY_MAX	60000UL

struct fault_rule {
	uint32_t opcode;
	enum fault_action action;
	unsigned long arg;
	unsigned long first;	/* 0: every match; else the first N */
	atomic_ulong matched;	/* matches so far (several queue workers) */
};

struct fs_fault {
	struct fault_rule *rules;
	size_t nrules;
	uint64_t exit_after;
};

static const char *const opnames[] = {
	[FUSE_LOOKUP] = "lookup", [FUSE_FORGET] = "forget",
	[FUSE_GETATTR] = "getattr", [FUSE_SETATTR] = "setattr",
	[FUSE_READLINK] = "readlink", [FUSE_SYMLINK] = "symlink",
	[FUSE_MKNOD] = "mknod", [FUSE_MKDIR] = "mkdir",
	[FUSE_UNLINK] = "unlink", [FUSE_RMDIR] = "rmdir",
	[FUSE_RENAME] = "rename", [FUSE_LINK] = "link",
	[FUSE_OPEN] = "open", [FUSE_READ] = "read", [FUSE_WRITE] = "write",
	[FUSE_STATFS] = "statfs", [FUSE_RELEASE] = "release",
	[FUSE_FSYNC] = "fsync", [FUSE_SETXATTR] = "setxattr",
	[FUSE_GETXATTR] = "getxattr", [FUSE_LISTXATTR] = "listxattr",
	[FUSE_REMOVEXATTR] = "removexattr", [FUSE_FLUSH] = "flush",
	[FUSE_INIT] = "init", [FUSE_OPENDIR] = "opendir",
	[FUSE_READDIR] = "readdir", [FUSE_RELEASEDIR] = "releasedir",
	[FUSE_FSYNCDIR] = "fsyncdir", [FUSE_GETLK] = "getlk",
	[FUSE_SETLK] = "setlk", [FUSE_SETLKW] = "setlkw",
	[FUSE_ACCESS] = "access", [FUSE_CREATE] = "create",
	[FUSE_INTERRUPT] = "interrupt", [FUSE_BMAP] = "bmap",
	[FUSE_DESTROY] = "destroy", [FUSE_IOCTL] = "ioctl",
	[FUSE_POLL] = "poll", [FUSE_NOTIFY_REPLY] = "notify_reply",
	[FUSE_BATCH_FORGET] = "batch_forget",
	[FUSE_FALLOCATE] = "fallocate", [FUSE_READDIRPLUS] = "readdirplus",
	[FUSE_RENAME2] = "rename2", [FUSE_LSEEK] = "lseek",
	[FUSE_COPY_FILE_RANGE] = "copy_file_range",
	[FUSE_SETUPMAPPING] = "setupmapping",
	[FUSE_REMOVEMAPPING] = "removemapping", [FUSE_SYNCFS] = "syncfs",
	[FUSE_TMPFILE] = "tmpfile", [FS_FUSE_STATX] = "statx",
};

#define NOPNAMES (sizeof(opnames) / sizeof(opnames[0]))

const char *fs_opcode_name(uint32_t opcode)
{
	return opcode < NOPNAMES ? opnames[opcode] : NULL;
}

uint32_t fs_opcode_parse(const char *name, size_t len)
{
	uint32_t i;

	for (i = 0; i < NOPNAMES; i++)
		if (opnames[i] && strlen(opnames[i]) == len &&
		    !strncmp(opnames[i], name, len))
			return i;
	return 0;
}

static const struct {
	const char *name;
	int value;
} errnames[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EINTR", EINTR },
	{ "EIO", EIO }, { "ENXIO", ENXIO }, { "E2BIG", E2BIG },
	{ "EBADF", EBADF }, { "EAGAIN", EAGAIN }, { "ENOMEM", ENOMEM },
	{ "EACCES", EACCES }, { "EFAULT", EFAULT }, { "EBUSY", EBUSY },
	{ "EEXIST", EEXIST }, { "EXDEV", EXDEV }, { "ENODEV", ENODEV },
	{ "ENOTDIR", ENOTDIR }, { "EISDIR", EISDIR }, { "EINVAL", EINVAL },
	{ "ENFILE", ENFILE }, { "EMFILE", EMFILE }, { "EFBIG", EFBIG },
	{ "ENOSPC", ENOSPC }, { "ESPIPE", ESPIPE }, { "EROFS", EROFS },
	{ "EMLINK", EMLINK }, { "ERANGE", ERANGE }, { "EDEADLK", EDEADLK },
	{ "ENAMETOOLONG", ENAMETOOLONG }, { "ENOLCK", ENOLCK },
	{ "ENOSYS", ENOSYS }, { "ENOTEMPTY", ENOTEMPTY }, { "ELOOP", ELOOP },
	{ "ENODATA", ENODATA }, { "EOVERFLOW", EOVERFLOW },
	{ "EPROTO", EPROTO }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "ENOTSUP", ENOTSUP }, { "ETIMEDOUT", ETIMEDOUT },
	{ "ESTALE", ESTALE }, { "EDQUOT", EDQUOT },
	{ "ECONNABORTED", ECONNABORTED }, { "ENOTCONN", ENOTCONN },
};

/* Decimal number in [min, max] spanning exactly s[0..len). */
static int parse_num(const char *s, size_t len, unsigned long min,
		     unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (!len || len > 19)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_errno(const char *s, size_t len, unsigned long *out)
{
	size_t i;

	if (!parse_num(s, len, 1, 4095, out))
		return 0;
	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++) {
		if (strlen(errnames[i].name) == len &&
		    !strncmp(errnames[i].name, s, len)) {
			*out = (unsigned long)errnames[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *const corrupt_names[] = {
	[FS_CORRUPT_LEN] = "len", [FS_CORRUPT_SHORT] = "short",
	[FS_CORRUPT_NODEID] = "nodeid", [FS_CORRUPT_UNIQUE] = "unique",
	[FS_CORRUPT_ERROR] = "error", [FS_CORRUPT_SHRINK] = "shrink",
	[FS_CORRUPT_OFFCYCLE] = "offcycle",
	[FS_CORRUPT_SUBMOUNT] = "submount", [FS_CORRUPT_CODE] = "code",
	[FS_CORRUPT_NAMELEN] = "namelen", [FS_CORRUPT_NUL] = "nul",
};

/* Splits s[0..len) at ':' into at most 3 fields; returns the count. */
static int split(const char *s, size_t len, const char *f[4], size_t fl[4])
{
	int n = 0;
	size_t start = 0, i;

	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == ':') {
			if (n == 4)
				return 5;
			f[n] = s + start;
			fl[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	return n;
}

static int parse_rule(struct fs_fault *f, const char *s, size_t len)
{
	const char *fld[4];
	size_t fl[4];
	int n = split(s, len, fld, fl);
	struct fault_rule rule = { 0 };
	unsigned long v;

	if (n == 2 && fl[0] == 10 && !strncmp(fld[0], "exit-after", 10)) {
		if (parse_num(fld[1], fl[1], 1, ~0UL >> 1, &v))
			return -EINVAL;
		f->exit_after = v;
		return 0;
	}
	if (n > 4)
		return -EINVAL;
	/* an optional last field limits the rule to the first N matches */
	if (n >= 3 && fl[n - 1] > 6 && !strncmp(fld[n - 1], "first=", 6)) {
		if (parse_num(fld[n - 1] + 6, fl[n - 1] - 6, 1, FIRST_MAX,
			      &rule.first))
			return -EINVAL;
		n--;
	}
	if (n < 2 || n > 3)
		return -EINVAL;
	if (fl[0] == 3 && (!strncmp(fld[0], "all", 3)))
		rule.opcode = OPCODE_ALL;
	else if (fl[0] == 1 && fld[0][0] == '*')
		rule.opcode = OPCODE_ALL;
	else if (fl[0] == 6 && !strncmp(fld[0], "notify", 6))
		rule.opcode = FS_FAULT_NOTIFY;
	else
		rule.opcode = fs_opcode_parse(fld[0], fl[0]);
	if (!rule.opcode)
		return -EINVAL;

	if (fl[1] == 5 && !strncmp(fld[1], "delay", 5) && n == 3) {
		rule.action = ACT_DELAY;
		if (parse_num(fld[2], fl[2], 0, DELAY_MAX, &rule.arg))
			return -EINVAL;
	} else if (fl[1] == 11 && !strncmp(fld[1], "delay-async", 11) &&
		   n == 3) {
		rule.action = ACT_DELAY_ASYNC;
		if (parse_num(fld[2], fl[2], 0, DELAY_MAX, &rule.arg))
			return -EINVAL;
		/* a notify message is no request; SETLKW defers on its own */
		if (rule.opcode == FS_FAULT_NOTIFY ||
		    rule.opcode == FUSE_SETLKW)
			return -EINVAL;
	} else if (fl[1] == 5 && !strncmp(fld[1], "error", 5) && n == 3) {
		rule.action = ACT_ERROR;
		if (parse_errno(fld[2], fl[2], &rule.arg))
			return -EINVAL;
	} else if (fl[1] == 4 && !strncmp(fld[1], "drop", 4) && n == 2) {
		rule.action = ACT_DROP;
	} else if (fl[1] == 7 && !strncmp(fld[1], "corrupt", 7)) {
		rule.action = ACT_CORRUPT;
		rule.arg = FS_CORRUPT_LEN;
		if (n == 3) {
			size_t i;

			rule.arg = FS_CORRUPT_NONE;
			for (i = 1; i < sizeof(corrupt_names) /
					sizeof(corrupt_names[0]); i++)
				if (strlen(corrupt_names[i]) == fl[2] &&
				    !strncmp(corrupt_names[i], fld[2], fl[2]))
					rule.arg = i;
			if (rule.arg == FS_CORRUPT_NONE)
				return -EINVAL;
		}
	} else {
		return -EINVAL;
	}
	/* notify messages: drop, delay or the kinds that fit a message */
	if (rule.opcode == FS_FAULT_NOTIFY) {
		if (rule.action == ACT_ERROR ||
		    (rule.action == ACT_CORRUPT &&
		     (rule.arg == FS_CORRUPT_SHRINK ||
		      rule.arg == FS_CORRUPT_OFFCYCLE ||
		      rule.arg == FS_CORRUPT_SUBMOUNT)))
			return -EINVAL;
	} else if (rule.action == ACT_CORRUPT && rule.arg >= FS_CORRUPT_CODE) {
		return -EINVAL;
	}

	struct fault_rule *r = realloc(f->rules, (f->nrules + 1) * sizeof(*r));

	if (!r)
		return -ENOMEM;
	f->rules = r;
	r = &f->rules[f->nrules++];
	r->opcode = rule.opcode;
	r->action = rule.action;
	r->arg = rule.arg;
	r->first = rule.first;
	atomic_init(&r->matched, 0);
	return 0;
}

int fs_fault_parse(const char *spec, struct fs_fault **out)
{
	struct fs_fault *f;
	const char *p = spec;

	*out = NULL;
	if (!spec || !*spec)
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	while (*p) {
		size_t len = strcspn(p, ",");
		int ret = parse_rule(f, p, len);

		if (ret) {
			log_err("--fault: bad rule '%.*s' at offset %zu of '%s' (want OPCODE:delay:MS, OPCODE:delay-async:MS (not setlkw), OPCODE:error:ERRNO, OPCODE:drop, OPCODE:corrupt[:len|short|nodeid|unique|error|shrink|offcycle|submount], notify:drop, notify:delay:MS, notify:corrupt[:len|short|unique|error|code|nodeid|namelen|nul], each optionally ending in :first=N (N 1..%lu), or exit-after:N; MS 0..%lu)",
				(int)len, p, (size_t)(p - spec), spec,
				FIRST_MAX, DELAY_MAX);
			fs_fault_free(f);
			return ret == -ENOMEM ? ret : -EINVAL;
		}
		p += len;
		if (*p == ',') {
			p++;
			if (!*p) {
				log_err("--fault: trailing ',' in '%s'", spec);
				fs_fault_free(f);
				return -EINVAL;
			}
		}
	}
	*out = f;
	return 0;
}

void fs_fault_free(struct fs_fault *f)
{
	if (!f)
		return;
	free(f->rules);
	free(f);
}

void fs_fault_match(struct fs_fault *f, uint32_t opcode,
		    struct fs_fault_hit *hit)
{
	size_t i;

	memset(hit, 0, sizeof(*hit));
	if (!f)
		return;
	for (i = 0; i < f->nrules; i++) {
		struct fault_rule *r = &f->rules[i];

		if (r->opcode != opcode &&
		    (r->opcode != OPCODE_ALL || opcode == FS_FAULT_NOTIFY))
			continue;
		/* "all": a SETLKW's reply is deferred by the lock table */
		if (r->action == ACT_DELAY_ASYNC && opcode == FUSE_SETLKW)
			continue;
		if (r->first &&
		    atomic_fetch_add(&r->matched, 1) >= r->first)
			continue;
		switch (r->action) {
		case ACT_DELAY:
			hit->delay_ms += (unsigned int)r->arg;
			break;
		case ACT_DELAY_ASYNC:
			hit->async_delay_ms += (unsigned int)r->arg;
			break;
		case ACT_ERROR:
			if (!hit->error)
				hit->error = (int)r->arg;
			break;
		case ACT_DROP:
			hit->drop = true;
			break;
		case ACT_CORRUPT:
			if (hit->corrupt == FS_CORRUPT_NONE)
				hit->corrupt = (enum fs_fault_corrupt)r->arg;
			break;
		}
	}
}

uint64_t fs_fault_exit_after(const struct fs_fault *f)
{
	return f ? f->exit_after : 0;
}
