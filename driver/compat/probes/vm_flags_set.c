// SPDX-License-Identifier: GPL-2.0
/* HAVE_VM_FLAGS_SET: vm_flags_set() (6.3+; vma->vm_flags writable before) */
#include <linux/mm.h>

static void __maybe_unused vng_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_MIXEDMAP);
}
