// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * batch.c - the file list, the worker pool and the committers of `modsign
 * sign -j N`.
 *
 * Work flows one way:
 *
 *   workers (N)   take the next file, do the work (read, hash, sign,
 *                 write a temporary file), hand the file to the committer
 *   committer (1) takes the files handed over in groups: one syncfs per
 *                 file system (the new files durable), a rename over each
 *                 module, one syncfs per file system (the renames durable)
 *   main          reports, in the order the files were given
 *
 * So the disk waits overlap the CPU work of the next group, there are two
 * of them per group instead of one per module and folder, and a module is
 * counted done only once its rename is durable. Memory is what the N
 * workers hold for their current file: the group holds file descriptors,
 * not data.
 */
#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"

/* ---- the file list ---- */

void path_list_free(struct path_list *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		free(pl->v[i]);
	free(pl->v);
	memset(pl, 0, sizeof(*pl));
}

int path_list_add(struct path_list *pl, const char *path)
{
	char *s;

	if (pl->n == pl->cap) {
		size_t ncap = pl->cap ? pl->cap * 2 : 64;
		char **nv = realloc(pl->v, ncap * sizeof(*nv));

		if (!nv)
			return -1;
		pl->v = nv;
		pl->cap = ncap;
	}
	s = strdup(path);
	if (!s)
		return -1;
	pl->v[pl->n++] = s;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

int is_module_name(const char *name)
{
	return ends_with(name, ".ko") || ends_with(name, ".ko.xz") ||
	       ends_with(name, ".ko.zst") || ends_with(name, ".ko.gz");
}

/* nftw has no user pointer: the walk in progress (main thread only) */
static struct {
	struct path_list *pl;
	struct errbuf *eb;
	long added;
} walk;

static int walk_one(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	switch (type) {
	case FTW_F:
		if (S_ISREG(st->st_mode) && is_module_name(path + ftw->base)) {
			if (path_list_add(walk.pl, path)) {
				eb_set(walk.eb, "out of memory");
				return 1;
			}
			walk.added++;
		}
		return 0;
	case FTW_DNR:
		eb_set(walk.eb, "cannot read the folder %s", path);
		return 1;
	case FTW_NS:
		eb_set(walk.eb, "cannot stat %s", path);
		return 1;
	default:
		return 0; /* folders, and links that are not followed */
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

long path_list_add_tree(struct path_list *pl, const char *dir,
			struct errbuf *eb)
{
	struct stat st;
	size_t first = pl->n;
	int r;

	if (stat(dir, &st)) {
		eb_set(eb, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		eb_set(eb, "%s: not a folder", dir);
		return -1;
	}
	walk.pl = pl;
	walk.eb = eb;
	walk.added = 0;
	/* FTW_PHYS: a link is not followed (a module tree's build/ link
	 * points at the kernel headers) */
	r = nftw(dir, walk_one, 32, FTW_PHYS);
	if (r < 0) {
		eb_set(eb, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (r > 0)
		return -1;
	if (pl->n > first)
		qsort(pl->v + first, pl->n - first, sizeof(*pl->v), cmp_str);
	return walk.added;
}

static int cmp_index(const void *a, const void *b, void *v)
{
	char **paths = v;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(paths[i], paths[j]);

	return c ? c : i < j ? -1 : i > j;
}

int path_list_dedupe(struct path_list *pl)
{
	size_t *idx, i, k;
	char *dup_mark;
	int dropped = 0;

	if (pl->n < 2)
		return 0;
	idx = malloc(pl->n * sizeof(*idx));
	dup_mark = calloc(pl->n, 1);
	if (!idx || !dup_mark) {
		free(idx);
		free(dup_mark);
		return -1;
	}
	for (i = 0; i < pl->n; i++)
		idx[i] = i;
	qsort_r(idx, pl->n, sizeof(*idx), cmp_index, pl->v);
	for (i = 1; i < pl->n; i++)
		if (!strcmp(pl->v[idx[i]], pl->v[idx[i - 1]]))
			dup_mark[idx[i]] = 1; /* a later one of the same */
	for (i = k = 0; i < pl->n; i++) {
		if (dup_mark[i]) {
			free(pl->v[i]);
			dropped++;
		} else {
			pl->v[k++] = pl->v[i];
		}
	}
	pl->n = k;
	free(idx);
	free(dup_mark);
	return dropped;
}

int path_list_gather(struct path_list *files, char *const *names, int n,
		     const struct path_list *trees, const char *consequence)
{
	struct errbuf eb;
	size_t k;
	int i;

	for (i = 0; i < n; i++)
		if (path_list_add(files, names[i]))
			goto oom;
	for (k = 0; k < trees->n; k++) {
		long found = path_list_add_tree(files, trees->v[k], &eb);

		if (found < 0) {
			modsign_error("%s; %s", eb.msg, consequence);
			return -1;
		}
		if (found == 0)
			fprintf(stderr, "modsign: no module below %s\n",
				trees->v[k]);
	}
	/* a module named twice (by hand and by -r) is done once */
	if (path_list_dedupe(files) < 0)
		goto oom;
	return 0;
oom:
	modsign_error("out of memory");
	return -1;
}

int batch_option(const char *cmd, int c, const char *arg, int *jobs,
		 struct path_list *trees)
{
	char *end;
	long v;

	if (c == 'r') {
		if (path_list_add(trees, arg)) {
			modsign_error("out of memory");
			return EXIT_FAILED;
		}
		return EXIT_OK;
	}
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 1 || v > 1024)
		return modsign_usage_error(
			cmd,
			"-j takes a number of jobs from 1 to 1024, not '%s'",
			arg);
	*jobs = (int)v;
	return EXIT_OK;
}

int clean_stale_temps_of(const struct path_list *pl)
{
	char **dirs;
	size_t i, n = 0;
	int removed = 0;

	if (!pl->n)
		return 0;
	dirs = calloc(pl->n, sizeof(*dirs));
	if (!dirs)
		return 0;
	for (i = 0; i < pl->n; i++) {
		const char *slash = strrchr(pl->v[i], '/');

		if (!slash)
			dirs[n] = strdup(".");
		else if (slash == pl->v[i])
			dirs[n] = strdup("/");
		else
			dirs[n] = strndup(pl->v[i], (size_t)(slash - pl->v[i]));
		if (dirs[n])
			n++;
	}
	qsort(dirs, n, sizeof(*dirs), cmp_str);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(dirs[i], dirs[i - 1]))
			removed += clean_stale_temps(dirs[i]);
	for (i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
	return removed;
}

int batch_default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

/* ---- the pool ---- */

/*
 * The committer takes the files the workers wrote in groups: a group ends
 * when it holds group_max files (as many as the descriptors allow: each
 * temporary file stays open, holding its lock, until its rename), or
 * GROUP_BYTES of new modules (the disk space the temporary files take
 * beside the modules they replace), or when the workers are done. A
 * group is synced with one syncfs per file system, renamed, and synced
 * again: two waits for the disk per group, against one per module and
 * folder, and every temporary file of a group is made before any old
 * module is freed (ext4 without a journal scans the inodes freed in the
 * last minute on each new file).
 */
#define GROUP_FILES 64
#define GROUP_BYTES ((size_t)64 << 20)

struct batch_job {
	struct batch *b;
	const char *path;
	enum batch_result result;
	int finished;
	char *msg; /* malloc'ed reason for BATCH_FAILED */
	char *warnings; /* from replace_begin, printed if it is done */
	struct pending_replace pr;
};

struct batch {
	pthread_mutex_t lock;
	pthread_cond_t done_cv; /* main: a job finished */
	pthread_cond_t queue_cv; /* committers: a job was queued, or the end */
	pthread_cond_t space_cv; /* workers: the queue has room */
	struct batch_job *jobs;
	size_t n, next, finished;
	batch_fn fn;
	void *arg;
	struct batch_job **queue; /* group_max of them */
	size_t qlen, qbytes, group_max;
	int workers_left;
	/* STOP_DEADLINE passed after a stop with files still under way: the
	 * committer commits what is queued and ends, batch_commit takes no
	 * more, and batch_run returns without waiting for the workers */
	int abandoned;
};

/* Set by the signal handler, which may run on any thread: a lock-free
 * atomic is both async-signal-safe and safe across threads. stop_signal
 * is the signal that asked for the stop (0: none, or batch_stop). */
static atomic_int stop_requested, stop_signal;

/* What the handler also calls (batch_signals_catch), and what the main
 * thread calls when the workers are still busy STOP_GRACE seconds after a
 * signal (batch_set_unblock). */
static void (*volatile on_signal_now)(void);
static void (*unblock_fn)(void);

/* How long the workers have to finish the files under way after a stop
 * signal, before unblock_fn is called: a healthy token signs in
 * milliseconds, even over a network. */
#define STOP_GRACE 1.0

/*
 * How long, after a stop (a signal, or batch_stop), the main thread waits
 * for the files under way before it gives up on them: a worker may be in
 * a token call that nothing ends (libp11 0.4.13 waits for a session for
 * ever once its p11-kit server is gone; a hung HSM driver), and a stop
 * that never ends would leave the user only SIGKILL, with the files
 * signed so far not committed. Long enough for the unblock of STOP_GRACE
 * to work and for a large module under way to be compressed and
 * committed; short enough for someone waiting at a terminal. The files
 * still under way then are reported unchanged (only the committer
 * renames, and it has ended), and the caller must end the process without
 * tearing down what the stuck workers use (batch_counts.abandoned).
 */
#define STOP_DEADLINE 5.0

static void on_stop_signal(int sig)
{
	void (*now)(void) = on_signal_now;

	atomic_store(&stop_signal, sig);
	atomic_store(&stop_requested, 1);
	if (now)
		now();
}

int batch_stop_signal(void)
{
	return atomic_load(&stop_signal);
}

void batch_set_unblock(void (*fn)(void))
{
	unblock_fn = fn;
}

void batch_stop(void)
{
	atomic_store(&stop_requested, 1);
}

/* Called with b->lock held. */
static void finish_locked(struct batch_job *job, enum batch_result r,
			  const char *why)
{
	job->result = r;
	job->msg = NULL;
	if (r == BATCH_FAILED)
		job->msg = strdup(why && *why ? why : "failed");
	job->finished = 1;
	job->b->finished++;
	pthread_cond_signal(&job->b->done_cv);
}

enum batch_result batch_commit(struct batch_job *job, struct pending_replace *r)
{
	struct batch *b = job->b;

	pthread_mutex_lock(&b->lock);
	while (!b->abandoned &&
	       (b->qlen == b->group_max || b->qbytes >= GROUP_BYTES))
		pthread_cond_wait(&b->space_cv, &b->lock);
	if (b->abandoned) {
		/* the committer has ended: the module stays as it was */
		pthread_mutex_unlock(&b->lock);
		replace_abort(r);
		return BATCH_INTERRUPTED;
	}
	job->pr = *r;
	job->warnings = r->warnings;
	job->pr.warnings = NULL;
	b->queue[b->qlen++] = job;
	b->qbytes += r->bytes;
	if (b->qlen == b->group_max || b->qbytes >= GROUP_BYTES)
		pthread_cond_signal(&b->queue_cv);
	pthread_mutex_unlock(&b->lock);
	r->fd = -1;
	r->tmp = r->real = r->dir = r->warnings = NULL;
	return BATCH_PENDING;
}

static void *worker(void *p)
{
	struct batch *b = p;
	struct errbuf eb;

	for (;;) {
		struct batch_job *job;
		enum batch_result r;

		pthread_mutex_lock(&b->lock);
		if (atomic_load(&stop_requested) || b->next >= b->n) {
			if (--b->workers_left == 0)
				pthread_cond_broadcast(&b->queue_cv);
			pthread_mutex_unlock(&b->lock);
			return NULL;
		}
		job = &b->jobs[b->next++];
		pthread_mutex_unlock(&b->lock);

		eb.msg[0] = '\0';
		r = b->fn(job, job->path, b->arg, &eb);
		if (r == BATCH_PENDING)
			continue;
		pthread_mutex_lock(&b->lock);
		finish_locked(job, r, eb.msg);
		pthread_mutex_unlock(&b->lock);
	}
}

/* The file systems of a group: one descriptor of a file on each, to sync
 * it through (dup'ed: it outlives the temporary file's own). */
struct fs_set {
	dev_t *dev;
	int *fd;
	size_t n;
};

/* Index in fs of the file system of job's temporary file, added if new;
 * -1 with the reason in *eb. */
static long fs_of(struct fs_set *fs, struct batch_job *job, struct errbuf *eb)
{
	struct stat st;
	size_t k;

	if (fstat(job->pr.fd, &st)) {
		eb_set(eb, "cannot stat %s: %s", job->pr.tmp, strerror(errno));
		return -1;
	}
	for (k = 0; k < fs->n; k++)
		if (fs->dev[k] == st.st_dev)
			return (long)k;
	fs->fd[k] = fcntl(job->pr.fd, F_DUPFD_CLOEXEC, 0);
	if (fs->fd[k] < 0) {
		eb_set(eb, "cannot duplicate a descriptor: %s",
		       strerror(errno));
		return -1;
	}
	fs->dev[k] = st.st_dev;
	fs->n++;
	return (long)k;
}

/* a then b, malloc'ed; NULL when out of memory */
static char *joined(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

/*
 * Commits a group of n written temporary files: one syncfs per file
 * system (the new bytes durable), each rename, one syncfs per file system
 * again (the renames durable). A failure fails the files it concerns
 * (their modules unchanged, or replaced but maybe not durable: the
 * message says which); the others go on.
 */
static void commit_group(struct batch_job **take, size_t n,
			 enum batch_result *res, char **why, long *fsi,
			 struct fs_set *fs)
{
	struct errbuf eb;
	size_t i, k;

	fs->n = 0;
	for (i = 0; i < n; i++) {
		res[i] = BATCH_DONE;
		why[i] = NULL;
		fsi[i] = fs_of(fs, take[i], &eb);
		if (fsi[i] < 0) {
			res[i] = BATCH_FAILED;
			why[i] = strdup(eb.msg);
		}
	}
	/* phase 2: the new files durable, the modules still the old ones */
	for (k = 0; k < fs->n; k++) {
		if (!sync_fs(fs->fd[k], &eb))
			continue;
		for (i = 0; i < n; i++)
			if (res[i] == BATCH_DONE && fsi[i] == (long)k) {
				res[i] = BATCH_FAILED;
				why[i] = joined(eb.msg,
						"; the module is unchanged");
			}
	}
	/* phase 3: each rename, atomic; a module is the old or the new */
	for (i = 0; i < n; i++)
		if (res[i] == BATCH_DONE && replace_finish(&take[i]->pr, &eb)) {
			res[i] = BATCH_FAILED;
			why[i] = strdup(eb.msg);
		}
	/* phase 4: the renames durable */
	for (k = 0; k < fs->n; k++) {
		if (sync_fs(fs->fd[k], &eb))
			for (i = 0; i < n; i++)
				if (res[i] == BATCH_DONE && fsi[i] == (long)k) {
					res[i] = BATCH_FAILED;
					why[i] = joined(
						eb.msg,
						"; it is signed, but a crash may bring the old module back: run the same command again");
				}
		close(fs->fd[k]);
	}
	for (i = 0; i < n; i++)
		replace_abort(&take[i]->pr); /* frees the paths */
}

static void *committer(void *p)
{
	struct batch *b = p;
	size_t n, i, cap = b->group_max;
	struct batch_job **take = calloc(cap, sizeof(*take));
	enum batch_result *res = calloc(cap, sizeof(*res));
	char **why = calloc(cap, sizeof(*why));
	long *fsi = calloc(cap, sizeof(*fsi));
	struct fs_set fs = { calloc(cap, sizeof(dev_t)),
			     calloc(cap, sizeof(int)), 0 };

	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (b->workers_left > 0 && !b->abandoned &&
		       b->qlen < b->group_max && b->qbytes < GROUP_BYTES)
			pthread_cond_wait(&b->queue_cv, &b->lock);
		if (b->qlen == 0)
			break;
		n = b->qlen;
		memcpy(take, b->queue, n * sizeof(*take));
		b->qlen = 0;
		b->qbytes = 0;
		pthread_cond_broadcast(&b->space_cv);
		pthread_mutex_unlock(&b->lock);

		if (res && why && fsi && fs.dev && fs.fd) {
			commit_group(take, n, res, why, fsi, &fs);
		} else {
			/* no memory for the group's state: the modules stay
			 * as they were */
			for (i = 0; i < n; i++) {
				replace_abort(&take[i]->pr);
				if (res)
					res[i] = BATCH_FAILED;
			}
		}

		pthread_mutex_lock(&b->lock);
		for (i = 0; i < n; i++) {
			finish_locked(take[i], res ? res[i] : BATCH_FAILED,
				      why ? why[i] : "out of memory");
			if (why)
				free(why[i]);
		}
	}
	pthread_mutex_unlock(&b->lock);
	free(take);
	free(res);
	free(why);
	free(fsi);
	free(fs.dev);
	free(fs.fd);
	return NULL;
}

/* How long a run must last before the progress line appears: a second, or
 * $MODSIGN_PROGRESS_AFTER seconds (the tests set it to 0). */
static double progress_after(void)
{
	const char *s = getenv("MODSIGN_PROGRESS_AFTER");
	char *end;
	double v;

	if (!s || !*s)
		return 1.0;
	v = strtod(s, &end);
	return *end || v < 0 ? 1.0 : v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(const char *what, size_t done, size_t n, double elapsed)
{
	double rate = elapsed > 0 ? (double)done / elapsed : 0;

	fprintf(stderr, "\r\033[Kmodsign: %s %zu/%zu", what, done, n);
	if (done && rate > 0)
		fprintf(stderr, ", %.0f modules/s, %.0f s left", rate,
			(double)(n - done) / rate + 0.5);
	fflush(stderr);
}

/* A finished job, on the main thread: the caller's report, then the
 * error of a failed one. */
static void report_job(const struct batch_job *job, size_t index,
		       batch_report_fn report, void *arg)
{
	if (report)
		report(index, arg);
	if (job->result == BATCH_DONE)
		print_warnings(job->path, job->warnings);
	if (job->result == BATCH_FAILED)
		modsign_error("%s: %s", job->path,
			      job->msg ? job->msg : "out of memory");
}

size_t batch_job_index(const struct batch_job *job)
{
	return (size_t)(job - job->b->jobs);
}

/* The threads of one run: the workers, the committer, and how many of
 * each did start. */
struct threads {
	pthread_t *workers, *committers;
	int started, ncommit;
};

/* How many descriptors this process has open now (/proc/self/fd), or -1. */
static long open_descriptors(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the one opendir holds */
}

/*
 * The most files a group may hold for n files and `jobs` workers: the
 * descriptors left under RLIMIT_NOFILE (its soft limit raised towards the
 * hard one), less a margin for what the workers and the committer open
 * for themselves; at least 16, at most GROUP_FILES and n.
 */
static size_t group_max(size_t n, int jobs)
{
	struct rlimit rl;
	long open = open_descriptors(), left;
	size_t want = n < GROUP_FILES ? n : GROUP_FILES;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 16;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want + 1024) {
		rlim_t cur = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
					      rl.rlim_max > want + 1024 ?
				      want + 1024 :
				      rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			rl.rlim_cur = cur;
	}
	if (open < 0)
		open = 1024;
	left = rl.rlim_cur == RLIM_INFINITY ?
		       (long)want :
		       (long)rl.rlim_cur - open - 64 - 8 * (long)jobs;
	if (left < 16)
		left = 16;
	return (size_t)left < want ? (size_t)left : want;
}

/* The shared state for n files: the jobs in the order given, the lock and
 * the conditions. Returns -1 when out of memory (nothing to undo then). */
static int batch_init(struct batch *b, char *const *paths, size_t n, int jobs,
		      batch_fn fn, void *arg)
{
	pthread_condattr_t ca;
	size_t k;

	b->group_max = group_max(n, jobs);
	b->queue = calloc(b->group_max, sizeof(*b->queue));
	b->jobs = calloc(n, sizeof(*b->jobs));
	if (!b->jobs || !b->queue) {
		free(b->queue);
		b->queue = NULL;
		return -1;
	}
	for (k = 0; k < n; k++) {
		b->jobs[k].b = b;
		b->jobs[k].path = paths[k];
		b->jobs[k].pr.fd = -1;
	}
	b->n = n;
	b->fn = fn;
	b->arg = arg;
	b->workers_left = jobs;
	pthread_mutex_init(&b->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&b->queue_cv, NULL);
	pthread_cond_init(&b->space_cv, NULL);
	return 0;
}

static void batch_destroy(struct batch *b)
{
	free(b->queue);
	b->queue = NULL;
	pthread_cond_destroy(&b->done_cv);
	pthread_cond_destroy(&b->queue_cv);
	pthread_cond_destroy(&b->space_cv);
	pthread_mutex_destroy(&b->lock);
}

static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP };
#define N_STOP_SIGS ARRAY_SIZE(stop_sigs)

/* SIGINT, SIGTERM and SIGHUP stop the run gently; old[] gets what they
 * did before, for stop_signals_restore. */
static void stop_signals_catch(struct sigaction old[N_STOP_SIGS])
{
	struct sigaction sa;
	int i;

	atomic_store(&stop_requested, 0);
	atomic_store(&stop_signal, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	/* The first signal stops gently; SA_RESETHAND gives the next one
	 * the default action, so a call that blocks (a stuck NFS server, a
	 * reader that does not read our output) cannot make it ignored. */
	sa.sa_flags = SA_RESTART | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < (int)N_STOP_SIGS; i++) {
		sigaction(stop_sigs[i], &sa, &old[i]);
		/* what was ignored (nohup, a background job) stays ignored */
		if (old[i].sa_handler == SIG_IGN)
			sigaction(stop_sigs[i], &old[i], NULL);
	}
}

static void stop_signals_restore(const struct sigaction old[N_STOP_SIGS])
{
	int i;

	for (i = 0; i < (int)N_STOP_SIGS; i++)
		sigaction(stop_sigs[i], &old[i], NULL);
}

/* What batch_signals_catch replaced, for batch_signals_restore. */
static struct sigaction caught_old[N_STOP_SIGS];

void batch_signals_catch(void (*now)(void))
{
	on_signal_now = now;
	stop_signals_catch(caught_old);
}

void batch_signals_restore(void)
{
	stop_signals_restore(caught_old);
	on_signal_now = NULL;
}

/* Starts the committers, then the workers; runs with what did start.
 * Returns -1 when not even one committer started. */
static int start_threads(struct batch *b, int jobs, struct threads *t)
{
	/* one committer: a group's syncs cover every file of the group,
	 * and a second one would only wait for the same disk */
	for (t->ncommit = 0; t->ncommit < 1; t->ncommit++)
		if (pthread_create(&t->committers[t->ncommit], NULL, committer,
				   b))
			break;
	if (t->ncommit == 0) {
		modsign_error("cannot start a thread");
		return -1;
	}
	for (t->started = 0; t->started < jobs; t->started++)
		if (pthread_create(&t->workers[t->started], NULL, worker, b))
			break;
	if (t->started < jobs) {
		/* run with the threads that did start */
		pthread_mutex_lock(&b->lock);
		b->workers_left -= jobs - t->started;
		if (t->started == 0)
			pthread_cond_broadcast(&b->queue_cv);
		pthread_mutex_unlock(&b->lock);
		if (t->started == 0)
			modsign_error("cannot start a thread");
	}
	return 0;
}

static void join_threads(const struct threads *t)
{
	int i;

	for (i = 0; i < t->started; i++)
		pthread_join(t->workers[i], NULL);
	for (i = 0; i < t->ncommit; i++)
		pthread_join(t->committers[i], NULL);
}

/* Reports the jobs in the order given, as they finish, with a progress
 * line on a terminal, until all are reported or the run stopped early.
 * Returns how many were reported. */
static size_t report_loop(struct batch *b, const char *what,
			  batch_report_fn report, void *arg, double t0)
{
	int tty = isatty(STDERR_FILENO), shown = 0, unblocked = 0, stopped;
	double last = 0, after = progress_after(), stop_seen = 0;
	size_t reported = 0;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		struct timespec until;
		double t;

		while (reported < b->n && b->jobs[reported].finished) {
			struct batch_job *job = &b->jobs[reported++];

			if (job->result != BATCH_FAILED && !job->warnings &&
			    !report)
				continue;
			pthread_mutex_unlock(&b->lock);
			if (shown) {
				fputs("\r\033[K", stderr);
				shown = 0;
			}
			report_job(job, reported - 1, report, arg);
			pthread_mutex_lock(&b->lock);
		}
		if (reported == b->n)
			break;
		/* stopped early: the workers are gone and everything they
		 * started is finished; the rest never started */
		if (b->workers_left == 0 && b->finished == b->next)
			break;
		t = now();
		stopped = atomic_load(&stop_requested);
		if (stopped && !stop_seen)
			stop_seen = t;
		/* a signal, and the files under way do not finish: a worker
		 * waits for a token that will never answer (a frozen p11-kit
		 * server), and no signal reaches into that call; the caller's
		 * unblock makes it fail, so that the run can end */
		if (atomic_load(&stop_signal) && unblock_fn && !unblocked &&
		    t - stop_seen >= STOP_GRACE) {
			unblock_fn();
			unblocked = 1;
		}
		/* and if that did not end it either: give up on them */
		if (stopped && t - stop_seen >= STOP_DEADLINE) {
			b->abandoned = 1;
			pthread_cond_broadcast(&b->queue_cv);
			pthread_cond_broadcast(&b->space_cv);
			break;
		}
		if (tty && t - t0 >= after && t - last >= 0.25) {
			progress(what, b->finished, b->n, t - t0);
			shown = 1;
			last = t;
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += 250 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&b->done_cv, &b->lock, &until);
	}
	pthread_mutex_unlock(&b->lock);
	if (shown)
		fputs("\r\033[K", stderr);
	return reported;
}

/* After the threads are gone: reports what is not yet (after a stop, the
 * unreported tail), counts every job and frees its messages. */
static void tally(struct batch *b, size_t reported, batch_report_fn report,
		  void *arg, struct batch_counts *c)
{
	int sig = atomic_load(&stop_signal);
	size_t k;

	for (k = reported; k < b->n; k++) {
		if (b->jobs[k].finished)
			report_job(&b->jobs[k], k, report, arg);
		else if (b->abandoned && k < b->next)
			modsign_error(
				"%s: not finished within %.0f s of %s: a call that does not return (a token that does not answer); the module is unchanged",
				b->jobs[k].path, STOP_DEADLINE,
				sig == SIGINT  ? "SIGINT" :
				sig == SIGTERM ? "SIGTERM" :
				sig == SIGHUP  ? "SIGHUP" :
						 "the stop");
	}
	for (k = 0; k < b->n; k++) {
		if (!b->jobs[k].finished && b->abandoned && k < b->next) {
			c->failed++;
			c->abandoned++;
		} else if (!b->jobs[k].finished ||
			   b->jobs[k].result == BATCH_INTERRUPTED)
			c->not_started++;
		else if (b->jobs[k].result == BATCH_DONE)
			c->done++;
		else if (b->jobs[k].result == BATCH_SKIPPED)
			c->skipped++;
		else
			c->failed++;
		free(b->jobs[k].msg);
		free(b->jobs[k].warnings);
	}
	c->interrupted = atomic_load(&stop_requested) != 0;
	c->stop_signal = atomic_load(&stop_signal);
}

int batch_run(char *const *paths, size_t n, int jobs, const char *what,
	      batch_fn fn, batch_report_fn report, void *arg,
	      struct batch_counts *c)
{
	/* on the heap: given up on (b->abandoned), workers may still hold
	 * it when this returns */
	struct batch *b;
	struct threads t = { NULL, NULL, 0, 0 };
	struct sigaction old[N_STOP_SIGS];
	size_t reported;
	double t0 = now();
	int i, ret = -1;

	memset(c, 0, sizeof(*c));
	if (n == 0)
		return 0;
	if (jobs < 1)
		jobs = 1;
	if ((size_t)jobs > n)
		jobs = (int)n;
	b = calloc(1, sizeof(*b));
	t.workers = calloc((size_t)jobs, sizeof(*t.workers));
	t.committers = calloc((size_t)jobs, sizeof(*t.committers));
	if (!b || !t.workers || !t.committers ||
	    batch_init(b, paths, n, jobs, fn, arg)) {
		modsign_error("out of memory for %zu modules", n);
		goto out_free;
	}
	stop_signals_catch(old);
	if (start_threads(b, jobs, &t)) {
		c->not_started = n;
		goto out_sig;
	}
	reported = report_loop(b, what, report, arg, t0);
	if (b->abandoned) {
		/* the committer ends once the queue is empty; the workers
		 * under way are left where they are, with b, its jobs and
		 * the file names (the caller ends the process) */
		for (i = 0; i < t.ncommit; i++)
			pthread_join(t.committers[i], NULL);
		pthread_mutex_lock(&b->lock);
		tally(b, reported, report, arg, c);
		pthread_mutex_unlock(&b->lock);
		c->seconds = now() - t0;
		stop_signals_restore(old);
		return 0;
	}
	join_threads(&t);
	tally(b, reported, report, arg, c);
	c->seconds = now() - t0;
	ret = t.started > 0 ? 0 : -1;
out_sig:
	stop_signals_restore(old);
	batch_destroy(b);
out_free:
	if (b)
		free(b->jobs);
	free(b);
	free(t.workers);
	free(t.committers);
	return ret;
}
