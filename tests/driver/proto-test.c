// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit test of driver/proto.h's notification message checks
 * (vng_check_notify()): what the driver accepts from the notification
 * queue and, above all, what it refuses.  The same code the module runs,
 * compiled for userspace.  Prints "PASS|FAIL unit/proto.<case>" lines;
 * exits non-zero on any FAIL.
 */
#include <stdio.h>
#include <string.h>

#include "proto.h"

static int failed;
static unsigned char buf[VNG_NOTIFY_BUF_MAX];

static void result(const char *name, int ok)
{
	printf("%s unit/proto.%s\n", ok ? "PASS" : "FAIL", name);
	failed |= !ok;
}

/*
 * Builds a message: header (len = real length + len_delta), fixed part,
 * then raw name bytes (rawlen of them, as given: NUL or not).
 */
static unsigned int msg(s32 code, u64 unique, const void *fixed,
			unsigned int fixedlen, const char *raw,
			unsigned int rawlen, int len_delta)
{
	struct fuse_out_header oh = { 0 };
	unsigned int len = sizeof(oh) + fixedlen + rawlen;

	oh.len = len + len_delta;
	oh.error = code;
	oh.unique = unique;
	memcpy(buf, &oh, sizeof(oh));
	memcpy(buf + sizeof(oh), fixed, fixedlen);
	if (rawlen)
		memcpy(buf + sizeof(oh) + fixedlen, raw, rawlen);
	return len;
}

static void expect(const char *name, unsigned int used, u32 minor,
		   enum vng_notify_fault want, struct vng_notify_msg *m)
{
	enum vng_notify_fault got = vng_check_notify(buf, used, minor, m);

	if (got != want)
		printf("# %s: got '%s', want '%s'\n", name,
		       vng_notify_fault_str(got), vng_notify_fault_str(want));
	result(name, got == want);
}

int main(void)
{
	struct vng_notify_inval_inode_out ii = { .ino = 5, .off = 4096, .len = -1 };
	struct vng_notify_inval_entry_out ie = { .parent = 1, .namelen = 3 };
	struct vng_notify_delete_out del = { .parent = 1, .child = 7, .namelen = 1 };
	struct vng_notify_msg m;
	char longname[VNG_NAME_MAX + 2];
	unsigned int n;

	/* INVAL_INODE: exactly its struct */
	n = msg(FUSE_NOTIFY_INVAL_INODE, 0, &ii, sizeof(ii), NULL, 0, 0);
	expect("inval_inode.ok", n, 38, VNG_NOTIFY_OK, &m);
	result("inval_inode.fields", m.code == FUSE_NOTIFY_INVAL_INODE &&
	       m.nodeid == 5 && m.off == 4096 && m.len == -1);
	expect("header.len_vs_used", n - 1, 38, VNG_NOTIFY_LEN, &m);
	expect("header.short", sizeof(struct fuse_out_header) - 1, 38,
	       VNG_NOTIFY_SHORT, &m);
	n = msg(FUSE_NOTIFY_INVAL_INODE, 2, &ii, sizeof(ii), NULL, 0, 0);
	expect("header.unique_not_0", n, 38, VNG_NOTIFY_UNIQUE, &m);
	n = msg(FUSE_NOTIFY_INVAL_INODE, 0, &ii, sizeof(ii), "x", 1, 0);
	expect("inval_inode.trailing_bytes", n, 38, VNG_NOTIFY_SIZE, &m);
	n = msg(FUSE_NOTIFY_INVAL_INODE, 0, &ii, sizeof(ii) - 8, NULL, 0, 0);
	expect("inval_inode.short", n, 38, VNG_NOTIFY_SIZE, &m);

	/* INVAL_ENTRY: name length, terminator, flags by protocol minor */
	n = msg(FUSE_NOTIFY_INVAL_ENTRY, 0, &ie, sizeof(ie), "abc", 4, 0);
	expect("inval_entry.ok", n, 38, VNG_NOTIFY_OK, &m);
	result("inval_entry.fields", m.nodeid == 1 && m.namelen == 3 &&
	       !strcmp(m.name, "abc") && !m.flags);
	n = msg(FUSE_NOTIFY_INVAL_ENTRY, 0, &ie, sizeof(ie), "abcd", 4, 0);
	expect("inval_entry.no_nul", n, 38, VNG_NOTIFY_NAME, &m);
	n = msg(FUSE_NOTIFY_INVAL_ENTRY, 0, &ie, sizeof(ie), "a\0c", 4, 0);
	expect("inval_entry.nul_inside", n, 38, VNG_NOTIFY_NAME, &m);
	n = msg(FUSE_NOTIFY_INVAL_ENTRY, 0, &ie, sizeof(ie), "abc\0\0", 5, 0);
	expect("inval_entry.trailing_bytes", n, 38, VNG_NOTIFY_SIZE, &m);
	n = msg(FUSE_NOTIFY_INVAL_ENTRY, 0, &ie, sizeof(ie), "ab", 3, 0);
	expect("inval_entry.namelen_past_end", n, 38, VNG_NOTIFY_SIZE, &m);
	ie.namelen = 0;
	n = msg(FUSE_NOTIFY_INVAL_ENTRY, 0, &ie, sizeof(ie), "", 1, 0);
	expect("inval_entry.empty_name", n, 38, VNG_NOTIFY_NAME, &m);
	memset(longname, 'n', sizeof(longname));
	longname[VNG_NAME_MAX + 1] = '\0';
	ie.namelen = VNG_NAME_MAX + 1;
	n = msg(FUSE_NOTIFY_INVAL_ENTRY, 0, &ie, sizeof(ie), longname,
		sizeof(longname), 0);
	expect("inval_entry.name_too_long", n, 38, VNG_NOTIFY_NAME, &m);
	ie.namelen = 0xffffffffU;
	n = msg(FUSE_NOTIFY_INVAL_ENTRY, 0, &ie, sizeof(ie), "abc", 4, 0);
	expect("inval_entry.namelen_huge", n, 38, VNG_NOTIFY_NAME, &m);
	ie.namelen = 3;
	ie.flags = VNG_FUSE_EXPIRE_ONLY;
	n = msg(FUSE_NOTIFY_INVAL_ENTRY, 0, &ie, sizeof(ie), "abc", 4, 0);
	expect("inval_entry.expire_only", n, 38, VNG_NOTIFY_OK, &m);
	result("inval_entry.expire_only_flag", m.flags == VNG_FUSE_EXPIRE_ONLY);
	expect("inval_entry.flags_before_7_38", n, 37, VNG_NOTIFY_OK, &m);
	result("inval_entry.flags_ignored_before_7_38", m.flags == 0);
	ie.flags = 2;
	n = msg(FUSE_NOTIFY_INVAL_ENTRY, 0, &ie, sizeof(ie), "abc", 4, 0);
	expect("inval_entry.unknown_flags", n, 38, VNG_NOTIFY_FLAGS, &m);

	/* DELETE */
	n = msg(FUSE_NOTIFY_DELETE, 0, &del, sizeof(del), "x", 2, 0);
	expect("delete.ok", n, 38, VNG_NOTIFY_OK, &m);
	result("delete.fields", m.nodeid == 1 && m.child == 7 &&
	       m.namelen == 1 && !strcmp(m.name, "x"));
	n = msg(FUSE_NOTIFY_DELETE, 0, &del, sizeof(del) - 1, NULL, 0, 0);
	expect("delete.short", n, 38, VNG_NOTIFY_SIZE, &m);

	/* codes we do not handle are told apart from malformed messages */
	n = msg(FUSE_NOTIFY_POLL, 0, &ii, 8, NULL, 0, 0);
	expect("code.poll_unknown", n, 38, VNG_NOTIFY_UNKNOWN, &m);
	n = msg(FUSE_NOTIFY_STORE, 0, &ii, sizeof(ii), NULL, 0, 0);
	expect("code.store_unknown", n, 38, VNG_NOTIFY_UNKNOWN, &m);
	n = msg(-2, 0, NULL, 0, NULL, 0, 0);
	expect("code.negative", n, 38, VNG_NOTIFY_UNKNOWN, &m);
	n = msg(0, 0, NULL, 0, NULL, 0, 0);
	expect("code.zero", n, 38, VNG_NOTIFY_UNKNOWN, &m);

	/* the buffer size bounds the driver accepts from config space */
	result("bufsize.min_holds_fixed",
	       VNG_NOTIFY_BUF_MIN >= sizeof(struct fuse_out_header) +
	       sizeof(struct vng_notify_delete_out));
	return failed;
}
