// SPDX-License-Identifier: GPL-2.0
/*
 * Per-opcode reply damage for the fuzzer: each reply layout gets the lies a
 * hostile host could tell in it (attributes, entries, directory entries,
 * counts beyond the request, INIT parameters, lock ranges, ...).  Every
 * change is described with fz_note() so the log says what the guest saw.
 */
#include <inttypes.h>
#include <linux/fuse.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs_fuzz_priv.h"
#include "fs_internal.h"

#define GET(c, off, v)	fz_get((c), (off), &(v), sizeof(v))
#define PUT(c, off, v)	fz_put((c), (off), &(v), sizeof(v))

static bool set_u64(struct fz_ctx *c, size_t off, uint64_t v,
		    const char *what)
{
	uint64_t old;

	if (!GET(c, off, old))
		return false;
	PUT(c, off, v);
	fz_note(c, "%s %" PRIu64 " -> %" PRIu64, what, old, v);
	return true;
}

static bool set_u32(struct fz_ctx *c, size_t off, uint32_t v,
		    const char *what)
{
	uint32_t old;

	if (!GET(c, off, old))
		return false;
	PUT(c, off, v);
	fz_note(c, "%s %u -> %u", what, old, v);
	return true;
}

static bool set_u16(struct fz_ctx *c, size_t off, uint16_t v,
		    const char *what)
{
	uint16_t old;

	if (!GET(c, off, old))
		return false;
	PUT(c, off, v);
	fz_note(c, "%s %u -> %u", what, old, v);
	return true;
}

/* S_IFMT values, real and not */
static uint32_t odd_type(struct fz_ctx *c)
{
	static const uint32_t types[] = {
		0, S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO,
		S_IFSOCK, 0xf000, 0xe000, 0x3000,
	};

	return types[fz_below(c, sizeof(types) / sizeof(types[0]))];
}

/* ---- struct fuse_attr, fuse_entry_out, fuse_open_out ----------------- */

#define A(f)	(off + offsetof(struct fuse_attr, f))

static bool mut_attr(struct fz_ctx *c, size_t off)
{
	uint32_t mode;

	switch (fz_below(c, 12)) {
	case 0:
		if (!GET(c, A(mode), mode))
			return false;
		return set_u32(c, A(mode), (mode & ~(uint32_t)S_IFMT) |
			       odd_type(c), "attr.mode(type)");
	case 1:
		return set_u32(c, A(mode), fz_odd_u32(c), "attr.mode");
	case 2:
		return set_u64(c, A(size), fz_odd_u64(c), "attr.size");
	case 3:
		return set_u32(c, A(nlink), fz_below(c, 2) ? 0 : fz_odd_u32(c),
			       "attr.nlink");
	case 4:
		return set_u64(c, A(blocks), fz_odd_u64(c), "attr.blocks");
	case 5:
		return set_u32(c, A(blksize), fz_below(c, 2) ? 0 :
			       fz_odd_u32(c), "attr.blksize");
	case 6:
		switch (fz_below(c, 3)) {
		case 0:
			return set_u32(c, A(atimensec), fz_bad_nsec(c),
				       "attr.atimensec");
		case 1:
			return set_u32(c, A(mtimensec), fz_bad_nsec(c),
				       "attr.mtimensec");
		default:
			return set_u32(c, A(ctimensec), fz_bad_nsec(c),
				       "attr.ctimensec");
		}
	case 7:
		switch (fz_below(c, 3)) {
		case 0:
			return set_u64(c, A(atime), fz_odd_u64(c), "attr.atime");
		case 1:
			return set_u64(c, A(mtime), fz_odd_u64(c), "attr.mtime");
		default:
			return set_u64(c, A(ctime), fz_odd_u64(c), "attr.ctime");
		}
	case 8:
		return set_u64(c, A(ino), fz_odd_u64(c), "attr.ino");
	case 9:
		return set_u32(c, A(rdev), fz_odd_u32(c), "attr.rdev");
	case 10:
		return fz_below(c, 2) ?
		       set_u32(c, A(uid), fz_odd_u32(c), "attr.uid") :
		       set_u32(c, A(gid), fz_odd_u32(c), "attr.gid");
	default:
		switch (fz_below(c, 3)) {
		case 0:
			return set_u32(c, A(flags), FUSE_ATTR_SUBMOUNT,
				       "attr.flags");
		case 1:
			return set_u32(c, A(flags), FUSE_ATTR_DAX,
				       "attr.flags");
		default:
			return set_u32(c, A(flags), fz_odd_u32(c),
				       "attr.flags");
		}
	}
}

#undef A
#define E(f)	(off + offsetof(struct fuse_entry_out, f))

static bool mut_entry(struct fz_ctx *c, size_t off)
{
	switch (fz_below(c, 10)) {
	case 0:
	case 1:
		return set_u64(c, E(nodeid), fz_odd_nodeid(c), "entry.nodeid");
	case 2:
		return set_u64(c, E(generation), fz_odd_u64(c),
			       "entry.generation");
	case 3:
		return fz_below(c, 2) ?
		       set_u64(c, E(entry_valid), fz_odd_u64(c),
			       "entry.entry_valid") :
		       set_u64(c, E(attr_valid), fz_odd_u64(c),
			       "entry.attr_valid");
	case 4:
		return fz_below(c, 2) ?
		       set_u32(c, E(entry_valid_nsec), fz_bad_nsec(c),
			       "entry.entry_valid_nsec") :
		       set_u32(c, E(attr_valid_nsec), fz_bad_nsec(c),
			       "entry.attr_valid_nsec");
	default:
		return mut_attr(c, E(attr));
	}
}

#undef E
#define O(f)	(off + offsetof(struct fuse_open_out, f))

static bool mut_open(struct fz_ctx *c, size_t off)
{
	static const uint32_t fopen[] = {
		FOPEN_DIRECT_IO, FOPEN_KEEP_CACHE, FOPEN_NONSEEKABLE,
		FOPEN_CACHE_DIR, FOPEN_STREAM, FOPEN_NOFLUSH,
		FOPEN_PARALLEL_DIRECT_WRITES, 1u << 7, 1u << 31,
	};
	uint32_t flags;

	switch (fz_below(c, 4)) {
	case 0:
		return set_u64(c, O(fh), fz_odd_u64(c), "open.fh");
	case 1:
		return set_u32(c, O(open_flags), fz_odd_u32(c),
			       "open.open_flags");
	case 2:
		return set_u32(c, O(padding), fz_odd_u32(c), "open.padding");
	default:
		if (!GET(c, O(open_flags), flags))
			return false;
		flags ^= fopen[fz_below(c, sizeof(fopen) / sizeof(fopen[0]))];
		return set_u32(c, O(open_flags), flags, "open.open_flags");
	}
}

#undef O

static bool mut_attr_out(struct fz_ctx *c)
{
	switch (fz_below(c, 6)) {
	case 0:
		return set_u64(c, offsetof(struct fuse_attr_out, attr_valid),
			       fz_odd_u64(c), "attr_valid");
	case 1:
		return set_u32(c, offsetof(struct fuse_attr_out,
					   attr_valid_nsec),
			       fz_bad_nsec(c), "attr_valid_nsec");
	default:
		return mut_attr(c, offsetof(struct fuse_attr_out, attr));
	}
}

/* ---- READDIR / READDIRPLUS --------------------------------------------- */

struct dirents {
	bool plus;
	size_t hs;		/* bytes before the name */
	size_t doff;		/* where struct fuse_dirent starts in an entry */
	size_t n;
	size_t off[64];		/* a sample: the first 64 entries */
	size_t size[64];
};

static size_t dirent_size(const struct dirents *d, uint32_t namelen)
{
	return FUSE_DIRENT_ALIGN(d->hs + namelen);
}

static void parse_dirents(struct fz_ctx *c, struct dirents *d)
{
	size_t pos = 0;
	uint32_t namelen;

	d->n = 0;
	while (d->n < 64 && pos + d->hs <= c->m->plen) {
		if (!GET(c, pos + d->doff + offsetof(struct fuse_dirent,
						     namelen), namelen))
			break;
		if (dirent_size(d, namelen) > c->m->plen - pos)
			break;
		d->off[d->n] = pos;
		d->size[d->n] = dirent_size(d, namelen);
		pos += d->size[d->n];
		d->n++;
	}
}

/* Entry i with a new name: the payload is rebuilt around it. */
static bool rename_dirent(struct fz_ctx *c, const struct dirents *d,
			  size_t i, const char *name, uint32_t len)
{
	size_t eo = d->off[i], nsz = dirent_size(d, len);
	size_t total = c->m->plen - d->size[i] + nsz;
	unsigned char *buf = calloc(1, total);
	bool ok;

	if (!buf)
		return false;
	memcpy(buf, c->m->payload, eo + d->hs);
	memcpy(buf + eo + d->doff + offsetof(struct fuse_dirent, namelen),
	       &len, sizeof(len));
	memcpy(buf + eo + d->hs, name, len);
	memcpy(buf + eo + nsz, c->m->payload + eo + d->size[i],
	       c->m->plen - eo - d->size[i]);
	ok = fz_set_payload(c, buf, total);
	free(buf);
	return ok;
}

static bool mut_dirents(struct fz_ctx *c)
{
	struct dirents d = { .plus = c->m->opcode == FUSE_READDIRPLUS };
	char name[300];
	size_t i, j, eo, de, nl_off;
	uint32_t namelen, len;
	uint64_t v, id;

	d.doff = d.plus ? offsetof(struct fuse_direntplus, dirent) : 0;
	d.hs = d.doff + FUSE_NAME_OFFSET;
	parse_dirents(c, &d);
	if (!d.n)
		return false;
	i = fz_below(c, d.n);
	j = fz_below(c, d.n);
	eo = d.off[i];
	de = eo + d.doff;
	nl_off = de + offsetof(struct fuse_dirent, namelen);
	if (!GET(c, nl_off, namelen))
		return false;
	fz_note(c, "dirent %zu of %zu", i, d.n);
	switch (fz_below(c, d.plus ? 13 : 10)) {
	case 0:		/* namelen no longer matches the record */
		switch (fz_below(c, 4)) {
		case 0:
			len = 0;
			break;
		case 1:
			len = namelen + 1 + (uint32_t)fz_below(c, 16);
			break;
		case 2:
			len = 256 + (uint32_t)fz_below(c, 1024);
			break;
		default:
			len = fz_odd_u32(c);
			break;
		}
		return set_u32(c, nl_off, len, "namelen");
	case 1:		/* offsets that go back, repeat or jump */
		switch (fz_below(c, 4)) {
		case 0:
			v = 0;
			break;
		case 1:
			if (!GET(c, d.off[j] + d.doff +
				 offsetof(struct fuse_dirent, off), v))
				return false;
			break;
		case 2:
			v = 1 + fz_below(c, 3);
			break;
		default:
			v = fz_odd_u64(c);
			break;
		}
		return set_u64(c, de + offsetof(struct fuse_dirent, off), v,
			       "off");
	case 2:
		return set_u32(c, de + offsetof(struct fuse_dirent, type),
			       (uint32_t)fz_below(c, 2) ?
			       (uint32_t)fz_below(c, 16) : fz_odd_u32(c), "type");
	case 3:
		return set_u64(c, de + offsetof(struct fuse_dirent, ino),
			       fz_odd_u64(c), "ino");
	case 4:		/* '/' or NUL inside the name */
		if (!namelen)
			return false;
		name[0] = fz_below(c, 2) ? '/' : '\0';
		v = fz_below(c, namelen);
		fz_put(c, eo + d.hs + v, name, 1);
		fz_note(c, "name[%" PRIu64 "] = %s", v,
			name[0] ? "'/'" : "NUL");
		return true;
	case 5:
		len = (uint32_t)fz_below(c, 2) + 1;
		fz_note(c, "name -> \"%.*s\"", (int)len, "..");
		return rename_dirent(c, &d, i, "..", len);
	case 6:		/* NAME_MAX and one more */
		len = 255 + (uint32_t)fz_below(c, 2);
		memset(name, 'n', len);
		fz_note(c, "name -> %u bytes", len);
		return rename_dirent(c, &d, i, name, len);
	case 7:		/* the same name twice in one directory */
		if (i == j || !GET(c, d.off[j] + d.doff +
				   offsetof(struct fuse_dirent, namelen), len) ||
		    len > 255 ||
		    !fz_get(c, d.off[j] + d.hs, name, len))
			return false;
		fz_note(c, "name -> that of dirent %zu", j);
		return rename_dirent(c, &d, i, name, len);
	case 8:		/* cut inside an entry */
		c->m->plen = eo + fz_below(c, d.size[i]);
		fz_note(c, "payload cut to %zu bytes", c->m->plen);
		return true;
	case 9:		/* a reply longer than the guest asked for */
		if (!rename_dirent(c, &d, i, "x", 1))
			return false;
		len = (uint32_t)(c->m->cap + 1 + fz_below(c, 256));
		{
			unsigned char *p = realloc(c->m->payload,
						   c->m->plen + len);

			if (!p)
				return false;
			memset(p + c->m->plen, 0, len);
			c->m->payload = p;
			c->m->plen += len;
		}
		fz_note(c, "renamed x and padded to %zu bytes (room %zu)",
			c->m->plen, c->m->cap);
		return true;
	case 10:	/* two names, one inode; or the directory itself */
		if (fz_below(c, 2)) {
			if (!GET(c, d.off[j], id))
				return false;
		} else {
			id = c->m->nodeid;
		}
		return set_u64(c, eo + offsetof(struct fuse_entry_out, nodeid),
			       id, "entry.nodeid");
	default:
		return mut_entry(c, eo);
	}
}

/*
 * A directory that lies the same way on every pass: the batch that starts
 * anywhere but at the beginning ends with the cookie the first batch ended
 * with, so a reader following the cookies goes round forever.  *first
 * keeps that cookie per directory (set from a batch read at offset 0).
 */
bool fz_dir_cycle(struct fz_ctx *c, uint64_t *first, bool lie)
{
	const struct fuse_read_in *in = (const void *)c->m->in;
	struct dirents d = { .plus = c->m->opcode == FUSE_READDIRPLUS };
	size_t off;
	uint64_t v;

	if (c->m->inlen < sizeof(*in))
		return false;
	d.doff = d.plus ? offsetof(struct fuse_direntplus, dirent) : 0;
	d.hs = d.doff + FUSE_NAME_OFFSET;
	parse_dirents(c, &d);
	if (!d.n || d.n == 64)
		return false;
	off = d.off[d.n - 1] + d.doff + offsetof(struct fuse_dirent, off);
	if (!in->offset) {
		if (GET(c, off, v))
			*first = v;
		return false;
	}
	if (!lie || !*first || in->offset == *first)
		return false;
	return set_u64(c, off, *first,
		       "last dirent off (back to the end of the first batch: a cycle)");
}

/* ---- byte bodies: READ, READLINK, xattrs -------------------------------- */

/* Payload grown to len bytes, the new ones filled with byte fill. */
static bool grow(struct fz_ctx *c, size_t len, int fill)
{
	unsigned char *p;

	if (len <= c->m->plen)
		return true;
	p = realloc(c->m->payload, len);
	if (!p)
		return false;
	memset(p + c->m->plen, fill, len - c->m->plen);
	c->m->payload = p;
	c->m->plen = len;
	return true;
}

static bool mut_read(struct fz_ctx *c)
{
	const struct fuse_read_in *in = (const void *)c->m->in;
	size_t old = c->m->plen;

	if (c->m->inlen < sizeof(*in))
		return false;
	if (fz_below(c, 2)) {
		if (!grow(c, (size_t)in->size + 1 + fz_below(c, 8192), 0xa5))
			return false;
		fz_note(c, "read count %zu -> %zu (asked %u)", old, c->m->plen,
			in->size);
	} else {
		c->m->plen = fz_below(c, old + 1);
		fz_note(c, "read count %zu -> %zu (asked %u)", old, c->m->plen,
			in->size);
	}
	return true;
}

static bool mut_readlink(struct fz_ctx *c)
{
	static const char *const bodies[] = {
		"", "/", ".", "..", "../../../../../../etc/passwd", "a//b",
	};
	size_t old = c->m->plen;
	const char *b;

	switch (fz_below(c, 4)) {
	case 0:
		b = bodies[fz_below(c, sizeof(bodies) / sizeof(bodies[0]))];
		fz_note(c, "readlink body -> \"%s\"", b);
		return fz_set_payload(c, b, strlen(b));
	case 1:
		if (!old)
			return false;
		c->m->payload[fz_below(c, old)] = 0;
		fz_note(c, "readlink body gets a NUL");
		return true;
	case 2:		/* PATH_MAX or more, up to what the guest can take */
		if (!grow(c, 4095 + fz_below(c, 2) +
			  (fz_below(c, 2) ? c->m->cap : 0), 'a'))
			return false;
		fz_note(c, "readlink body %zu -> %zu bytes", old, c->m->plen);
		return true;
	default:
		if (!old)
			return false;
		for (size_t i = 0; i < old; i++)
			c->m->payload[i] = (unsigned char)fz_rand(c);
		fz_note(c, "readlink body randomized");
		return true;
	}
}

static bool mut_xattr(struct fz_ctx *c)
{
	const struct fuse_getxattr_in *in = (const void *)c->m->in;
	size_t old = c->m->plen;

	if (c->m->inlen < sizeof(*in))
		return false;
	if (!in->size)	/* a size query: struct fuse_getxattr_out */
		return set_u32(c, offsetof(struct fuse_getxattr_out, size),
			       fz_below(c, 2) ? fz_odd_u32(c) :
			       (uint32_t)(65536 + fz_below(c, 2)),
			       "xattr size");
	switch (fz_below(c, 3)) {
	case 0:		/* more than the buffer the guest offered */
		if (!grow(c, (size_t)in->size + 1 + fz_below(c, 64), 'x'))
			return false;
		fz_note(c, "xattr value %zu -> %zu bytes (asked %u)", old,
			c->m->plen, in->size);
		return true;
	case 1:
		if (c->m->opcode == FUSE_LISTXATTR && old) {
			c->m->payload[old - 1] = 'x';
			fz_note(c, "xattr list loses its last NUL");
			return true;
		}
		c->m->plen = fz_below(c, old + 1);
		fz_note(c, "xattr value %zu -> %zu bytes", old, c->m->plen);
		return true;
	default:
		fz_note(c, "xattr body -> empty names");
		return fz_set_payload(c, "\0\0\0user.\0", 10);
	}
}

/* ---- counts and ranges ------------------------------------------------- */

static bool mut_write(struct fz_ctx *c)
{
	uint64_t asked;
	uint32_t v;

	if (c->m->opcode == FUSE_WRITE) {
		const struct fuse_write_in *in = (const void *)c->m->in;

		if (c->m->inlen < sizeof(*in))
			return false;
		asked = in->size;
	} else {
		const struct fuse_copy_file_range_in *in =
			(const void *)c->m->in;

		if (c->m->inlen < sizeof(*in))
			return false;
		asked = in->len;
	}
	switch (fz_below(c, 3)) {
	case 0:
		v = (uint32_t)(asked + 1 + fz_below(c, 4096));
		break;
	case 1:
		v = (uint32_t)(asked * 2 + 1);
		break;
	default:
		v = fz_odd_u32(c);
		break;
	}
	fz_note(c, "asked %" PRIu64, asked);
	return set_u32(c, offsetof(struct fuse_write_out, size), v,
		       "write size");
}

static bool mut_lseek(struct fz_ctx *c)
{
	const struct fuse_lseek_in *in = (const void *)c->m->in;
	uint64_t v;

	if (c->m->inlen < sizeof(*in))
		return false;
	switch (fz_below(c, 3)) {
	case 0:
		v = in->offset - 1 - fz_below(c, 4096);	/* before, or < 0 */
		break;
	case 1:
		v = in->offset + (1ULL << (20 + fz_below(c, 43)));
		break;
	default:
		v = fz_odd_u64(c);
		break;
	}
	return set_u64(c, offsetof(struct fuse_lseek_out, offset), v,
		       "lseek offset");
}

#define L(f)	(offsetof(struct fuse_lk_out, lk) + \
		 offsetof(struct fuse_file_lock, f))

static bool mut_getlk(struct fz_ctx *c)
{
	uint64_t start, end;

	switch (fz_below(c, 5)) {
	case 0:
		return set_u32(c, L(type), fz_below(c, 2) ?
			       (uint32_t)fz_below(c, 16) : fz_odd_u32(c),
			       "lk.type");
	case 1:		/* start past end */
		if (!GET(c, L(start), start))
			return false;
		end = start ? start - 1 : 0;
		set_u64(c, L(start), start + 4096, "lk.start");
		return set_u64(c, L(end), end, "lk.end");
	case 2:
		return set_u64(c, L(start), fz_odd_u64(c), "lk.start");
	case 3:
		return set_u64(c, L(end), fz_odd_u64(c), "lk.end");
	default:
		return set_u32(c, L(pid), fz_odd_u32(c), "lk.pid");
	}
}

#undef L

/* ---- STATX, STATFS, INIT --------------------------------------------- */

#define SX(f)	(offsetof(struct fs_fuse_statx_out, stat) + \
		 offsetof(struct fs_fuse_statx, f))

static bool mut_statx(struct fz_ctx *c)
{
	uint32_t mask;
	uint16_t mode;

	switch (fz_below(c, 10)) {
	case 0:
		if (!GET(c, SX(mask), mask))
			return false;
		switch (fz_below(c, 4)) {
		case 0:
			mask = 0;
			break;
		case 1:
			mask = ~0u;
			break;
		case 2:
			mask &= ~0x3u;	/* no STATX_TYPE, no STATX_MODE */
			break;
		default:
			mask ^= 1u << fz_below(c, 32);
			break;
		}
		return set_u32(c, SX(mask), mask, "statx.mask");
	case 1:
		if (!GET(c, SX(mode), mode))
			return false;
		return set_u16(c, SX(mode), (uint16_t)((mode & ~S_IFMT) |
			       odd_type(c)), "statx.mode(type)");
	case 2:
		return set_u64(c, SX(size), fz_odd_u64(c), "statx.size");
	case 3:
		return set_u32(c, SX(nlink), fz_below(c, 2) ? 0 : fz_odd_u32(c),
			       "statx.nlink");
	case 4:
		return set_u32(c, SX(blksize), fz_below(c, 2) ? 0 :
			       fz_odd_u32(c), "statx.blksize");
	case 5:
		switch (fz_below(c, 4)) {
		case 0:
			return set_u32(c, SX(atime.tv_nsec), fz_bad_nsec(c),
				       "statx.atime.nsec");
		case 1:
			return set_u32(c, SX(btime.tv_nsec), fz_bad_nsec(c),
				       "statx.btime.nsec");
		case 2:
			return set_u32(c, SX(ctime.tv_nsec), fz_bad_nsec(c),
				       "statx.ctime.nsec");
		default:
			return set_u32(c, SX(mtime.tv_nsec), fz_bad_nsec(c),
				       "statx.mtime.nsec");
		}
	case 6:
		return set_u64(c, SX(blocks), fz_odd_u64(c), "statx.blocks");
	case 7:
		return set_u64(c, SX(ino), fz_odd_u64(c), "statx.ino");
	case 8:
		return set_u64(c, offsetof(struct fs_fuse_statx_out,
					   attr_valid),
			       fz_odd_u64(c), "statx.attr_valid");
	default:
		return set_u32(c, offsetof(struct fs_fuse_statx_out, flags),
			       fz_odd_u32(c), "statx.flags");
	}
}

#undef SX
#define SF(f)	(offsetof(struct fuse_statfs_out, st) + \
		 offsetof(struct fuse_kstatfs, f))

static bool mut_statfs(struct fz_ctx *c)
{
	uint64_t blocks;

	switch (fz_below(c, 5)) {
	case 0:
		return set_u32(c, SF(bsize), fz_below(c, 2) ? 0 : fz_odd_u32(c),
			       "statfs.bsize");
	case 1:
		return set_u32(c, SF(frsize), fz_below(c, 2) ? 0 :
			       fz_odd_u32(c), "statfs.frsize");
	case 2:
		return set_u32(c, SF(namelen), fz_below(c, 2) ? 0 :
			       fz_odd_u32(c), "statfs.namelen");
	case 3:		/* more free than there is */
		if (!GET(c, SF(blocks), blocks))
			return false;
		return set_u64(c, SF(bfree), blocks + 1 + fz_below(c, 1000),
			       "statfs.bfree");
	default:
		return set_u64(c, SF(files), fz_odd_u64(c), "statfs.files");
	}
}

#undef SF
#define I(f)	offsetof(struct fuse_init_out, f)

static bool mut_init(struct fz_ctx *c)
{
	const struct fuse_init_in *in = (const void *)c->m->in;
	uint32_t asked = 0, asked2 = 0, flags, bit;

	if (c->m->inlen >= offsetof(struct fuse_init_in, flags) + 4)
		asked = in->flags;
	if (c->m->inlen >= offsetof(struct fuse_init_in, flags2) + 4)
		asked2 = in->flags2;
	switch (fz_below(c, 12)) {
	case 11:	/* a flag granted and then taken back */
		if (!GET(c, I(flags), flags) || !flags)
			return false;
		do {
			bit = 1u << fz_below(c, 32);
		} while (!(flags & bit));
		return set_u32(c, I(flags), flags & ~bit, "init.flags");
	case 0:		/* a flag the guest did not ask for */
		if (!GET(c, I(flags), flags) || asked == ~0u)
			return false;
		do {
			bit = 1u << fz_below(c, 32);
		} while (asked & bit);
		return set_u32(c, I(flags), flags | bit, "init.flags");
	case 1:		/* a flags2 bit the guest did not ask for */
		if (!GET(c, I(flags), flags) || asked2 == ~0u)
			return false;
		do {
			bit = 1u << fz_below(c, 32);
		} while (asked2 & bit);
		set_u32(c, I(flags), flags | FUSE_INIT_EXT, "init.flags");
		return set_u32(c, I(flags2), bit, "init.flags2");
	case 2:
		return set_u32(c, I(max_write), fz_below(c, 2) ?
			       (uint32_t)fz_below(c, 4097) : fz_odd_u32(c),
			       "init.max_write");
	case 3:
		return set_u16(c, I(max_pages), fz_below(c, 2) ?
			       (uint16_t)fz_below(c, 2) : (uint16_t)fz_odd_u32(c),
			       "init.max_pages");
	case 4:
		if (!GET(c, I(flags), flags))
			return false;
		set_u32(c, I(flags), flags | FUSE_MAP_ALIGNMENT, "init.flags");
		return set_u16(c, I(map_alignment), (uint16_t)fz_below(c, 2) ?
			       (uint16_t)fz_below(c, 70) : (uint16_t)fz_odd_u32(c),
			       "init.map_alignment");
	case 5:
		return set_u32(c, I(minor), fz_below(c, 2) ?
			       (uint32_t)fz_below(c, 45) : fz_odd_u32(c),
			       "init.minor");
	case 6:
		return set_u32(c, I(major), fz_below(c, 2) ? 6 :
			       8 + (uint32_t)fz_below(c, 3), "init.major");
	case 7:
		return set_u32(c, I(max_readahead), fz_odd_u32(c),
			       "init.max_readahead");
	case 8:
		return set_u32(c, I(time_gran), fz_below(c, 2) ? 0 :
			       fz_bad_nsec(c), "init.time_gran");
	case 9:
		return fz_below(c, 2) ?
		       set_u16(c, I(max_background), (uint16_t)fz_odd_u32(c),
			       "init.max_background") :
		       set_u16(c, I(congestion_threshold),
			       (uint16_t)fz_odd_u32(c),
			       "init.congestion_threshold");
	default:
		return set_u32(c, I(flags), ~0u, "init.flags");
	}
}

#undef I

bool fz_mutate_payload(struct fz_ctx *c)
{
	switch (c->m->opcode) {
	case FUSE_INIT:
		return mut_init(c);
	case FUSE_LOOKUP: case FUSE_MKNOD: case FUSE_MKDIR:
	case FUSE_SYMLINK: case FUSE_LINK:
		return mut_entry(c, 0);
	case FUSE_CREATE: case FUSE_TMPFILE:
		return fz_below(c, 3) ? mut_entry(c, 0) :
		       mut_open(c, sizeof(struct fuse_entry_out));
	case FUSE_GETATTR: case FUSE_SETATTR:
		return mut_attr_out(c);
	case FS_FUSE_STATX:
		return mut_statx(c);
	case FUSE_OPEN: case FUSE_OPENDIR:
		return mut_open(c, 0);
	case FUSE_READDIR: case FUSE_READDIRPLUS:
		return mut_dirents(c);
	case FUSE_READ:
		return mut_read(c);
	case FUSE_READLINK:
		return mut_readlink(c);
	case FUSE_GETXATTR: case FUSE_LISTXATTR:
		return mut_xattr(c);
	case FUSE_WRITE: case FUSE_COPY_FILE_RANGE:
		return mut_write(c);
	case FUSE_LSEEK:
		return mut_lseek(c);
	case FUSE_GETLK:
		return mut_getlk(c);
	case FUSE_STATFS:
		return mut_statfs(c);
	default:
		return false;
	}
}
