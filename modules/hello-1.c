// SPDX-License-Identifier: GPL-2.0
/*
 * hello-1.c - the smallest possible module, written the old way.
 *
 * Before the module_init()/module_exit() macros existed, the kernel looked
 * for two functions with fixed names: init_module(), called on load, and
 * cleanup_module(), called on unload. That still works today, it is just
 * less flexible (the names cannot be chosen, so only one pair per module).
 */

/* Prefix every pr_*() line with the module name: "hello_1: ...". */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compiler.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

/* A non-zero return value would make the load fail with that error. */
int init_module(void)
{
	pr_info("loaded\n");
	return 0;
}

void cleanup_module(void)
{
	pr_info("unloaded\n");
}

/*
 * The one catch of the old style today. The module loader calls these two
 * functions through pointers that live in another file (the generated
 * hello-1.mod.c). On x86 kernels with Indirect Branch Tracking (IBT),
 * objtool lists every function whose address is not taken in its own
 * file, and the loader then removes its indirect-call landing pad: calling
 * it through a pointer would crash. module_init() and module_exit() take
 * the address for you; here we do it ourselves with two pointers that
 * nothing reads (__used stops the compiler from dropping them).
 */
static int (*hello_1_init_ref)(void) __initdata __used = init_module;
static void (*hello_1_exit_ref)(void) __exitdata __used = cleanup_module;

/* Without a GPL-compatible licence the kernel would be tainted on load. */
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Old-style init_module()/cleanup_module() example");
