// SPDX-License-Identifier: GPL-2.0
/*
 * Request argument parsing.  Every accessor checks what is left of the
 * request before handing out a pointer, so an operation can never read past
 * the bytes the guest actually sent.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fs_internal.h"

size_t req_left(const struct fs_req *r)
{
	return r->arglen - r->argpos;
}

/* Next fixed-size in-arg, or NULL when the request is too short. */
const void *req_arg(struct fs_req *r, size_t size)
{
	const void *p;

	if (req_left(r) < size)
		return NULL;
	p = r->arg + r->argpos;
	r->argpos += size;
	return p;
}

/* Everything not consumed yet (write payloads, xattr values). */
const void *req_rest(struct fs_req *r, size_t *len)
{
	const void *p = r->arg + r->argpos;

	*len = req_left(r);
	r->argpos = r->arglen;
	return p;
}

/* A NUL-terminated string of at most maxlen bytes before the NUL. */
const char *req_str(struct fs_req *r, size_t maxlen, int *err)
{
	const char *s = (const char *)r->arg + r->argpos;
	size_t left = req_left(r);
	const char *nul = memchr(s, '\0', left);

	if (!nul) {
		*err = -EINVAL;
		return NULL;
	}
	if ((size_t)(nul - s) > maxlen) {
		*err = -ENAMETOOLONG;
		return NULL;
	}
	r->argpos += (size_t)(nul - s) + 1;
	return s;
}

/* A directory entry name: NUL-terminated, checked by fs_check_name(). */
const char *req_name(struct fs_req *r, int *err)
{
	const char *s = req_str(r, NAME_MAX, err);

	if (!s)
		return NULL;
	*err = fs_check_name(s);
	return *err ? NULL : s;
}

/*
 * The reply payload buffer.  Fails (NULL) when the guest's writable
 * buffers cannot hold size bytes after the out header; operations with a
 * variable reply (READ, READDIR) ask only for what fits.
 */
void *reply_buf(struct fs_req *r, size_t size)
{
	if (size > r->outcap || size > FS_MAX_REPLY)
		return NULL;
	free(r->out);
	r->out = calloc(1, size ? size : 1);
	if (!r->out)
		return NULL;
	r->outlen = size;
	return r->out;
}
