// SPDX-License-Identifier: GPL-2.0
/*
 * chardev.c - a character device that counts how often it was opened.
 *
 *	# cat /dev/chardev
 *	opened 1 times
 *	# cat /dev/chardev
 *	opened 2 times
 *
 * The pieces a character device needs:
 *  - a device number (major:minor), here allocated dynamically so it never
 *    clashes with another driver;
 *  - a struct cdev that ties that number to our file_operations;
 *  - a class and a device in sysfs: udev or devtmpfs see the new device
 *    and create the /dev/chardev node, no mknod needed.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/version.h>

#define CHARDEV_NAME "chardev"

static dev_t chardev_devt;
static struct cdev chardev_cdev;
static struct class *chardev_class;

/*
 * Only one process may have the device open at a time. The text returned
 * by read() lives in one global buffer that open() rewrites; a second
 * opener would change it under the feet of a reader part-way through it.
 *
 * A mutex cannot express "busy from open() until release()": it must be
 * unlocked by the task that locked it and must not stay held when the
 * system call returns to user space. An atomic flag has no such rules:
 * open() claims it with a compare-and-exchange (only one caller can turn
 * 0 into 1) and release() drops it. A loser gets -EBUSY instead of
 * sleeping.
 */
static atomic_t chardev_busy = ATOMIC_INIT(0);

/* Written only by the holder of chardev_busy. */
static unsigned int chardev_opens;
static char chardev_msg[32];
static size_t chardev_msg_len;

static int chardev_open(struct inode *inode, struct file *file)
{
	if (atomic_cmpxchg(&chardev_busy, 0, 1) != 0)
		return -EBUSY;

	chardev_opens++;
	chardev_msg_len = scnprintf(chardev_msg, sizeof(chardev_msg),
				    "opened %u times\n", chardev_opens);
	return 0;
}

static int chardev_release(struct inode *inode, struct file *file)
{
	/* Release ordering: our last reads happen before the next open. */
	atomic_set_release(&chardev_busy, 0);
	return 0;
}

/*
 * Copy out the part of the message that starts at *ppos and advance
 * *ppos. Once everything was read this returns 0 (end of file), which is
 * what makes `cat` stop. simple_read_from_buffer() bounds the copy by
 * both the message length and the user's count, and turns a failed
 * copy_to_user() into -EFAULT.
 */
static ssize_t chardev_read(struct file *file, char __user *buf, size_t count,
			    loff_t *ppos)
{
	return simple_read_from_buffer(buf, count, ppos, chardev_msg,
				       chardev_msg_len);
}

/* The device is read-only. */
static ssize_t chardev_write(struct file *file, const char __user *buf,
			     size_t count, loff_t *ppos)
{
	return -EINVAL;
}

/*
 * .owner makes the kernel hold a reference on this module while the
 * device is open, so it cannot be unloaded under an open file.
 */
static const struct file_operations chardev_fops = {
	.owner = THIS_MODULE,
	.open = chardev_open,
	.release = chardev_release,
	.read = chardev_read,
	.write = chardev_write,
};

static int __init chardev_init(void)
{
	struct device *dev;
	int ret;

	/* Minor 0, one device; the kernel picks a free major. */
	ret = alloc_chrdev_region(&chardev_devt, 0, 1, CHARDEV_NAME);
	if (ret)
		return ret;

	cdev_init(&chardev_cdev, &chardev_fops);
	chardev_cdev.owner = THIS_MODULE;
	/* From here on open() can be called, so everything must be ready. */
	ret = cdev_add(&chardev_cdev, chardev_devt, 1);
	if (ret)
		goto err_region;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	/* Linux 6.4 dropped the owner argument of class_create(). */
	chardev_class = class_create(CHARDEV_NAME);
#else
	chardev_class = class_create(THIS_MODULE, CHARDEV_NAME);
#endif
	if (IS_ERR(chardev_class)) {
		ret = PTR_ERR(chardev_class);
		goto err_cdev;
	}

	/* Announces the device to user space: /dev/chardev appears. */
	dev = device_create(chardev_class, NULL, chardev_devt, NULL,
			    CHARDEV_NAME);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto err_class;
	}

	pr_info("loaded\n");
	pr_info("device /dev/%s, major %d\n", CHARDEV_NAME,
		MAJOR(chardev_devt));
	return 0;

	/* Undo in the reverse order of the steps above. */
err_class:
	class_destroy(chardev_class);
err_cdev:
	cdev_del(&chardev_cdev);
err_region:
	unregister_chrdev_region(chardev_devt, 1);
	return ret;
}

static void __exit chardev_exit(void)
{
	device_destroy(chardev_class, chardev_devt);
	class_destroy(chardev_class);
	cdev_del(&chardev_cdev);
	unregister_chrdev_region(chardev_devt, 1);
	pr_info("unloaded\n");
}

module_init(chardev_init);
module_exit(chardev_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Character device that counts its openers");
