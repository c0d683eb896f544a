// SPDX-License-Identifier: GPL-2.0
/*
 * workqueue_demo.c - deferring work to a workqueue.
 *
 * A work item is a function to run later in process context, on a kernel
 * worker thread, where it may sleep. Interrupt handlers and other code
 * that must not sleep use this to hand work off. Here the module makes
 * its own workqueue and queues one item on it when loaded.
 *
 * (The module is not called "workqueue": the built-in kernel/workqueue.c
 * already owns /sys/module/workqueue, so loading would fail.)
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/workqueue.h>

static struct workqueue_struct *demo_wq;

/* Runs in a kworker thread, some time after queue_work(). */
static void demo_work_fn(struct work_struct *work)
{
	pr_info("work ran\n");
}

static DECLARE_WORK(demo_work, demo_work_fn);

static int __init workqueue_demo_init(void)
{
	/* No special flags; 0 means the default number of active items. */
	demo_wq = alloc_workqueue("%s", 0, 0, KBUILD_MODNAME);
	if (!demo_wq)
		return -ENOMEM;

	/*
	 * Nothing below can fail, so say "loaded" now: the work may run on
	 * another CPU right after queue_work() and its line should follow.
	 */
	pr_info("loaded\n");
	queue_work(demo_wq, &demo_work);
	return 0;
}

static void __exit workqueue_demo_exit(void)
{
	/*
	 * The work function is module code: it must not be queued or
	 * running once the module is gone. Flushing waits for it to
	 * finish; destroy_workqueue() then frees the queue.
	 */
	flush_workqueue(demo_wq);
	destroy_workqueue(demo_wq);
	pr_info("unloaded\n");
}

module_init(workqueue_demo_init);
module_exit(workqueue_demo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Workqueue example");
