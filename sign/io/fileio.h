/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fileio.h - the file side: read a module, replace it atomically, lock
 * folders (keys and certificates: keyload.h).
 */
#ifndef MODSIGN_FILEIO_H
#define MODSIGN_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "compress.h"
#include "util.h"

struct file_buf {
	uint8_t *data; /* malloc'ed, len bytes (at least 1 allocated) */
	size_t len;
	struct stat st;
	/* read_module: how the file is compressed (data is then the
	 * decompressed module) and how many bytes it has on disk */
	enum comp_type comp;
	size_t file_len;
	int comp_kernel_ok; /* comp_kernel_ok() of the bytes on disk */
	/* why read_module failed, a word for scripts: "unreadable",
	 * "not-a-file", "busy", "too-large", "being-written", "truncated",
	 * "damaged"; NULL when it did not */
	const char *fault;
};

/*
 * Reads a whole regular file (a key or certificate: at most 16 MiB).
 * Anything else (FIFO, device, socket, folder) is refused without being
 * opened, and opening never waits (O_NONBLOCK): a file another process
 * holds a lease on is "busy". Returns 0, or -1 with the reason in *eb.
 */
int read_file(const char *path, struct file_buf *fb, struct errbuf *eb);
void file_buf_free(struct file_buf *fb);

/*
 * read_module - read_file for a module, then, when the bytes are xz, zstd
 * or gzip data (told by their magic, as kmod and the kernel do), the
 * decompressed module in data/len and the format in comp. Refused, with
 * fb->fault saying why: a file or decompressed module of more than
 * MODULE_MAX bytes (before it is allocated, or as soon as decompression
 * passes it); a file another process has open for writing, when a read
 * lease can tell; a module whose ELF image (before its signatures) is not
 * whole (elf_check_whole).
 */
int read_module(const char *path, struct file_buf *fb, struct errbuf *eb);

/*
 * replace_module - replace_file for a module read with read_module: the
 * new bytes are compressed again in the file's format (fb->comp) first.
 */
int replace_module(const char *path, const struct file_buf *fb,
		   const struct iovec *iov, int iovcnt, struct errbuf *eb);

/*
 * replace_file - atomically replace path with the concatenation of iov: a
 * temporary file in the same folder, the original's owner, group, mode and
 * extended attributes, fsync, rename over the original, fsync of the
 * folder. The original is untouched when anything fails. A symbolic link
 * is followed: the file it points to is replaced, the link stays.
 *
 * What cannot be kept: an owner only root could give (refused: the module
 * stays as it is); security.ima and security.evm, which describe the old
 * bytes (dropped); other hard links (they keep the old bytes). The last
 * two are warnings, printed by replace_file as "modsign: warning: PATH:
 * ..." and left by replace_begin in r->warnings for its caller.
 */
int replace_file(const char *path, const struct stat *orig,
		 const struct iovec *iov, int iovcnt, struct errbuf *eb);

/*
 * replace_file in two steps, for callers that sync many files at once.
 *
 * replace_begin writes the temporary file (".NAME.modsign-XXXXXX" next to
 * the target), holding an flock(2) on it while it exists under that name;
 * nothing is synced yet. replace_sync syncs it
 * (fsync), replace_finish renames it over the target and closes it; the
 * caller then syncs the folder (sync_dir on r->dir), then frees the paths
 * with replace_abort. replace_abort removes the temporary file if it is
 * still there. On failure, each step cleans up as replace_abort does.
 *
 * A process killed between the two leaves the temporary file behind, never
 * half a module; clean_stale_temps removes such leftovers: a temporary
 * file nobody holds a lock on belongs to no running modsign.
 */
/* The temporary files of replace_begin are ".NAME" TEMP_MARK "XXXXXX". */
#define TEMP_MARK ".modsign-"

struct pending_replace {
	int fd;
	char *tmp; /* the temporary file's path */
	char *real; /* the target, symbolic links resolved */
	char *dir; /* the folder both are in */
	char *warnings; /* NULL, or lines of what could not be kept */
	size_t bytes; /* how many bytes replace_begin wrote */
};

int replace_begin(const char *path, const struct stat *orig,
		  const struct iovec *iov, int iovcnt,
		  struct pending_replace *r, struct errbuf *eb);
int replace_sync(struct pending_replace *r, struct errbuf *eb);
int replace_finish(struct pending_replace *r, struct errbuf *eb);
void replace_abort(struct pending_replace *r);
/* Prints each line of warnings as "modsign: warning: PATH: LINE". */
void print_warnings(const char *path, const char *warnings);
/* fsync of a folder, so that a rename in it is durable */
int sync_dir(const char *dir, struct errbuf *eb);
/* syncfs(2) of the file system fd is on: every file, folder and rename
 * on it written to the disk (the disk's cache flushed), in one call.
 * Returns 0, or -1 with the reason (a write-back error) in *eb. */
int sync_fs(int fd, struct errbuf *eb);

/*
 * lock_folders - one signing run at a time in a folder: an exclusive
 * flock(2) on the (real) folder of each path, taken in sorted order and
 * held until unlock_folders. A folder another run holds is waited for,
 * after "modsign: waiting for another signing run in DIR" on stderr.
 * sign-modules.sh takes the same locks; it sets MODSIGN_NO_LOCK=1 for
 * the modsign it runs, which then takes none. Returns 0, or -1 with the
 * reason in *eb.
 */
struct folder_locks {
	int *fds;
	size_t n;
};

int lock_folders(char *const *paths, size_t n, struct folder_locks *fl,
		 struct errbuf *eb);
void unlock_folders(struct folder_locks *fl);

/* Removes the stale temporary files of replace_begin in folder dir, those
 * that no process holds a lock on. Returns how many it removed. */
int clean_stale_temps(const char *dir);

#endif
