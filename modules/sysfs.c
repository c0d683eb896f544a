// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs.c - a kobject with one attribute in sysfs.
 *
 *	# cat /sys/kernel/sysfs_demo/value
 *	0
 *	# echo 42 > /sys/kernel/sysfs_demo/value
 *	# cat /sys/kernel/sysfs_demo/value
 *	42
 *
 * In sysfs every directory is a kobject and every file an attribute of
 * it, holding one value as text. Unlike /proc or a device there is no
 * read()/write() to write: the kernel calls show() with a page-sized
 * buffer to fill, and store() with the text that was written.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compiler.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/sysfs.h>

static struct kobject *sysfs_demo_kobj;

/*
 * A single int is read and written whole, so no lock is needed;
 * READ_ONCE()/WRITE_ONCE() keep the compiler from tearing or caching it.
 */
static int sysfs_demo_value;

static ssize_t value_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	/* sysfs_emit() knows buf is one page and never overflows it. */
	return sysfs_emit(buf, "%d\n", READ_ONCE(sysfs_demo_value));
}

static ssize_t value_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	int val;
	int ret;

	/*
	 * buf is already a kernel copy of what was written, NUL-terminated.
	 * kstrtoint() accepts one trailing newline (as echo adds) and
	 * fails with -EINVAL on anything that is not a number.
	 */
	ret = kstrtoint(buf, 10, &val);
	if (ret)
		return ret;

	WRITE_ONCE(sysfs_demo_value, val);
	return count;
}

/* 0664: everyone may read, owner and group (root) may write. */
static struct kobj_attribute value_attr =
	__ATTR(value, 0664, value_show, value_store);

static int __init sysfs_demo_init(void)
{
	int ret;

	/* Makes the directory /sys/kernel/sysfs_demo. */
	sysfs_demo_kobj = kobject_create_and_add("sysfs_demo", kernel_kobj);
	if (!sysfs_demo_kobj)
		return -ENOMEM;

	ret = sysfs_create_file(sysfs_demo_kobj, &value_attr.attr);
	if (ret) {
		kobject_put(sysfs_demo_kobj);
		return ret;
	}

	pr_info("loaded\n");
	return 0;
}

static void __exit sysfs_demo_exit(void)
{
	/*
	 * Dropping the last reference removes the directory with its
	 * files; sysfs waits for running show()/store() calls first.
	 */
	kobject_put(sysfs_demo_kobj);
	pr_info("unloaded\n");
}

module_init(sysfs_demo_init);
module_exit(sysfs_demo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sysfs kobject and attribute example");
