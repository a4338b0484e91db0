/*
 * fileio.c - whole reads and writes, atomic files, temp-file cleanup.
 */
#include "platform/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/banned.h"

int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, p + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, p + done, len - done, (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int pread_zero_fill(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread_full(fd, buf, len, off);

	if (n < 0)
		return -1;
	memset((char *)buf + n, 0, len - (size_t)n);
	return 0;
}

int read_small_file(const char *path, size_t max, char **text, size_t *len,
		    struct dv_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	ssize_t n;

	*text = NULL;
	if (len)
		*len = 0;
	if (fd < 0)
		return dv_error_errno(err, errno, "cannot open '%s'", path);
	buf = malloc(max + 1);
	if (!buf) {
		close(fd);
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	}
	n = read_full(fd, buf, max + 1);
	if (n < 0) {
		int e = errno;
		free(buf);
		close(fd);
		return dv_error_errno(err, e, "cannot read '%s'", path);
	}
	close(fd);
	if ((size_t)n > max) {
		free(buf);
		return dv_error_set(err, DV_ERR_FAIL, "'%s' is larger than %zu bytes", path, max);
	}
	buf[n] = '\0';
	*text = buf;
	if (len)
		*len = (size_t)n;
	return 0;
}

/* ---- registered temporary files ---- */

#define MAX_TMPFILES 64
static char tmp_paths[MAX_TMPFILES][4200];
static volatile sig_atomic_t tmp_used[MAX_TMPFILES];

void tmpfile_register(const char *path)
{
	for (int i = 0; i < MAX_TMPFILES; i++) {
		if (!tmp_used[i]) {
			snprintf(tmp_paths[i], sizeof(tmp_paths[i]), "%s", path);
			tmp_used[i] = 1;
			return;
		}
	}
}

void tmpfile_unregister(const char *path)
{
	for (int i = 0; i < MAX_TMPFILES; i++) {
		if (tmp_used[i] && !strcmp(tmp_paths[i], path)) {
			tmp_used[i] = 0;
			return;
		}
	}
}

void tmpfile_cleanup_signal_safe(void)
{
	for (int i = 0; i < MAX_TMPFILES; i++)
		if (tmp_used[i])
			unlink(tmp_paths[i]);
}

/* ---- atomic files ---- */

int fsync_dir_of(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int atomic_open(struct atomic_file *af, const char *path, int mode, struct dv_error *err)
{
	if (strlen(path) >= sizeof(af->path))
		return dv_error_set(err, DV_ERR_USAGE, "path too long: '%s'", path);
	snprintf(af->path, sizeof(af->path), "%s", path);
	snprintf(af->tmp, sizeof(af->tmp), "%s.tmp.%ld", path, (long)getpid());
	af->fd = open(af->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (af->fd < 0)
		return dv_error_errno(err, errno, "cannot create '%s'", af->tmp);
	tmpfile_register(af->tmp);
	return 0;
}

int atomic_commit(struct atomic_file *af, struct dv_error *err)
{
	if (fsync(af->fd) < 0 && errno != EINVAL) {
		int e = errno;
		atomic_abort(af);
		return dv_error_errno(err, e, "cannot write '%s'", af->path);
	}
	if (close(af->fd) < 0) {
		int e = errno;
		af->fd = -1;
		atomic_abort(af);
		return dv_error_errno(err, e, "cannot write '%s'", af->path);
	}
	af->fd = -1;
	if (rename(af->tmp, af->path) < 0) {
		int e = errno;
		atomic_abort(af);
		return dv_error_errno(err, e, "cannot rename '%s' to '%s'", af->tmp, af->path);
	}
	tmpfile_unregister(af->tmp);
	fsync_dir_of(af->path);
	return 0;
}

void atomic_abort(struct atomic_file *af)
{
	if (af->fd >= 0) {
		close(af->fd);
		af->fd = -1;
	}
	unlink(af->tmp);
	tmpfile_unregister(af->tmp);
}

int write_file_atomic(const char *path, const void *data, size_t len, int mode,
		      struct dv_error *err)
{
	struct atomic_file af;

	if (atomic_open(&af, path, mode, err) < 0)
		return -1;
	if (write_full(af.fd, data, len) < 0) {
		int e = errno;
		atomic_abort(&af);
		return dv_error_errno(err, e, "cannot write '%s'", path);
	}
	return atomic_commit(&af, err);
}

const char *path_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int str_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

int mkdir_p(const char *path, int mode, struct dv_error *err)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return dv_error_set(err, DV_ERR_USAGE, "path too long: '%s'", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
			return dv_error_errno(err, errno, "cannot create directory '%s'", buf);
		*p = '/';
	}
	if (mkdir(buf, (mode_t)mode) < 0 && errno != EEXIST)
		return dv_error_errno(err, errno, "cannot create directory '%s'", buf);
	return 0;
}

int remove_tree(const char *path)
{
	struct stat st;
	DIR *dir;
	struct dirent *de;
	int rc = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		char child[4096];
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >= sizeof(child)) {
			rc = -1;
			continue;
		}
		if (remove_tree(child) < 0)
			rc = -1;
	}
	closedir(dir);
	if (rmdir(path) < 0)
		rc = -1;
	return rc;
}
