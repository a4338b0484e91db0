/*
 * fileio.h - whole reads and writes, atomic replacement of files, and the
 * list of temporary files removed if the process is interrupted.
 *
 * An output is written to "NAME.tmp.PID", fsynced, then renamed over NAME
 * and the directory fsynced: a reader sees the old file or the new one,
 * never half of one. Temporary names are registered so that the signal
 * handler can unlink them (unlink is async-signal-safe).
 */
#ifndef DV_FILEIO_H
#define DV_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform/error.h"

/* Write or read exactly len bytes, retrying on EINTR and short counts. */
int write_full(int fd, const void *buf, size_t len);
ssize_t read_full(int fd, void *buf, size_t len);   /* < len only at EOF */
int pwrite_full(int fd, const void *buf, size_t len, uint64_t off);
ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off);
/* pread_full, with the part past the end of the file zero-filled. */
int pread_zero_fill(int fd, void *buf, size_t len, uint64_t off);

/* Read a small file (at most max bytes) into a NUL-terminated malloc'd
 * buffer. Returns 0, or -1 with err set (DV_ERR_NOTFOUND when missing). */
int read_small_file(const char *path, size_t max, char **text, size_t *len,
		    struct dv_error *err);

struct atomic_file {
	char path[4096];
	char tmp[4200];
	int fd;
};

int atomic_open(struct atomic_file *af, const char *path, int mode, struct dv_error *err);
/* fsync, rename into place, fsync the directory; closes af->fd. */
int atomic_commit(struct atomic_file *af, struct dv_error *err);
/* Close and unlink the temporary file. Safe to call after commit. */
void atomic_abort(struct atomic_file *af);
int write_file_atomic(const char *path, const void *data, size_t len, int mode,
		      struct dv_error *err);

/* Temporary paths to unlink if the process dies by signal. */
void tmpfile_register(const char *path);
void tmpfile_unregister(const char *path);
/* Called from the signal handler: unlink every registered path. */
void tmpfile_cleanup_signal_safe(void);

int fsync_dir_of(const char *path);
/* The last component of a path ("a/b/c" -> "c"). */
const char *path_base(const char *path);
/* 1 when s ends with suffix. */
int str_ends_with(const char *s, const char *suffix);

/* mkdir -p */
int mkdir_p(const char *path, int mode, struct dv_error *err);
/* rm -rf (no symlink following); returns 0 when gone. */
int remove_tree(const char *path);

#endif
