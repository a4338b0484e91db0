/*
 * burnjob.c - burn one image file, read it back, hash both.
 *
 * The image is read once: the bytes handed to the drive are hashed on the
 * way, so the comparison after read-back is against exactly what was
 * written, with no second pass over the source. Buffers are fixed-size
 * (4 MiB), so memory does not grow with the image.
 */
#include "engine/drive/burnjob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/hash/hash.h"
#include "platform/fileio.h"
#include "platform/progress.h"
#include "platform/banned.h"

#define CHUNK (4u << 20)

int image_check(const char *path, uint64_t *size, int *looks_iso, struct dv_error *err)
{
	struct stat st;
	char sig[8];
	int fd;

	*size = 0;
	if (looks_iso)
		*looks_iso = 0;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return dv_error_set(err, DV_ERR_NOTFOUND, "File not found: '%s'", path);
		return dv_error_errno(err, errno, "cannot access '%s'", path);
	}
	if (S_ISDIR(st.st_mode))
		return dv_error_set(err, DV_ERR_USAGE, "'%s' is a directory, not an image file", path);
	if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode))
		return dv_error_set(err, DV_ERR_USAGE,
			"'%s' is a device node, not an image file (rip it to an image first)", path);
	if (!S_ISREG(st.st_mode))
		return dv_error_set(err, DV_ERR_USAGE, "'%s' is not a regular file", path);
	if (st.st_size == 0)
		return dv_error_set(err, DV_ERR_USAGE, "'%s' is empty", path);
	if (st.st_size % DRIVE_SECTOR)
		return dv_error_set(err, DV_ERR_USAGE,
			"'%s' is %lld bytes, not a whole number of 2048-byte sectors: not a disc image",
			path, (long long)st.st_size);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dv_error_errno(err, errno, "cannot read '%s'", path);
	if (looks_iso && pread_full(fd, sig, 5, 16 * DRIVE_SECTOR + 1) == 5 &&
	    (!memcmp(sig, "CD001", 5) || !memcmp(sig, "BEA01", 5)))
		*looks_iso = 1;
	close(fd);
	*size = (uint64_t)st.st_size;
	return 0;
}

struct file_reader {
	int fd;
	struct hashset hs;
	struct hash_worker *hasher;
	char *copy[2];           /* what the hasher works on */
	size_t copy_size;
	int k;
	uint64_t done;
	int failed_errno;
};

/* The drive may free or refill its buffer as soon as we return, so the
 * hasher gets a copy (alternating between two) and runs while the drive
 * writes. */
static ssize_t file_reader_read(void *ctx, void *buf, size_t len)
{
	struct file_reader *r = ctx;
	ssize_t n = read_full(r->fd, buf, len);

	if (n < 0) {
		r->failed_errno = errno;
		return -1;
	}
	for (size_t at = 0; at < (size_t)n; ) {
		size_t part = (size_t)n - at < r->copy_size ? (size_t)n - at : r->copy_size;
		hash_worker_wait(r->hasher);    /* copy[k] was handed over two turns ago */
		memcpy(r->copy[r->k], (char *)buf + at, part);
		hash_worker_submit(r->hasher, r->copy[r->k], part);
		r->k ^= 1;
		at += part;
	}
	r->done += (uint64_t)n;
	return n;
}

static void burn_progress(void *ctx, uint64_t done, uint64_t total)
{
	progress_update(ctx, done);
}

int burn_image_file(struct drive *d, const char *path, uint64_t size, int speed_kbps,
		    volatile int *cancel, struct burn_result *res, struct dv_error *err)
{
	struct file_reader r = { .fd = -1 };
	struct write_source src;
	struct write_opts opts;
	struct progress *bar = NULL;
	double start = now_monotonic();
	int rc = -1;

	memset(res, 0, sizeof(*res));
	r.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r.fd < 0)
		return dv_error_errno(err, errno, "cannot read '%s'", path);
	posix_fadvise(r.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (hashset_init(&r.hs, HASH_SHA256, err) < 0)
		goto out;
	r.copy_size = CHUNK;
	r.copy[0] = malloc(CHUNK);
	r.copy[1] = malloc(CHUNK);
	if (!r.copy[0] || !r.copy[1]) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	if (hash_worker_start(&r.hasher, &r.hs, err) < 0)
		goto out;
	src.size = size;
	src.path = path;
	src.read = file_reader_read;
	src.ctx = &r;
	bar = progress_new("Burning", size);
	memset(&opts, 0, sizeof(opts));
	opts.speed_kbps = speed_kbps;
	opts.progress = burn_progress;
	opts.progress_ctx = bar;
	opts.cancel = cancel;
	rc = drive_write(d, &src, &opts, err);
	hash_worker_stop(r.hasher);
	r.hasher = NULL;
	if (rc < 0) {
		rc = -1;
		if (r.failed_errno)
			dv_error_errno(err, r.failed_errno, "cannot read '%s'", path);
		goto out;
	}
	/* backends that burn by file name (macOS) never call read(): hash
	 * the file itself then */
	if (r.done == 0) {
		hashset_release(&r.hs);
		if (file_sha256(path, res->sha256, err) < 0)
			goto out;
	} else if (r.done != size) {
		dv_error_set(err, DV_ERR_FAIL, "only %llu of %llu bytes were sent to the drive",
			     (unsigned long long)r.done, (unsigned long long)size);
		goto out;
	} else {
		if (hashset_final(&r.hs, err) < 0)
			goto out;
		snprintf(res->sha256, sizeof(res->sha256), "%s", hashset_hex(&r.hs, HASH_SHA256));
	}
	res->seconds = now_monotonic() - start;
	rc = 0;
out:
	if (rc == 0)
		progress_finish(bar);
	else
		progress_abort(bar);
	hash_worker_stop(r.hasher);
	hashset_release(&r.hs);
	free(r.copy[0]);
	free(r.copy[1]);
	close(r.fd);
	return rc;
}

int readback_sha256(struct drive *d, uint64_t size, volatile int *cancel,
		    char hex[65], double *seconds, struct dv_error *err)
{
	struct hashset hs;
	struct hash_worker *hasher = NULL;
	struct progress *bar;
	char *buf = malloc(2 * (size_t)CHUNK);
	uint64_t off = 0;
	double start = now_monotonic();
	int rc = -1, k = 0;

	if (!buf)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	if (hashset_init(&hs, HASH_SHA256, err) < 0) {
		free(buf);
		return -1;
	}
	if (hash_worker_start(&hasher, &hs, err) < 0) {
		hashset_release(&hs);
		free(buf);
		return -1;
	}
	bar = progress_new("Verifying", size);
	/* two buffers: one is read into while the other is hashed */
	while (off < size) {
		size_t want = size - off < CHUNK ? (size_t)(size - off) : CHUNK, got = 0;
		char *b = buf + (size_t)k * CHUNK;
		if (cancel && *cancel) {
			dv_error_set(err, DV_ERR_INTERRUPTED, "verification interrupted");
			goto out;
		}
		if (drive_read(d, off, b, want, &got, err) < 0) {
			dv_error_prefix(err, "cannot read the disc back");
			goto out;
		}
		hash_worker_submit(hasher, b, want);
		k ^= 1;
		off += want;
		progress_update(bar, off);
	}
	hash_worker_stop(hasher);
	hasher = NULL;
	if (hashset_final(&hs, err) < 0)
		goto out;
	snprintf(hex, 65, "%s", hashset_hex(&hs, HASH_SHA256));
	if (seconds)
		*seconds = now_monotonic() - start;
	rc = 0;
out:
	if (rc == 0)
		progress_finish(bar);
	else
		progress_abort(bar);
	hash_worker_stop(hasher);
	hashset_release(&hs);
	free(buf);
	return rc;
}

int file_sha256(const char *path, char hex[65], struct dv_error *err)
{
	char full[HASH_HEX_MAX];

	if (hash_file(path, HASH_SHA256, full, err) < 0)
		return -1;
	memcpy(hex, full, 64);
	hex[64] = '\0';
	return 0;
}
