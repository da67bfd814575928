// SPDX-License-Identifier: GPL-2.0
/* HAVE_FSPARAM_UID: fsparam_uid()/fsparam_gid() and fs_param_is_uid (6.12+) */
#include <linux/fs_parser.h>

static const struct fs_parameter_spec vng_params[] __maybe_unused = {
	fsparam_uid("uid", 0),
	fsparam_gid("gid", 1),
	{}
};
