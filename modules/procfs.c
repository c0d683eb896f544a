// SPDX-License-Identifier: GPL-2.0
/*
 * procfs.c - a read/write file in /proc.
 *
 *	# echo abc > /proc/procfs_demo
 *	# cat /proc/procfs_demo
 *	abc
 *
 * Whatever is written (at most PROCFS_MAX_SIZE bytes per write) replaces
 * the stored text, and reading returns it. The interesting part is moving
 * data across the user/kernel boundary safely: user pointers are never
 * dereferenced directly, only through copy_{to,from}_user(), and every
 * copy is bounded by the size of the kernel buffer.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#define PROCFS_NAME "procfs_demo"
#define PROCFS_MAX_SIZE 1023

static struct proc_dir_entry *procfs_entry;

/*
 * Readers and writers can run at the same time on different CPUs. The
 * mutex makes each write replace the text as a whole, so a reader never
 * sees half of an old and half of a new text. A mutex (not a spinlock)
 * is needed because copy_{to,from}_user() may sleep on a page fault.
 */
static DEFINE_MUTEX(procfs_lock);
static char procfs_buf[PROCFS_MAX_SIZE + 1];
static size_t procfs_len;

static ssize_t procfs_read(struct file *file, char __user *ubuf, size_t count,
			   loff_t *ppos)
{
	ssize_t ret;

	/*
	 * simple_read_from_buffer() copies from offset *ppos, at most
	 * count bytes and never past procfs_len, then advances *ppos. At
	 * the end it returns 0, which tells `cat` to stop.
	 */
	mutex_lock(&procfs_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, procfs_buf,
				      procfs_len);
	mutex_unlock(&procfs_lock);
	return ret;
}

static ssize_t procfs_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	/*
	 * Refuse a write that does not fit instead of keeping part of it:
	 * a short return count would make the writer retry with the rest,
	 * which would then replace the first part.
	 */
	if (count > PROCFS_MAX_SIZE)
		return -EINVAL;

	mutex_lock(&procfs_lock);
	/* copy_from_user() returns how many bytes it could NOT copy. */
	if (copy_from_user(procfs_buf, ubuf, count)) {
		/* Part of the buffer may be overwritten: drop it all. */
		procfs_len = 0;
		mutex_unlock(&procfs_lock);
		return -EFAULT;
	}
	procfs_buf[count] = '\0';
	procfs_len = count;
	mutex_unlock(&procfs_lock);

	return count;
}

/* Linux 5.6 gave /proc files their own, smaller operations structure. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 6, 0)
static const struct proc_ops procfs_ops = {
	.proc_read = procfs_read,
	.proc_write = procfs_write,
};
#else
static const struct file_operations procfs_ops = {
	.owner = THIS_MODULE,
	.read = procfs_read,
	.write = procfs_write,
};
#endif

static int __init procfs_init(void)
{
	/* NULL parent: directly in /proc. 0644: only root may write. */
	procfs_entry = proc_create(PROCFS_NAME, 0644, NULL, &procfs_ops);
	if (!procfs_entry)
		return -ENOMEM;

	pr_info("loaded\n");
	return 0;
}

static void __exit procfs_exit(void)
{
	/* Waits for running read()/write() calls to finish. */
	proc_remove(procfs_entry);
	pr_info("unloaded\n");
}

module_init(procfs_init);
module_exit(procfs_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Read/write /proc file example");
