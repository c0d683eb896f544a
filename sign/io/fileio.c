// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fileio.c - reading modules (compressed ones too), replacing them
 * atomically, cleaning up after a killed run, loading keys and
 * certificates.
 */
#include "fileio.h"
#include "trailer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/fs.h>

/* The folder of an absolute path, malloc'ed ("/" for "/x"); NULL when
 * out of memory. */
static char *folder_of(const char *abs)
{
	const char *slash = strrchr(abs, '/');

	return slash == abs ? strdup("/") : strndup(abs, (size_t)(slash - abs));
}

/* Keys and certificates are small; refuse anything silly. */
#define MAX_KEYFILE (16u << 20)

/* "a FIFO", "a character device"...: what a file that is not one is */
static const char *file_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	case S_IFDIR:
		return "a folder";
	case S_IFLNK:
		return "a symbolic link";
	}
	return "of an unknown type";
}

/*
 * Opens path for reading without ever waiting. What is not a regular file
 * is refused from stat, before it is opened: a FIFO's open waits for a
 * writer (and no signal gets modsign out of that), a device's may do
 * anything. O_NONBLOCK covers what stat cannot: a FIFO put in the file's
 * place since, and another process's lease on the file, for which open
 * would wait up to /proc/sys/fs/lease-break-time seconds (45 by default).
 */
static int open_regular(const char *path, const char *what, struct stat *st,
			const char **fault, struct errbuf *eb)
{
	int fd, fl;

	if (stat(path, st)) {
		eb_set(eb, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st->st_mode))
		goto not_regular;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == EWOULDBLOCK) {
			*fault = "busy";
			eb_set(eb,
			       "busy: another process holds a lease on it, and opening it would wait until that process lets go; try again later");
		} else {
			eb_set(eb, "cannot open: %s", strerror(errno));
		}
		return -1;
	}
	if (fstat(fd, st)) {
		eb_set(eb, "cannot stat: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		goto not_regular;
	}
	/* reads as usual: O_NONBLOCK means nothing to most file systems,
	 * but may to FUSE or NFS */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK)) {
		eb_set(eb, "cannot clear O_NONBLOCK: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
not_regular:
	*fault = "not-a-file";
	eb_set(eb, "not a regular file (%s): modsign reads only %s",
	       file_type_name(st->st_mode), what);
	return -1;
}

/*
 * Whether another process has the file open for writing (a module still
 * being built or copied): a read lease is refused with EAGAIN exactly
 * then. Taking one needs the file's owner or CAP_LEASE, and a file system
 * with leases; where it cannot be taken (EACCES, EPERM, EINVAL...),
 * nothing can be told and the answer is no. It is released at once; in
 * that instant a writer's open waits for us, and its lease break would
 * signal us: with SIGURG, ignored by default, rather than SIGIO, which by
 * default ends the process.
 */
static int open_for_writing(int fd)
{
	if (fcntl(fd, F_SETSIG, SIGURG))
		return 0;
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
		/* a failure leaves it until close, which changes nothing */
		(void)fcntl(fd, F_SETLEASE, F_UNLCK);
		return 0;
	}
	return errno == EAGAIN;
}

/* read_file's flag: the file is a module (its limit, its writers) */
#define READ_MODULE 1

static int read_regular(const char *path, int flags, struct file_buf *fb,
			struct errbuf *eb)
{
	size_t got = 0;
	int fd;

	memset(fb, 0, sizeof(*fb));
	fb->fault = "unreadable";
	fd = open_regular(
		path, flags & READ_MODULE ? "module files" : "regular files",
		&fb->st, &fb->fault, eb);
	if (fd < 0)
		return -1;
	/* the limit before any allocation: a 2 GiB sparse file is not read */
	if ((flags & READ_MODULE) && (uint64_t)fb->st.st_size > MODULE_MAX) {
		fb->fault = "too-large";
		eb_set(eb, "%llu bytes is " MODULE_LIMIT_FMT,
		       (unsigned long long)fb->st.st_size, MODULE_LIMIT_ARGS);
		goto fail;
	}
	if (!(flags & READ_MODULE) && (uint64_t)fb->st.st_size > MAX_KEYFILE) {
		eb_set(eb, "%llu bytes is too large for a key or certificate",
		       (unsigned long long)fb->st.st_size);
		goto fail;
	}
	if ((flags & READ_MODULE) && open_for_writing(fd)) {
		fb->fault = "being-written";
		eb_set(eb,
		       "another process has it open for writing (still being built or copied?): try again when it is done");
		goto fail;
	}
	fb->len = (size_t)fb->st.st_size;
	fb->file_len = fb->len;
	fb->data = malloc(fb->len ? fb->len : 1);
	if (!fb->data) {
		eb_set(eb, "out of memory reading %zu bytes", fb->len);
		goto fail;
	}
	while (got < fb->len) {
		ssize_t n = read(fd, fb->data + got, fb->len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			eb_set(eb, "read error: %s", strerror(errno));
			goto fail;
		}
		if (n == 0) {
			eb_set(eb, "the file shrank while being read");
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	free(fb->data);
	fb->data = NULL;
	return -1;
}

int read_file(const char *path, struct file_buf *fb, struct errbuf *eb)
{
	return read_regular(path, 0, fb, eb);
}

void file_buf_free(struct file_buf *fb)
{
	free(fb->data);
	fb->data = NULL;
	fb->len = 0;
}

static int write_all(int fd, const struct iovec *iov, int iovcnt)
{
	int i;

	for (i = 0; i < iovcnt; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		while (left) {
			ssize_t n = write(fd, p, left);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -1;
			p += n;
			left -= (size_t)n;
		}
	}
	return 0;
}

void replace_abort(struct pending_replace *r)
{
	if (r->fd >= 0)
		close(r->fd);
	if (r->tmp)
		unlink(r->tmp);
	free(r->tmp);
	free(r->real);
	free(r->dir);
	free(r->warnings);
	r->fd = -1;
	r->tmp = r->real = r->dir = r->warnings = NULL;
}

/* Adds one line to the warnings of a replacement. */
static void add_warning(struct pending_replace *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_warning(struct pending_replace *r, const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;
	char line[ERRBUF_SIZE];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sb_init(&sb);
	if (r->warnings) {
		sb_puts(&sb, r->warnings);
		sb_puts(&sb, "\n");
	}
	sb_puts(&sb, line);
	if (sb.oom) {
		sb_free(&sb);
		return; /* a warning lost to a lack of memory */
	}
	free(r->warnings);
	r->warnings = sb.s;
}

/* The attributes that describe the bytes themselves: kept, they would
 * vouch for the unsigned module (and IMA appraisal would refuse it). */
static int describes_the_bytes(const char *name)
{
	return !strcmp(name, "security.ima") || !strcmp(name, "security.evm");
}

/* Whether fd already carries name = val: a label the new file was given
 * by policy (SELinux) need not be set again, and may not be settable. */
static int has_xattr(int fd, const char *name, const uint8_t *val, size_t len)
{
	int saved = errno, same = 0;
	uint8_t *have = malloc(len + 1);
	ssize_t n;

	if (have) {
		n = fgetxattr(fd, name, have, len + 1);
		same = n >= 0 && (size_t)n == len && !memcmp(have, val, len);
		free(have);
	}
	errno = saved;
	return same;
}

/*
 * Copies the extended attributes of the module (ACLs, SELinux label,
 * user.*) onto its replacement, but for those describing the old bytes,
 * which are dropped with a warning. Returns 0, or -1 with the reason.
 */
static int copy_xattrs(struct pending_replace *r, struct errbuf *eb)
{
	char *names = NULL, *name;
	uint8_t *val = NULL;
	ssize_t nlen, vlen;
	int ret = -1;

	nlen = llistxattr(r->real, NULL, 0);
	if (nlen < 0 && (errno == ENOTSUP || errno == ENODATA))
		return 0;
	if (nlen < 0)
		goto failed;
	if (nlen == 0)
		return 0;
	names = malloc((size_t)nlen);
	if (!names)
		goto oom;
	nlen = llistxattr(r->real, names, (size_t)nlen);
	if (nlen < 0)
		goto failed; /* changed meanwhile (ERANGE): say so */
	for (name = names; name < names + nlen; name += strlen(name) + 1) {
		if (describes_the_bytes(name)) {
			add_warning(
				r,
				"its %s described the unsigned bytes and was dropped; sign it again with evmctl",
				name);
			continue;
		}
		vlen = lgetxattr(r->real, name, NULL, 0);
		if (vlen < 0)
			goto failed_name;
		free(val);
		val = malloc(vlen ? (size_t)vlen : 1);
		if (!val)
			goto oom;
		vlen = lgetxattr(r->real, name, val, (size_t)vlen);
		if (vlen < 0)
			goto failed_name;
		if (fsetxattr(r->fd, name, val, (size_t)vlen, 0) &&
		    !has_xattr(r->fd, name, val, (size_t)vlen))
			goto failed_name;
	}
	ret = 0;
	goto out;
failed_name:
	eb_set(eb, "cannot keep its extended attribute %s: %s", name,
	       strerror(errno));
	goto out;
failed:
	eb_set(eb, "cannot read its extended attributes: %s", strerror(errno));
	goto out;
oom:
	eb_set(eb, "out of memory");
out:
	free(names);
	free(val);
	return ret;
}

/*
 * The new file looks like the module it replaces: the same owner, group
 * and mode, the same extended attributes (copy_xattrs). An owner this
 * process cannot give (not root) is refused rather than silently taken
 * over. A module with other hard links loses them: only the name given
 * gets the new bytes, and a warning says so.
 */
static int keep_attributes(struct pending_replace *r, const struct stat *orig,
			   struct errbuf *eb)
{
	struct stat st;

	/* The owner first: fchown may clear set-id bits that fchmod sets.
	 * Only root may give a file away; others may only choose among
	 * their own groups. */
	if (fchown(r->fd, orig->st_uid, orig->st_gid)) {
		if (errno != EPERM) {
			eb_set(eb, "cannot set the owner of %s: %s", r->tmp,
			       strerror(errno));
			return -1;
		}
		if (fstat(r->fd, &st)) {
			eb_set(eb, "cannot stat %s: %s", r->tmp,
			       strerror(errno));
			return -1;
		}
		if (st.st_uid != orig->st_uid || st.st_gid != orig->st_gid) {
			eb_set(eb,
			       "owned by uid %u gid %u, which only root can keep: sign it as root or as its owner; the module is unchanged",
			       (unsigned)orig->st_uid, (unsigned)orig->st_gid);
			return -1;
		}
	}
	if (fchmod(r->fd, orig->st_mode & 07777)) {
		eb_set(eb, "cannot set the mode of %s: %s", r->tmp,
		       strerror(errno));
		return -1;
	}
	if (copy_xattrs(r, eb))
		return -1;
	if (orig->st_nlink > 1)
		add_warning(
			r,
			"it had %lu hard links; only this name holds the signed module, the other names keep the old bytes",
			(unsigned long)orig->st_nlink);
	return 0;
}

/*
 * Inode flags (chattr, lsattr; FS_IOC_GETFLAGS): those of the module that
 * its replacement keeps, with their lsattr letters. Not kept: i and a,
 * which forbid the replacement itself (module_flags refuses them), and
 * what the file system decides alone (e: extents, E: encrypted, V:
 * verity, N: inline data, I: indexed folder, F, T, D, P: folders').
 */
static const struct {
	int flag;
	char letter;
} kept_flags[] = {
	{ FS_SECRM_FL, 's' },	{ FS_UNRM_FL, 'u' },
	{ FS_SYNC_FL, 'S' },	{ FS_NODUMP_FL, 'd' },
	{ FS_NOATIME_FL, 'A' }, { FS_COMPR_FL, 'c' },
	{ FS_NOCOMP_FL, 'm' },	{ FS_JOURNAL_DATA_FL, 'j' },
	{ FS_NOTAIL_FL, 't' },	{ FS_NOCOW_FL, 'C' },
	{ FS_DAX_FL, 'x' },
};

static int kept_mask(void)
{
	size_t i;
	int m = 0;

	for (i = 0; i < ARRAY_SIZE(kept_flags); i++)
		m |= kept_flags[i].flag;
	return m;
}

/*
 * The module's inode flags into *flags (0 where its file system has
 * none). A module that cannot be replaced (+i immutable, +a append-only:
 * the rename over it fails, even for root) is refused here, before
 * anything is written: -1 with the reason.
 */
static int module_flags(const char *path, const char *real, int *flags,
			struct errbuf *eb)
{
	int fd = open(real, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	const char *what = NULL;
	char f = 0;

	*flags = 0;
	if (fd < 0)
		return 0; /* the rename says what is wrong, if anything */
	if (ioctl(fd, FS_IOC_GETFLAGS, flags))
		*flags = 0; /* no flags there (ENOTTY, EOPNOTSUPP) */
	close(fd);
	if (*flags & FS_IMMUTABLE_FL)
		what = "immutable", f = 'i';
	else if (*flags & FS_APPEND_FL)
		what = "append-only", f = 'a';
	if (!what)
		return 0;
	eb_set(eb,
	       "%s (chattr +%c): it cannot be replaced; run 'chattr -%c %s' first if it should be; the module is unchanged",
	       what, f, f, path);
	return -1;
}

/*
 * Gives the new file the module's own inode flags (kept_flags), and
 * clears those it took from its folder that the module did not have. A
 * flag that cannot be set is said in a warning, not an error: the module
 * is whole and signed without it. Before any byte is written (C, no
 * copy-on-write, takes only on an empty file).
 */
static void keep_flags(struct pending_replace *r, int want)
{
	int have, set, mask = kept_mask();
	char letters[sizeof(kept_flags) / sizeof(kept_flags[0]) + 1];
	size_t i, n = 0;

	if (ioctl(r->fd, FS_IOC_GETFLAGS, &have)) {
		if (!(want & mask))
			return; /* no flags, none wanted */
		have = 0;
		set = want & mask;
	} else {
		set = (have & ~mask) | (want & mask);
		if (set == have)
			return;
		if (ioctl(r->fd, FS_IOC_SETFLAGS, &set) == 0)
			return;
	}
	for (i = 0; i < ARRAY_SIZE(kept_flags); i++)
		if (want & kept_flags[i].flag)
			letters[n++] = kept_flags[i].letter;
	letters[n] = '\0';
	if (n)
		add_warning(
			r,
			"its inode flags (chattr +%s) could not be kept: %s; set them again with chattr",
			letters, strerror(errno));
	else
		add_warning(
			r,
			"the flags its folder gives new files could not be cleared: %s (see lsattr)",
			strerror(errno));
}

int replace_begin(const char *path, const struct stat *orig,
		  const struct iovec *iov, int iovcnt,
		  struct pending_replace *r, struct errbuf *eb)
{
	const char *base;
	char *slash;
	size_t n;
	int tries, flags;
	struct stat st;

	r->fd = -1;
	r->tmp = r->dir = r->warnings = NULL;
	r->bytes = 0;
	r->real = realpath(path, NULL);
	if (!r->real) {
		eb_set(eb, "cannot resolve the path: %s", strerror(errno));
		return -1;
	}
	if (module_flags(path, r->real, &flags, eb))
		goto fail;
	slash = strrchr(r->real, '/');
	base = slash + 1; /* realpath gives an absolute path */
	r->dir = folder_of(r->real);
	n = strlen(r->real) + sizeof(TEMP_MARK) + 8;
	r->tmp = malloc(n);
	if (!r->dir || !r->tmp) {
		eb_set(eb, "out of memory");
		goto fail;
	}
	for (tries = 0;; tries++) {
		snprintf(r->tmp, n, "%s/.%s" TEMP_MARK "XXXXXX", r->dir, base);
		r->fd = mkostemp(r->tmp, O_CLOEXEC);
		if (r->fd < 0) {
			eb_set(eb, "cannot create a temporary file in %s: %s",
			       r->dir, strerror(errno));
			goto fail;
		}
		/* The lock says "in use" to clean_stale_temps. Had one run
		 * between mkostemp and flock, it removed the name: the file
		 * then has no link left, and a new name is needed. */
		if (flock(r->fd, LOCK_EX | LOCK_NB) == 0 &&
		    fstat(r->fd, &st) == 0 && st.st_nlink > 0)
			break;
		close(r->fd);
		r->fd = -1;
		if (tries == 3) {
			eb_set(eb, "cannot lock a temporary file in %s",
			       r->dir);
			goto fail;
		}
	}
	keep_flags(r, flags);
	if (keep_attributes(r, orig, eb))
		goto fail;
	if (write_all(r->fd, iov, iovcnt)) {
		eb_set(eb, "cannot write %s: %s", r->tmp, strerror(errno));
		goto fail;
	}
	for (tries = 0; tries < iovcnt; tries++)
		r->bytes += iov[tries].iov_len;
	/* No sync_file_range to start the write-back early: measured, it
	 * only moved that work onto the workers, whose CPU time is the
	 * scarce one; replace_sync's fsync does it. */
	return 0;
fail:
	replace_abort(r);
	return -1;
}

int replace_sync(struct pending_replace *r, struct errbuf *eb)
{
	if (fsync(r->fd)) {
		eb_set(eb, "cannot sync %s: %s", r->tmp, strerror(errno));
		replace_abort(r);
		return -1;
	}
	return 0;
}

int replace_finish(struct pending_replace *r, struct errbuf *eb)
{
	int fd = r->fd;

	if (rename(r->tmp, r->real)) {
		eb_set(eb, "cannot rename %s over the module: %s", r->tmp,
		       strerror(errno));
		replace_abort(r);
		return -1;
	}
	/* the lock goes with the last descriptor; the name is the module's */
	r->fd = -1;
	if (close(fd)) {
		eb_set(eb, "replaced, but closing %s failed: %s", r->real,
		       strerror(errno));
		free(r->tmp);
		r->tmp = NULL;
		replace_abort(r);
		return -1;
	}
	free(r->tmp);
	r->tmp = NULL;
	return 0;
}

int sync_dir(const char *dir, struct errbuf *eb)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return 0; /* nothing to sync through; the rename happened */
	if (fsync(dfd) && errno != EINVAL) {
		eb_set(eb, "replaced, but cannot sync the folder %s: %s", dir,
		       strerror(errno));
		close(dfd);
		return -1;
	}
	close(dfd);
	return 0;
}

int sync_fs(int fd, struct errbuf *eb)
{
	if (syncfs(fd)) {
		eb_set(eb, "cannot sync its file system: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void print_warnings(const char *path, const char *warnings)
{
	const char *p = warnings, *nl;

	while (p && *p) {
		nl = strchr(p, '\n');
		fprintf(stderr, "modsign: warning: %s: %.*s\n", path,
			(int)(nl ? nl - p : (ptrdiff_t)strlen(p)), p);
		p = nl ? nl + 1 : NULL;
	}
}

int replace_file(const char *path, const struct stat *orig,
		 const struct iovec *iov, int iovcnt, struct errbuf *eb)
{
	struct pending_replace r;
	int ret;

	if (replace_begin(path, orig, iov, iovcnt, &r, eb))
		return -1;
	if (replace_sync(&r, eb) || replace_finish(&r, eb))
		return -1;
	print_warnings(path, r.warnings);
	/* make the rename itself durable */
	ret = sync_dir(r.dir, eb);
	replace_abort(&r); /* frees the paths; the temporary name is gone */
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The real folder of path (links resolved), malloc'ed; NULL when the
 * path does not resolve (the module's own error will say why). */
static char *real_folder(const char *path)
{
	char *real = realpath(path, NULL), *dir;

	if (!real)
		return NULL;
	dir = folder_of(real);
	free(real);
	return dir;
}

/* Room for n more descriptors: the soft limit raised towards the hard
 * one (a tree of kernel modules has some 400 folders). */
static void room_for_descriptors(size_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= n + 256)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > n + 256 ?
			      n + 256 :
			      rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int lock_folders(char *const *paths, size_t n, struct folder_locks *fl,
		 struct errbuf *eb)
{
	const char *skip = getenv("MODSIGN_NO_LOCK");
	char **dirs;
	size_t i, nd = 0;
	int ret = -1;

	memset(fl, 0, sizeof(*fl));
	if (skip && !strcmp(skip, "1"))
		return 0; /* the caller holds them (sign-modules.sh) */
	dirs = calloc(n ? n : 1, sizeof(*dirs));
	fl->fds = calloc(n ? n : 1, sizeof(*fl->fds));
	if (!dirs || !fl->fds) {
		eb_set(eb, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		dirs[nd] = real_folder(paths[i]);
		if (dirs[nd])
			nd++;
	}
	/* one order for every run: two runs never wait for each other */
	qsort(dirs, nd, sizeof(*dirs), cmp_str);
	room_for_descriptors(nd);
	for (i = 0; i < nd; i++) {
		int fd;

		if (i && !strcmp(dirs[i], dirs[i - 1]))
			continue;
		fd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			eb_set(eb, "cannot lock the folder %s: %s", dirs[i],
			       strerror(errno));
			goto out;
		}
		fl->fds[fl->n++] = fd;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			continue;
		if (errno == EWOULDBLOCK) {
			fprintf(stderr,
				"modsign: waiting for another signing run in %s (it holds the folder's lock)\n",
				dirs[i]);
			while (flock(fd, LOCK_EX) && errno == EINTR)
				;
			if (flock(fd, LOCK_EX | LOCK_NB) == 0)
				continue;
		}
		eb_set(eb, "cannot lock the folder %s: %s", dirs[i],
		       strerror(errno));
		goto out;
	}
	ret = 0;
out:
	for (i = 0; i < nd; i++)
		free(dirs[i]);
	free(dirs);
	if (ret)
		unlock_folders(fl);
	return ret;
}

void unlock_folders(struct folder_locks *fl)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		close(fl->fds[i]);
	free(fl->fds);
	memset(fl, 0, sizeof(*fl));
}

/* ".NAME.modsign-XXXXXX", the shape of replace_begin's file names */
static int is_temp_name(const char *name)
{
	size_t n = strlen(name), m = sizeof(TEMP_MARK) - 1;

	return name[0] == '.' && n > 1 + m + 6 &&
	       !memcmp(name + n - 6 - m, TEMP_MARK, m);
}

int clean_stale_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	int removed = 0, fd;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (!is_temp_name(e->d_name))
			continue;
		fd = openat(dirfd(d), e->d_name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* locked: a running modsign is writing it */
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0 &&
		    unlinkat(dirfd(d), e->d_name, 0) == 0)
			removed++;
		close(fd);
	}
	closedir(d);
	return removed;
}

/*
 * The module bytes (before its signatures) must hold the whole ELF image
 * its headers describe: a module cut short, or still being written, is
 * refused here rather than signed or called good.
 */
static int check_whole(struct file_buf *fb, struct errbuf *eb)
{
	enum trailer_status inner;
	enum elf_fit fit;
	struct elf_cut cut;
	size_t base;

	trailer_count(fb->data, fb->len, &base, &inner);
	/* a damaged trailer, or no ELF at all: the commands say so */
	if (inner != TRAILER_UNSIGNED)
		return 0;
	fit = elf_check_whole(fb->data, base, &cut);
	if (fit != ELF_CUT && fit != ELF_BAD_IDENT)
		return 0;
	fb->fault = fit == ELF_CUT ? "truncated" : "damaged";
	elf_explain(fit, &cut, base,
		    base < fb->len	  ? "the module before its signature" :
		    fb->comp != COMP_NONE ? "the decompressed module" :
					    "the file",
		    eb->msg, sizeof(eb->msg));
	return -1;
}

int read_module(const char *path, struct file_buf *fb, struct errbuf *eb)
{
	uint8_t *plain;
	size_t plain_len;
	enum comp_type c;
	int r;

	if (read_regular(path, READ_MODULE, fb, eb))
		return -1;
	c = comp_detect(fb->data, fb->len);
	if (c != COMP_NONE) {
		r = comp_decompress(c, fb->data, fb->len, &plain, &plain_len,
				    eb);
		if (r) {
			fb->fault = r == -2 ? "too-large" : "damaged";
			file_buf_free(fb);
			return -1;
		}
		fb->comp_kernel_ok = comp_kernel_ok(c, fb->data, fb->len);
		free(fb->data);
		fb->data = plain;
		fb->len = plain_len;
		fb->comp = c;
	}
	if (check_whole(fb, eb)) {
		file_buf_free(fb);
		return -1;
	}
	fb->fault = NULL;
	return 0;
}

int replace_module(const char *path, const struct file_buf *fb,
		   const struct iovec *iov, int iovcnt, struct errbuf *eb)
{
	struct iovec one;
	uint8_t *z;
	size_t zlen;
	int ret;

	if (fb->comp == COMP_NONE)
		return replace_file(path, &fb->st, iov, iovcnt, eb);
	if (comp_compress(fb->comp, iov, iovcnt, &z, &zlen, eb))
		return -1;
	one.iov_base = z;
	one.iov_len = zlen;
	ret = replace_file(path, &fb->st, &one, 1, eb);
	free(z);
	return ret;
}
