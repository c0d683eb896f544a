// SPDX-License-Identifier: GPL-2.0
/*
 * start.c - first half of startstop.ko: the init function.
 *
 * A module can be linked from several object files; the Kbuild line
 * "startstop-objs := start.o stop.o" does it here. Only one file should
 * carry module_init() and only one module_exit(). KBUILD_MODNAME is the
 * name of the module ("startstop"), not of the source file.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init startstop_init(void)
{
	pr_info("loaded\n");
	return 0;
}

module_init(startstop_init);

/* The .modinfo strings are per module, so they are needed only once. */
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A module built from two source files");
