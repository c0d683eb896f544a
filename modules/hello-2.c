// SPDX-License-Identifier: GPL-2.0
/*
 * hello-2.c - module_init() and module_exit().
 *
 * These macros let the entry points have any name (and be static), which
 * is how every modern module is written. They also make the same source
 * work whether it is built as a module or into the kernel image.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static int hello_2_init(void)
{
	pr_info("loaded\n");
	return 0;
}

static void hello_2_exit(void)
{
	pr_info("unloaded\n");
}

module_init(hello_2_init);
module_exit(hello_2_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("module_init()/module_exit() example");
