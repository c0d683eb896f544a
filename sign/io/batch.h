/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * batch.h - many modules in one process: the list of files (named, or found
 * below folders with -r), a pool of worker threads, and a committer thread
 * that syncs and renames the files the workers wrote, in groups.
 *
 * The main thread only reports: error messages in the order the files were
 * given (so the output does not depend on the timing), a progress line on
 * a terminal, the counts at the end. Workers never print.
 */
#ifndef MODSIGN_BATCH_H
#define MODSIGN_BATCH_H

#include <stddef.h>

#include "fileio.h"
#include "util.h"

struct path_list {
	char **v;
	size_t n, cap;
};

void path_list_free(struct path_list *pl);
int path_list_add(struct path_list *pl, const char *path);

/* Whether a file name is a module's: *.ko, *.ko.xz, *.ko.zst, *.ko.gz. */
int is_module_name(const char *name);

/*
 * path_list_add_tree - every regular file with a module's name below dir,
 * in a stable (sorted) order. Symbolic links are not followed. Returns how
 * many were added, or -1 with the reason in *eb.
 */
long path_list_add_tree(struct path_list *pl, const char *dir,
			struct errbuf *eb);

/* Drops the paths named a second time (the same string), keeping the
 * first, in order. Returns how many were dropped, or -1 (no memory). */
int path_list_dedupe(struct path_list *pl);

/*
 * path_list_gather - the files a command works on: those named (n of
 * them), then every module below each folder in trees, each path once.
 * Prints the error, ending with "; <consequence>" for a folder that cannot
 * be read, and returns -1; a folder with no module is only noted.
 */
int path_list_gather(struct path_list *files, char *const *names, int n,
		     const struct path_list *trees, const char *consequence);

/* The options of a command that works in batches: c is 'j' (-j N, a
 * whole number from 1 to 1024, into *jobs) or 'r' (-r DIR, added to
 * trees). Returns EXIT_OK, or the exit status after saying what is
 * wrong. */
int batch_option(const char *cmd, int c, const char *arg, int *jobs,
		 struct path_list *trees);

/* clean_stale_temps in the folder of each path, each folder once. Returns
 * how many leftovers were removed. */
int clean_stale_temps_of(const struct path_list *pl);

enum batch_result {
	BATCH_DONE, /* the work was done */
	BATCH_SKIPPED, /* there was nothing to do */
	BATCH_FAILED, /* the error buffer says why */
	BATCH_PENDING, /* from batch_commit: the committer will decide */
	/* given up because a signal stopped the batch (a call it waited on
	 * was cut, see batch_set_unblock): the file is unchanged, counted
	 * as not started, no error printed */
	BATCH_INTERRUPTED,
};

struct batch_job;

/* The work for one file. Runs on a worker thread, many at once: it must
 * only touch its own data and what arg shares read-only (or locks). */
typedef enum batch_result (*batch_fn)(struct batch_job *job, const char *path,
				      void *arg, struct errbuf *eb);

/*
 * batch_commit - from inside a batch_fn: hand over a file written with
 * replace_begin. The committer takes the files in groups: one syncfs per
 * file system for the group's files, each renamed over its module, one
 * syncfs per file system again, and only then counts the jobs done.
 * Blocks while the group being filled is full. Returns
 * BATCH_PENDING, for the batch_fn to return.
 */
enum batch_result batch_commit(struct batch_job *job,
			       struct pending_replace *r);

/* The position of a job's file in the list given to batch_run. */
size_t batch_job_index(const struct batch_job *job);

/* Called on the main thread for each finished file, in the order the files
 * were given, before the error message of a failed one. */
typedef void (*batch_report_fn)(size_t index, void *arg);

struct batch_counts {
	size_t done, skipped, failed, not_started;
	double seconds;
	int interrupted; /* stopped early: a signal, or batch_stop */
	int stop_signal; /* the SIGINT, SIGTERM or SIGHUP that stopped it, or 0 */
	/* files still under way (counted in failed) when the batch gave up
	 * on them, 5 s after a stop: a worker is in a call that does not
	 * return. Their modules are unchanged; the workers still run, so
	 * the caller must end the process (fflush, then _exit) without
	 * freeing what they may use: the key, the paths. */
	size_t abandoned;
};

/*
 * batch_run - fn over every path with `jobs` worker threads. `what` names
 * the work in the progress line ("signing"). report, when not NULL, sees
 * each finished file in order. Failures are printed as "modsign: ERROR:
 * PATH: WHY". The progress line appears only when stderr is a terminal and
 * the run lasts more than a second.
 *
 * SIGINT, SIGTERM and SIGHUP stop it gently: no new file is started, the
 * files under way are finished; those still under way a second later get
 * the unblock of batch_set_unblock. Those still under way 5 s after the
 * stop (a signal, or batch_stop) are given up: reported unchanged, counted
 * in failed and in abandoned (see batch_counts). A second signal (of any
 * of them) ends the process at once, with the signal's default action. Returns 0, or -1
 * when the threads could not be started.
 */
int batch_run(char *const *paths, size_t n, int jobs, const char *what,
	      batch_fn fn, batch_report_fn report, void *arg,
	      struct batch_counts *c);

/* From inside a batch_fn: start no further file, as on SIGTERM (the files
 * under way are finished; the rest count as not started). For a failure
 * that every next file would meet too: a token that went away. */
void batch_stop(void);

/* The signal that stopped the running (or last) batch, or the one caught
 * by batch_signals_catch; 0 when none did. Any thread may ask. */
int batch_stop_signal(void);

/*
 * batch_set_unblock - what batch_run's main thread calls, once, when a
 * signal asked it to stop and the files under way are not finished a
 * second later: a function that makes a worker's blocked call fail (the
 * token's connection shut, token_interrupt). The batch_fn then returns
 * BATCH_INTERRUPTED for it. NULL: none (the default).
 */
void batch_set_unblock(void (*fn)(void));

/*
 * batch_signals_catch - SIGINT, SIGTERM and SIGHUP caught outside a batch
 * (while a key loads, say), as batch_run catches them: the first one is
 * kept for batch_stop_signal and calls now (NULL: nothing), which must
 * be async-signal-safe; the next one has its default action. Those that
 * were ignored stay ignored. Until batch_signals_restore. Main thread,
 * not around batch_run (which catches them itself).
 */
void batch_signals_catch(void (*now)(void));
void batch_signals_restore(void);

/* The number of online CPUs (at least 1). */
int batch_default_jobs(void);

#endif
