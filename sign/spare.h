/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spare.h - the inodes a batch's replaced modules leave behind, kept to
 * become the batch's next temporary files.
 *
 * Why: rename(2) over a module frees the old inode, and the next temporary
 * file allocates a new one. On ext4 without a journal, every allocation
 * skips, one by one, each inode of its block group freed in the last few
 * minutes (recently_deleted() in fs/ext4/ialloc.c), so a batch of N
 * modules costs O(N^2) there: measured, 30% of `modsign sign -j 1` over
 * Debian's 4023 modules went to __ext4_new_inode. While a pool is open,
 * replace_finish swaps the new file in with renameat2(RENAME_EXCHANGE)
 * instead, and hands the old inode, now under the temporary name, to the
 * pool; replace_begin takes a spare before it creates a file.
 *
 * A spare is the old module's inode, so it is reused only when that is
 * invisible: a regular file with one link, no extended attributes (no
 * ACL, no security label, no IMA signature to carry over), owned by the
 * caller (or the caller has CAP_LEASE), and open nowhere else, which a
 * write lease (fcntl F_SETLEASE) proves at the moment it is taken. And
 * since a new file takes things from its folder, it moves only between
 * folders of one file system with the same inheritable inode flags, none
 * of them set-group-ID or with a default ACL. Any doubt, and the spare is
 * simply removed, as rename(2) would have done.
 *
 * Spares are temporary files by name (".NAME.modsign-XXXXXX") and are
 * locked while in the pool, so a run killed with spares in hand leaves
 * only what clean_stale_temps removes.
 */
#ifndef MODSIGN_SPARE_H
#define MODSIGN_SPARE_H

#include <sys/types.h>

/* Opens the pool for up to max spares. Not nested. */
void spare_pool_open(size_t max);

/* Removes every spare left and closes the pool. */
void spare_pool_close(void);

/* Whether a pool is open. */
int spare_pool_is_open(void);

/*
 * spare_take - a spare for folder dir, renamed to a fresh temporary name
 * next to the file base there, emptied and locked. Returns its descriptor
 * (open for writing) and the name in *tmp (malloc'ed), or -1 when there is
 * none to use.
 */
int spare_take(const char *dir, const char *base, char **tmp);

/*
 * spare_give - tmp, in folder dir, names the inode a RENAME_EXCHANGE just
 * took out of place: keep it as a spare, or remove it. Frees tmp.
 */
void spare_give(char *tmp, const char *dir);

#endif
