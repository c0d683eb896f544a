// SPDX-License-Identifier: GPL-2.0
/*
 * hello-3.c - the __init, __initdata and __exit section markers.
 *
 * Code and data only needed while the module starts can be put into
 * special sections that the kernel frees once the init function has
 * returned. __exit code is dropped entirely when the file is built into
 * the kernel, since built-in code can never be unloaded.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

/* Freed with the init code: only hello_3_init() may touch it. */
static int hello_3_data __initdata = 3;

static int __init hello_3_init(void)
{
	pr_info("loaded\n");
	pr_info("initdata value %d\n", hello_3_data);
	return 0;
}

static void __exit hello_3_exit(void)
{
	pr_info("unloaded\n");
}

module_init(hello_3_init);
module_exit(hello_3_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("__init, __initdata and __exit example");
