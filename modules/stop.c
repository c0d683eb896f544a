// SPDX-License-Identifier: GPL-2.0
/*
 * stop.c - second half of startstop.ko: the exit function.
 *
 * The function can stay static: module_exit() makes it reachable by the
 * module loader without this file sharing any symbol with start.c.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static void __exit startstop_exit(void)
{
	pr_info("unloaded\n");
}

module_exit(startstop_exit);
