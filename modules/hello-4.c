// SPDX-License-Identifier: GPL-2.0
/*
 * hello-4.c - module metadata.
 *
 * The MODULE_*() macros store "key=value" strings in the .modinfo section
 * of the .ko file. `modinfo hello-4.ko` prints them without loading the
 * module, and the kernel reads some of them at load time.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init hello_4_init(void)
{
	pr_info("loaded\n");
	return 0;
}

static void __exit hello_4_exit(void)
{
	pr_info("unloaded\n");
}

module_init(hello_4_init);
module_exit(hello_4_exit);

/*
 * The licence matters: a module that is not GPL-compatible taints the
 * kernel and cannot use symbols exported with EXPORT_SYMBOL_GPL().
 */
MODULE_LICENSE("GPL");
/* Who to contact; may be repeated for several authors. */
MODULE_AUTHOR("modsign developers");
/* One line saying what the module is for. */
MODULE_DESCRIPTION("Module metadata example: licence, author, description");
