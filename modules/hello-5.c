// SPDX-License-Identifier: GPL-2.0
/*
 * hello-5.c - module parameters.
 *
 * Parameters are set on the command line at load time, e.g.
 *
 *	insmod hello-5.ko myint=7 mystring=hi myintarray=1,2
 *
 * (or as hello_5.myint=7 on the kernel command line for built-in code).
 * With a non-zero permission each one also appears as a file under
 * /sys/module/hello_5/parameters/. 0444 makes them read-only there.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>

/* The initial values are the defaults used when nothing is given. */
static short myshort = 1;
static int myint = 420;
static long mylong = 9999;
static char *mystring = "modsign";
static int myintarray[2] = { 420, 420 };

/*
 * module_param_array() stores how many elements were given here. It is
 * left untouched when the parameter is absent, so start it at the full
 * size to match the defaults above.
 */
static unsigned int myintarray_count = ARRAY_SIZE(myintarray);

/* module_param(name, type, permission) */
module_param(myshort, short, 0444);
MODULE_PARM_DESC(myshort, "A short integer (default 1)");
module_param(myint, int, 0444);
MODULE_PARM_DESC(myint, "An integer (default 420)");
module_param(mylong, long, 0444);
MODULE_PARM_DESC(mylong, "A long integer (default 9999)");
/* charp: the kernel allocates the string; we only get the pointer. */
module_param(mystring, charp, 0444);
MODULE_PARM_DESC(mystring, "A string (default \"modsign\")");
/* Giving more elements than the array holds makes the load fail. */
module_param_array(myintarray, int, &myintarray_count, 0444);
MODULE_PARM_DESC(myintarray, "Up to two integers, comma separated");

static int __init hello_5_init(void)
{
	unsigned int i;

	pr_info("loaded\n");
	pr_info("myshort=%hd\n", myshort);
	pr_info("myint=%d\n", myint);
	pr_info("mylong=%ld\n", mylong);
	pr_info("mystring=%s\n", mystring);
	for (i = 0; i < myintarray_count; i++)
		pr_info("myintarray[%u]=%d\n", i, myintarray[i]);
	pr_info("myintarray has %u elements\n", myintarray_count);
	return 0;
}

static void __exit hello_5_exit(void)
{
	pr_info("unloaded\n");
}

module_init(hello_5_init);
module_exit(hello_5_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Module parameters example");
