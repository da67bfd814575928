/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows kernel versions differ.  Force-included before
 * every driver file (driver/Kbuild).  The HAVE_* macros come from
 * compile-time probes run against the target kernel (compat/probes/), never
 * from LINUX_VERSION_CODE, so distro kernels with backports get the right
 * branch.  Each backfill below gives older kernels the API the driver is
 * written against.
 */
#ifndef VNG_COMPAT_H
#define VNG_COMPAT_H

#endif
