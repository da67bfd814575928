// SPDX-License-Identifier: GPL-2.0
/*
 * initcall_blacklist=virtio_fs_init: whether a kernel needs it, whether it
 * is in effect or configured, and editing /etc/default/grub for it.
 *
 * /etc/default/grub is a shell fragment that grub-mkconfig sources.  The
 * editor only touches GRUB_CMDLINE_LINUX assignments it understands fully
 * (one line; double quotes without escapes or expansions, single quotes,
 * or a plain word; then at most a comment) and refuses the file otherwise:
 * rewriting shell it cannot read could break the boot configuration.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"
#include "devices.h"

#define VAR		"GRUB_CMDLINE_LINUX"
#define MAX_ASSIGN	64

static void seterr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* root + "/" + rel without doubling the slash; false if too long */
static bool join(char *buf, size_t len, const char *root, const char *rel)
{
	size_t rl = strlen(root);
	int n;

	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (rl == 1 && root[0] == '/')
		rl = 0;
	n = snprintf(buf, len, "%.*s/%s", (int)rl, root, rel);
	return n > 0 && (size_t)n < len;
}

const char *vfs_kver_invalid(const char *kver)
{
	const char *p;

	if (!*kver)
		return "it is empty";
	if (strlen(kver) > VFS_KVER_MAX)
		return "it is longer than 64 characters";
	if (strchr(kver, '/'))
		return "it contains '/'";
	if (!((*kver >= '0' && *kver <= '9') || (*kver >= 'a' && *kver <= 'z') ||
	      (*kver >= 'A' && *kver <= 'Z')))
		return "it does not start with a letter or digit";
	if (strstr(kver, ".."))
		return "it contains '..'";
	for (p = kver; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+~-", *p))
			return "it has a character other than letters, digits and . _ + ~ -";
	return NULL;
}

/*
 * Does file (lines of module paths, "path:" lines for modules.dep) list
 * the kernel's virtiofs?  1 yes, 0 no, -1 no file.
 */
static int lists_virtiofs(const char *path, bool dep)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int found = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -1;
	while (!found && (n = getline(&line, &cap, f)) > 0) {
		char *end = dep ? strchr(line, ':') : NULL;
		char *base;

		if (!end)
			end = line + strcspn(line, "\n");
		*end = '\0';
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		/* modules.dep may name compressed modules: virtiofs.ko.xz */
		found = !strcmp(base, "virtiofs.ko") ||
			(dep && !strncmp(base, "virtiofs.ko.", 12));
	}
	free(line);
	fclose(f);
	return found;
}

/* CONFIG_VIRTIO_FS from a kernel config: 'y', 'm', 'n', or 0 no file */
static char config_virtio_fs(const char *path)
{
	char line[256];
	char v = 'n';
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "CONFIG_VIRTIO_FS=", 17)) {
			v = line[17] == 'y' || line[17] == 'm' ? line[17] : 'n';
			break;
		}
	}
	fclose(f);
	return v;
}

static bool sysfs_has(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	return join(path, sizeof(path), vfs_sysfs_root(), rel) &&
	       !lstat(path, &st);
}

enum vfs_kvirtiofs vfs_kernel_virtiofs(const char *root, const char *kver,
				       bool running, char *src, size_t srclen)
{
	char builtin[PATH_MAX], dep[PATH_MAX], config[PATH_MAX], rel[128];
	int b = -1, d = -1;
	char c = 0;

	snprintf(rel, sizeof(rel), "lib/modules/%s/modules.builtin", kver);
	if (join(builtin, sizeof(builtin), root, rel))
		b = lists_virtiofs(builtin, false);
	snprintf(rel, sizeof(rel), "lib/modules/%s/modules.dep", kver);
	if (join(dep, sizeof(dep), root, rel))
		d = lists_virtiofs(dep, true);
	snprintf(rel, sizeof(rel), "boot/config-%s", kver);
	if (join(config, sizeof(config), root, rel))
		c = config_virtio_fs(config);

	/* modules.builtin is what the kernel build wrote: it decides */
	if (b == 1) {
		seterr(src, srclen, "%s lists virtiofs.ko", builtin);
		return VFS_KV_BUILTIN;
	}
	if (d == 1) {
		seterr(src, srclen, "%s lists virtiofs.ko", dep);
		return VFS_KV_MODULE;
	}
	if (b == 0) {
		seterr(src, srclen, "%s does not list virtiofs.ko%s", builtin,
		       d == 0 ? ", nor modules.dep" : "");
		return VFS_KV_NONE;
	}
	if (c == 'y' || c == 'm') {
		seterr(src, srclen, "%s has CONFIG_VIRTIO_FS=%c", config, c);
		return c == 'y' ? VFS_KV_BUILTIN : VFS_KV_MODULE;
	}
	if (c == 'n') {
		seterr(src, srclen, "%s does not set CONFIG_VIRTIO_FS", config);
		return VFS_KV_NONE;
	}
	/*
	 * No files (a minimal guest): the running kernel's sysfs.  Built-in
	 * code has a /sys/module entry (for its driver) without refcnt.
	 */
	if (running && (sysfs_has("bus/virtio/drivers/virtiofs") ||
			sysfs_has("module/virtiofs"))) {
		bool mod = sysfs_has("module/virtiofs/refcnt");

		seterr(src, srclen, mod ? "from %s: module/virtiofs/refcnt exists" :
		       "from %s: virtiofs registered, no module/virtiofs/refcnt",
		       vfs_sysfs_root());
		return mod ? VFS_KV_MODULE : VFS_KV_BUILTIN;
	}
	if (running)
		seterr(src, srclen, "no %s, no %s, and the kernel's virtiofs is not in %s",
		       builtin, config, vfs_sysfs_root());
	else
		seterr(src, srclen, "no %s and no %s", builtin, config);
	return VFS_KV_UNKNOWN;
}

/* Is "initcall_blacklist=LIST" (len bytes from w) disabling our initcall? */
static bool word_blacklists(const char *w, size_t len)
{
	static const char key[] = "initcall_blacklist=";
	const size_t kl = sizeof(key) - 1, il = strlen(VFS_BLACKLIST_INITCALL);
	size_t i, start;

	if (len < kl || strncmp(w, key, kl))
		return false;
	for (i = start = kl; i <= len; i++) {
		if (i < len && w[i] != ',')
			continue;
		if (i - start == il && !strncmp(w + start, VFS_BLACKLIST_INITCALL, il))
			return true;
		start = i + 1;
	}
	return false;
}

bool vfs_cmdline_has_blacklist(const char *cmdline)
{
	const char *p = cmdline;

	for (;;) {
		size_t len;

		p += strspn(p, " \t\n");
		if (!*p)
			return false;
		len = strcspn(p, " \t\n");
		if (len == 2 && !strncmp(p, "--", 2))
			return false;
		if (word_blacklists(p, len))
			return true;
		p += len;
	}
}

/* Reads a small text file whole (NUL-terminated); NULL if unreadable. */
static char *slurp(const char *path, size_t max, size_t *lenp)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	buf = malloc(st.st_size + 1);
	while (buf && len < (size_t)st.st_size) {
		n = read(fd, buf + len, st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (!buf)
		return NULL;
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

/*
 * The values GRUB_CMDLINE_LINUX and _DEFAULT end up with after a defaults
 * file, roughly as sh would see them: the last assignment wins, one that
 * mentions $VAR appends.  Quotes become blanks.  Read-only, for reporting.
 */
struct grubvals {
	char lnx[4096];
	char dflt[4096];
};

/* Does value refer to $var or ${var} (and not to a longer name)? */
static bool mentions(const char *value, const char *var)
{
	size_t vl = strlen(var);
	const char *p;

	for (p = strchr(value, '$'); p; p = strchr(p + 1, '$')) {
		const char *n = p[1] == '{' ? p + 2 : p + 1;
		char next;

		if (strncmp(n, var, vl))
			continue;
		next = n[vl];
		if (p[1] == '{' ? next == '}' :
		    !(next == '_' || (next >= 'A' && next <= 'Z') ||
		      (next >= 'a' && next <= 'z') || (next >= '0' && next <= '9')))
			return true;
	}
	return false;
}

static void grubval_set(char *dst, size_t len, const char *var,
			const char *value)
{
	if (mentions(value, var))
		strncat(dst, " ", len - strlen(dst) - 1);
	else
		dst[0] = '\0';
	strncat(dst, value, len - strlen(dst) - 1);
}

static void grubvals_scan(const char *path, struct grubvals *gv)
{
	char *text = slurp(path, VFS_GRUB_MAX, NULL), *line, *save = NULL;

	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = line + strspn(line, " \t"), *q;
		bool dflt;

		if (!strncmp(p, "export ", 7))
			p += 7 + strspn(p + 7, " \t");
		if (strncmp(p, VAR, strlen(VAR)))
			continue;
		p += strlen(VAR);
		dflt = !strncmp(p, "_DEFAULT=", 9);
		if (dflt)
			p += 9;
		else if (*p == '=')
			p++;
		else
			continue;
		for (q = p; *q; q++)
			if (*q == '"' || *q == '\'')
				*q = ' ';
		if (dflt)
			grubval_set(gv->dflt, sizeof(gv->dflt), VAR "_DEFAULT", p);
		else
			grubval_set(gv->lnx, sizeof(gv->lnx), VAR, p);
	}
	free(text);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Calls fn on each DIR/NAME.SUFFIX file in name order (as sh's glob does). */
static bool each_file(const char *dir, const char *suffix,
		      bool (*fn)(const char *path, const char *name, void *arg),
		      void *arg)
{
	char *names[256], path[PATH_MAX];
	size_t n = 0, i, sl = strlen(suffix);
	struct dirent *de;
	bool hit = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (n < 256 && (de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l <= sl ||
		    strcmp(de->d_name + l - sl, suffix))
			continue;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		if (!hit && (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
					     names[i]) < sizeof(path))
			hit = fn(path, names[i], arg);
		free(names[i]);
	}
	return hit;
}

static bool scan_grubd(const char *path, const char *name, void *arg)
{
	(void)name;
	grubvals_scan(path, arg);
	return false;
}

struct bls_arg {
	const char *kver;
	char *where;
	size_t wherelen;
};

/* A boot loader entry (grubby, systemd-boot) for kver with the parameter */
static bool scan_bls(const char *path, const char *name, void *arg)
{
	struct bls_arg *a = arg;
	char *text = slurp(path, 65536, NULL), *line, *save = NULL;
	size_t nl = strlen(name), kl = strlen(a->kver);
	/* "<machine-id>-KVER.conf", or a "version KVER" line */
	bool mine = nl >= kl + 5 && !strncmp(name + nl - kl - 5, a->kver, kl) &&
		    (nl == kl + 5 || name[nl - kl - 6] == '-');
	bool has = false;

	if (!text)
		return false;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		if (!strncmp(line, "version", 7) && (line[7] == ' ' || line[7] == '\t')) {
			char *v = line + 7 + strspn(line + 7, " \t");

			mine |= !strcmp(v, a->kver);
		} else if (!strncmp(line, "options", 7) &&
			   (line[7] == ' ' || line[7] == '\t')) {
			has |= vfs_cmdline_has_blacklist(line + 7);
		}
	}
	free(text);
	if (mine && has)
		seterr(a->where, a->wherelen, "%s", path);
	return mine && has;
}

bool vfs_bootcfg_has_blacklist(const char *root, const char *kver,
			       char *where, size_t wherelen)
{
	struct grubvals gv = { "", "" };
	struct bls_arg bls = { kver, where, wherelen };
	char path[PATH_MAX], dir[PATH_MAX];
	char *text;

	if (join(path, sizeof(path), root, "etc/default/grub") &&
	    join(dir, sizeof(dir), root, "etc/default/grub.d")) {
		grubvals_scan(path, &gv);
		each_file(dir, ".cfg", scan_grubd, &gv);
		if (vfs_cmdline_has_blacklist(gv.lnx) ||
		    vfs_cmdline_has_blacklist(gv.dflt)) {
			seterr(where, wherelen, "%s (or %s/*.cfg)", path, dir);
			return true;
		}
	}
	if (join(path, sizeof(path), root, "etc/kernel/cmdline")) {
		text = slurp(path, 65536, NULL);
		if (text && vfs_cmdline_has_blacklist(text)) {
			free(text);
			seterr(where, wherelen, "%s", path);
			return true;
		}
		free(text);
	}
	return join(dir, sizeof(dir), root, "boot/loader/entries") &&
	       each_file(dir, ".conf", scan_bls, &bls);
}

/* ---- editing /etc/default/grub ---- */

struct assign {
	size_t vstart, vend;	/* the whole value, quotes included */
	size_t cstart, cend;	/* its content */
	char quote;		/* '"', '\'' or 0 */
	size_t lineno;
};

struct sbuf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t len)
{
	if (b->oom)
		return;
	if (b->n + len + 1 > b->cap) {
		size_t cap = (b->n + len + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static bool plain_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("_=.,:/+@%-", c);
}

/*
 * Parses one GRUB_CMDLINE_LINUX= line (s..e, p at the value).  Returns
 * NULL, or why the line cannot be edited.
 */
static const char *parse_value(const char *in, size_t p, size_t e,
			       struct assign *a)
{
	size_t i;

	a->vstart = p;
	if (p < e && (in[p] == '"' || in[p] == '\'')) {
		a->quote = in[p];
		a->cstart = p + 1;
		for (i = p + 1; i < e && in[i] != a->quote; i++) {
			if (a->quote == '"' && strchr("\\$`", in[i]))
				return "it uses \\, $ or ` inside double quotes";
			if ((unsigned char)in[i] < 0x20 && in[i] != '\t')
				return "it has a control character";
		}
		if (i == e)
			return "its quoted value does not end on the same line";
		a->cend = i;
		a->vend = i + 1;
	} else {
		a->quote = 0;
		a->cstart = p;
		for (i = p; i < e && in[i] != ' ' && in[i] != '\t'; i++)
			if (!plain_char(in[i]))
				return "its unquoted value has a character that needs shell quoting";
		a->cend = a->vend = i;
	}
	/* then blanks, and a comment only after a blank */
	i = a->vend;
	if (i < e && in[i] != ' ' && in[i] != '\t')
		return "the value is followed by more than blanks and a comment";
	i += strspn(in + i, " \t");
	if (i < e && in[i] != '#')
		return "more follows the value on the same line";
	return NULL;
}

/* Finds every assignment; -1 with err on a line it cannot edit. */
static int find_assigns(const char *in, size_t len, struct assign *as,
			size_t *nas, char *err, size_t errlen)
{
	size_t s = 0, lineno = 0;
	const char *why;

	*nas = 0;
	while (s < len) {
		const char *nl = memchr(in + s, '\n', len - s);
		size_t e = nl ? (size_t)(nl - in) : len, p;
		const char *hit;

		lineno++;
		p = s + strspn(in + s, " \t");
		if (p > e)
			p = e;
		if (p < e && in[p] != '#') {
			/* the line as a string, for strstr */
			char *l = strndup(in + s, e - s);

			if (!l) {
				seterr(err, errlen, "out of memory");
				return -1;
			}
			hit = strstr(l, VAR "=");
			if (!hit)
				hit = strstr(l, VAR "+=");
			free(l);
			if (hit && !strncmp(in + p, VAR "=", strlen(VAR) + 1)) {
				if (*nas == MAX_ASSIGN) {
					seterr(err, errlen, "more than %d %s assignments",
					       MAX_ASSIGN, VAR);
					return -1;
				}
				why = parse_value(in, p + strlen(VAR) + 1, e,
						  &as[*nas]);
				if (why) {
					seterr(err, errlen, "line %zu sets %s but %s",
					       lineno, VAR, why);
					return -1;
				}
				as[(*nas)++].lineno = lineno;
			} else if (hit) {
				seterr(err, errlen, "line %zu sets %s in a form this cannot edit (it must start the line: %s=\"...\")",
				       lineno, VAR, VAR);
				return -1;
			}
		}
		s = e + 1;
	}
	return 0;
}

static bool blank_only(const char *s, size_t len)
{
	return strspn(s, " \t") >= len;
}

/*
 * The content (c, len) without our initcall: the whole word when it was
 * alone in its list, else just the list element.  Returns false when
 * nothing was removed.
 */
static bool content_remove(const char *c, size_t len, struct sbuf *out)
{
	static const char key[] = "initcall_blacklist=";
	const size_t kl = sizeof(key) - 1;
	bool removed = false, any = false;
	size_t i = 0;

	while (i < len) {
		size_t ws = i, w, wl;

		while (i < len && (c[i] == ' ' || c[i] == '\t'))
			i++;
		w = i;
		while (i < len && c[i] != ' ' && c[i] != '\t')
			i++;
		wl = i - w;
		if (wl && word_blacklists(c + w, wl)) {
			struct sbuf rest = { 0 };
			size_t j, start;

			/* the remaining initcalls of the list */
			for (j = start = kl; j <= wl; j++) {
				if (j < wl && c[w + j] != ',')
					continue;
				if (j > start &&
				    !(j - start == strlen(VFS_BLACKLIST_INITCALL) &&
				      !strncmp(c + w + start, VFS_BLACKLIST_INITCALL,
					       j - start))) {
					if (rest.n)
						sb_str(&rest, ",");
					sb_add(&rest, c + w + start, j - start);
				}
				start = j + 1;
			}
			removed = true;
			if (rest.n) {
				sb_add(out, c + ws, w - ws);
				sb_add(out, key, kl);
				sb_add(out, rest.p, rest.n);
				any = true;
			} else if (!any) {
				/* first word gone: drop the blanks after it */
				while (i < len && (c[i] == ' ' || c[i] == '\t'))
					i++;
				/* keep leading blanks the value started with */
				sb_add(out, c + ws, w - ws);
			}
			out->oom |= rest.oom;
			free(rest.p);
			continue;
		}
		sb_add(out, c + ws, i - ws);
		any |= wl > 0;
	}
	return removed;
}

int vfs_grub_edit(const char *text, size_t inlen, bool add, char **out,
		  size_t *outlen, char *err, size_t errlen)
{
	struct assign as[MAX_ASSIGN];
	struct sbuf b = { 0 };
	size_t nas, i, pos = 0;
	bool changed = false;
	char *in;

	*out = NULL;
	*outlen = 0;
	if (memchr(text, '\0', inlen)) {
		seterr(err, errlen, "it has NUL bytes: not a text file");
		return -1;
	}
	/* a terminated copy: the parser uses string functions */
	in = strndup(text, inlen);
	if (!in) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	if (find_assigns(in, inlen, as, &nas, err, errlen)) {
		free(in);
		return -1;
	}
	if (add && nas) {
		struct assign *a = &as[nas - 1];
		size_t cl = a->cend - a->cstart;
		char saved = in[a->cend];
		bool has;

		/* the content as a string, in the private copy */
		in[a->cend] = '\0';
		has = vfs_cmdline_has_blacklist(in + a->cstart);
		in[a->cend] = saved;
		if (has) {
			free(in);
			return 0;
		}
		sb_add(&b, in, a->vstart);
		sb_str(&b, a->quote == '\'' ? "'" : "\"");
		sb_add(&b, in + a->cstart, cl);
		if (cl && !blank_only(in + a->cstart, cl) &&
		    in[a->cend - 1] != ' ' && in[a->cend - 1] != '\t')
			sb_str(&b, " ");
		sb_str(&b, VFS_BLACKLIST_PARAM);
		sb_str(&b, a->quote == '\'' ? "'" : "\"");
		sb_add(&b, in + a->vend, inlen - a->vend);
		changed = true;
	} else if (add) {
		sb_add(&b, in, inlen);
		if (inlen && in[inlen - 1] != '\n')
			sb_str(&b, "\n");
		sb_str(&b, "# virtiofs-ng: the built-in virtiofs leaves the devices to virtiofs_ng\n");
		sb_str(&b, VAR "=\"" VFS_BLACKLIST_PARAM "\"\n");
		changed = true;
	} else {
		for (i = 0; i < nas; i++) {
			struct assign *a = &as[i];
			struct sbuf c = { 0 };

			if (!content_remove(in + a->cstart, a->cend - a->cstart,
					    &c)) {
				free(c.p);
				continue;
			}
			sb_add(&b, in + pos, a->cstart - pos);
			sb_add(&b, c.p ? c.p : "", c.n);
			pos = a->cend;
			b.oom |= c.oom;
			free(c.p);
			changed = true;
		}
		if (changed)
			sb_add(&b, in + pos, inlen - pos);
	}
	free(in);
	if (b.oom) {
		free(b.p);
		seterr(err, errlen, "out of memory");
		return -1;
	}
	if (!changed) {
		free(b.p);
		return 0;
	}
	*out = b.p;
	*outlen = b.n;
	return 1;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Puts data in place of path (a new file or one replaced) so that a crash
 * leaves the old file or the new one, never a part: a temporary file
 * beside it, written and synced, renamed over it, then the directory
 * synced.  The new file gets mode, and owner's uid and gid when we are
 * root.  Returns 1, or -2 with err set.
 */
static int replace_file(const char *path, const char *data, size_t len,
			mode_t mode, const struct stat *owner, char *err,
			size_t errlen)
{
	char tmp[PATH_MAX + 32], dirbuf[PATH_MAX], namebuf[PATH_MAX];
	char *dir;
	int fd, dfd;

	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	dir = dirname(dirbuf);
	snprintf(namebuf, sizeof(namebuf), "%s", path);
	snprintf(tmp, sizeof(tmp), "%s/.%s.vng-XXXXXX", dir,
		 basename(namebuf));
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		seterr(err, errlen, "creating a temporary file in %s: %s", dir,
		       strerror(errno));
		return -2;
	}
	if (fchmod(fd, mode) ||
	    (owner && geteuid() == 0 &&
	     fchown(fd, owner->st_uid, owner->st_gid)) ||
	    write_all(fd, data, len) || fsync(fd)) {
		seterr(err, errlen, "writing %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -2;
	}
	if (close(fd) || rename(tmp, path)) {
		seterr(err, errlen, "replacing %s: %s", path, strerror(errno));
		unlink(tmp);
		return -2;
	}
	/* the rename itself survives a crash once the directory is synced */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 1;
}

int vfs_grub_edit_file(const char *path, bool add, char *err, size_t errlen)
{
	char real[PATH_MAX];
	char *in, *out = NULL;
	size_t inlen = 0, outlen;
	struct stat st;
	int rc;

	/* a symlinked defaults file is edited where it lives */
	if (!realpath(path, real) || stat(real, &st)) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -2;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s is not a regular file", path);
		return -1;
	}
	in = slurp(real, VFS_GRUB_MAX, &inlen);
	if (!in) {
		seterr(err, errlen, "%s: %s", path,
		       errno == EFBIG ? "larger than 1 MiB: not a GRUB defaults file"
				      : strerror(errno));
		return errno == EFBIG ? -1 : -2;
	}
	rc = vfs_grub_edit(in, inlen, add, &out, &outlen, err, errlen);
	free(in);
	if (rc <= 0)
		return rc;

	rc = replace_file(real, out, outlen, st.st_mode & 07777, &st, err,
			  errlen);
	free(out);
	return rc;
}

/* ---- the /etc/default/grub.d drop-in ---- */

static const char dropin_text[] =
	"# Written by \"virtiofsctl cmdline --apply\" (virtiofs-ng): keeps the\n"
	"# kernel's built-in virtiofs from starting, so virtiofs_ng serves every\n"
	"# virtio-fs device.  \"virtiofsctl cmdline --revert\" deletes this file.\n"
	"GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX " VFS_BLACKLIST_PARAM "\"\n";

int vfs_grub_dropin(const char *path, bool add, char *err, size_t errlen)
{
	char dirbuf[PATH_MAX], *dir, *old;
	size_t len = strlen(dropin_text), oldlen = 0;

	if (!add) {
		if (unlink(path) == 0)
			return 1;
		if (errno == ENOENT)
			return 0;
		seterr(err, errlen, "removing %s: %s", path, strerror(errno));
		return -2;
	}
	old = slurp(path, VFS_GRUB_MAX, &oldlen);
	if (old && oldlen == len && !memcmp(old, dropin_text, len)) {
		free(old);
		return 0;
	}
	free(old);
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	dir = dirname(dirbuf);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		seterr(err, errlen, "creating %s: %s", dir, strerror(errno));
		return -2;
	}
	return replace_file(path, dropin_text, len, 0644, NULL, err, errlen);
}
