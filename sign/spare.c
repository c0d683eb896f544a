// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spare.c - reusing the inodes of replaced modules as temporary files
 * (why, and when it is safe: spare.h).
 */
#include "spare.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fileio.h"

/* What a new file takes from the folder it is made in, besides its
 * name: a spare moves only between folders that give the same. */
struct dir_profile {
	dev_t dev;
	unsigned flags; /* the folder's inode flags (chattr), inherited */
	int plain;	/* no set-group-ID bit, no default ACL */
};

struct spare {
	int fd;
	char *path;
	struct dir_profile from;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct spare *pool;
static size_t pool_n, pool_max;
static int pool_open;

/* Removes a spare for good: its name first, then the descriptor (and the
 * lock with it), so that no other run can find it unlocked. */
static void discard(int fd, char *path)
{
	unlink(path);
	if (fd >= 0)
		close(fd);
	free(path);
}

void spare_pool_open(size_t max)
{
	pthread_mutex_lock(&pool_lock);
	pool = calloc(max, sizeof(*pool));
	pool_max = pool ? max : 0;
	pool_n = 0;
	pool_open = pool != NULL;
	pthread_mutex_unlock(&pool_lock);
}

void spare_pool_close(void)
{
	size_t i;

	pthread_mutex_lock(&pool_lock);
	for (i = 0; i < pool_n; i++)
		discard(pool[i].fd, pool[i].path);
	free(pool);
	pool = NULL;
	pool_n = pool_max = 0;
	pool_open = 0;
	pthread_mutex_unlock(&pool_lock);
}

int spare_pool_is_open(void)
{
	int r;

	pthread_mutex_lock(&pool_lock);
	r = pool_open;
	pthread_mutex_unlock(&pool_lock);
	return r;
}

/* The profile of folder dir; the last one is remembered per thread, as
 * a batch goes through its files folder by folder. Returns 0, or -1 when
 * it cannot be told (then no spare is used there). */
static int dir_profile_of(const char *dir, struct dir_profile *p)
{
	/* in place: a thread's heap memory would outlive the thread */
	static __thread char last_dir[PATH_MAX];
	static __thread struct dir_profile last;
	struct stat st;
	int fd, flags = 0;
	ssize_t acl;

	if (last_dir[0] && !strcmp(last_dir, dir)) {
		*p = last;
		return 0;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || ioctl(fd, FS_IOC_GETFLAGS, &flags)) {
		close(fd);
		return -1;
	}
	acl = fgetxattr(fd, "system.posix_acl_default", NULL, 0);
	close(fd);
	if (acl < 0 && errno != ENODATA && errno != ENOTSUP)
		return -1;
	p->dev = st.st_dev;
	p->flags = (unsigned)flags;
	p->plain = !(st.st_mode & S_ISGID) && acl <= 0;
	if (strlen(dir) < sizeof(last_dir)) {
		strcpy(last_dir, dir);
		last = *p;
	}
	return 0;
}

/* Whether nobody else has the file open: a write lease is granted only
 * then. It is given back at once; nobody can find the file afterwards but
 * under its temporary name. */
static int open_nowhere_else(int fd)
{
	if (fcntl(fd, F_SETLEASE, F_WRLCK))
		return 0;
	fcntl(fd, F_SETLEASE, F_UNLCK);
	return 1;
}

/* Six characters for a temporary name, as mkstemp would pick them. */
static void random_suffix(char out[7])
{
	static const char set[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static atomic_uint counter;
	unsigned char r[6];
	int i;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		unsigned v = atomic_fetch_add(&counter, 1) * 2654435761u ^
			     (unsigned)getpid();

		for (i = 0; i < 6; i++, v >>= 5)
			r[i] = (unsigned char)v;
	}
	for (i = 0; i < 6; i++)
		out[i] = set[r[i] % (sizeof(set) - 1)];
	out[6] = '\0';
}

int spare_take(const char *dir, const char *base, char **tmp)
{
	struct spare s = { .fd = -1 };
	struct dir_profile to;
	size_t i, n;
	char sfx[7];
	char *name;
	int tries;

	*tmp = NULL;
	if (dir_profile_of(dir, &to) || !to.plain)
		return -1;
	pthread_mutex_lock(&pool_lock);
	for (i = pool_n; i-- > 0;)
		if (pool[i].from.dev == to.dev &&
		    pool[i].from.flags == to.flags) {
			s = pool[i];
			pool[i] = pool[--pool_n];
			break;
		}
	pthread_mutex_unlock(&pool_lock);
	if (s.fd < 0)
		return -1;
	/* checked again now: someone may have opened it since */
	if (!open_nowhere_else(s.fd)) {
		discard(s.fd, s.path);
		return -1;
	}
	n = strlen(dir) + strlen(base) + sizeof(TEMP_MARK) + 8;
	name = malloc(n);
	if (!name) {
		discard(s.fd, s.path);
		return -1;
	}
	for (tries = 0;; tries++) {
		random_suffix(sfx);
		snprintf(name, n, "%s/.%s" TEMP_MARK "%s", dir, base, sfx);
		if (renameat2(AT_FDCWD, s.path, AT_FDCWD, name,
			      RENAME_NOREPLACE) == 0)
			break;
		if (errno != EEXIST || tries == 8) {
			/* another file system, or no RENAME_NOREPLACE */
			free(name);
			discard(s.fd, s.path);
			return -1;
		}
	}
	free(s.path);
	if (ftruncate(s.fd, 0) || lseek(s.fd, 0, SEEK_SET) < 0) {
		discard(s.fd, name);
		return -1;
	}
	*tmp = name;
	return s.fd;
}

void spare_give(char *tmp, const char *dir)
{
	struct dir_profile from;
	struct stat st;
	int fd;

	fd = open(tmp, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1 || flistxattr(fd, NULL, 0) != 0 ||
	    dir_profile_of(dir, &from) || !from.plain ||
	    flock(fd, LOCK_EX | LOCK_NB) || !open_nowhere_else(fd)) {
		discard(fd, tmp);
		return;
	}
	pthread_mutex_lock(&pool_lock);
	if (pool_open && pool_n < pool_max) {
		pool[pool_n].fd = fd;
		pool[pool_n].path = tmp;
		pool[pool_n].from = from;
		pool_n++;
		fd = -1;
	}
	pthread_mutex_unlock(&pool_lock);
	if (fd >= 0)
		discard(fd, tmp);
}
