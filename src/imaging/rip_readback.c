/*
 * rip_readback.c - the read-back check of a rip, overlapped with the read
 * of the disc. A thread of its own follows the writer through the image
 * file: each range, once written, is flushed to storage, dropped from the
 * page cache and read back through a descriptor of its own, and hashed
 * with SHA-256. The digest is compared with the SHA-256 of the bytes read
 * from the disc, as a separate pass after the read would, but the work
 * fills the time the read leaves a CPU idle instead of adding a pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaging/rip.h"
#include "platform/fileio.h"
#include "platform/banned.h"

#define SEG (16u << 20)		/* bytes read back at a time */
#define BUF (256u << 10)	/* each read: stays in the L2 cache for SHA-256 */

struct rip_readback {
	pthread_t th;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int fd;
	uint64_t size;
	uint64_t written;	/* bytes [0, written) are in the file */
	uint64_t done;		/* bytes read back and hashed */
	int final;		/* no more writes: read back what is left */
	int stop, failed;
	struct dv_error err;
	struct hashset hs;
	unsigned char *buf;
	char path[4200];
};

/* Put [off, off + len) on storage and out of the page cache, so that the
 * read that follows comes from storage. */
static int flush_and_drop(struct rip_readback *rb, uint64_t off, uint64_t len)
{
#ifdef __linux__
	if (sync_file_range(rb->fd, (off_t)off, (off_t)len,
			    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
			    SYNC_FILE_RANGE_WAIT_AFTER) < 0) {
		if (errno != EINVAL && errno != ESPIPE && errno != ENOSYS)
			return dv_error_errno(&rb->err, errno, "cannot flush '%s'", rb->path);
		if (fdatasync(rb->fd) < 0)
			return dv_error_errno(&rb->err, errno, "cannot flush '%s'", rb->path);
	}
#else
	if (fsync(rb->fd) < 0)
		return dv_error_errno(&rb->err, errno, "cannot flush '%s'", rb->path);
#endif
#ifdef POSIX_FADV_DONTNEED
	posix_fadvise(rb->fd, (off_t)off, (off_t)len, POSIX_FADV_DONTNEED);
#endif
	return 0;
}

static int read_range(struct rip_readback *rb, uint64_t off, uint64_t end)
{
	if (flush_and_drop(rb, off, end - off) < 0)
		return -1;
	while (off < end) {
		size_t len = end - off < BUF ? (size_t)(end - off) : BUF;
		ssize_t n = pread_full(rb->fd, rb->buf, len, off);

		if (n < 0)
			return dv_error_errno(&rb->err, errno, "cannot read '%s' back", rb->path);
		if ((size_t)n < len)
			return dv_error_set(&rb->err, DV_ERR_MISMATCH,
					    "'%s' is shorter than %llu bytes", rb->path,
					    (unsigned long long)rb->size);
		hashset_update(&rb->hs, rb->buf, len);
		off += len;
	}
	return 0;
}

static void *readback_main(void *arg)
{
	struct rip_readback *rb = arg;

	pthread_mutex_lock(&rb->lock);
	for (;;) {
		uint64_t from, end;
		int rc;

		while (!rb->stop && !rb->final && rb->written - rb->done < SEG)
			pthread_cond_wait(&rb->cond, &rb->lock);
		if (rb->stop || rb->done == rb->written)
			break;
		from = rb->done;
		end = rb->written - from < SEG ? rb->written : from + SEG;
		pthread_mutex_unlock(&rb->lock);
		rc = read_range(rb, from, end);
		pthread_mutex_lock(&rb->lock);
		if (rc < 0) {
			rb->failed = 1;
			break;
		}
		rb->done = end;
	}
	pthread_mutex_unlock(&rb->lock);
	return NULL;
}

int rip_readback_start(struct rip_readback **out, const char *path, uint64_t size,
		       struct dv_error *err)
{
	struct rip_readback *rb = calloc(1, sizeof(*rb));

	*out = NULL;
	if (!rb)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	rb->size = size;
	rb->err = (struct dv_error)DV_ERROR_INIT;
	snprintf(rb->path, sizeof(rb->path), "%s", path);
	rb->buf = malloc(BUF);
	if (!rb->buf) {
		free(rb);
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	}
	if (hashset_init(&rb->hs, HASH_SHA256, err) < 0)
		goto fail;
	rb->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (rb->fd < 0) {
		dv_error_errno(err, errno, "cannot open '%s'", path);
		hashset_release(&rb->hs);
		goto fail;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(rb->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	pthread_mutex_init(&rb->lock, NULL);
	pthread_cond_init(&rb->cond, NULL);
	if (pthread_create(&rb->th, NULL, readback_main, rb) != 0) {
		dv_error_set(err, DV_ERR_FAIL, "cannot start the read-back thread");
		pthread_mutex_destroy(&rb->lock);
		pthread_cond_destroy(&rb->cond);
		close(rb->fd);
		hashset_release(&rb->hs);
		goto fail;
	}
	*out = rb;
	return 0;
fail:
	free(rb->buf);
	free(rb);
	return -1;
}

void rip_readback_written(struct rip_readback *rb, uint64_t upto)
{
	pthread_mutex_lock(&rb->lock);
	if (upto > rb->written && upto <= rb->size) {
		rb->written = upto;
		if (rb->written - rb->done >= SEG)
			pthread_cond_signal(&rb->cond);
	}
	pthread_mutex_unlock(&rb->lock);
}

int rip_readback_finish(struct rip_readback *rb, int complete, struct rip_digests *out,
			struct dv_error *err)
{
	int rc = 0;

	if (!rb)
		return 0;
	pthread_mutex_lock(&rb->lock);
	if (complete)
		rb->final = 1;
	else
		rb->stop = 1;
	pthread_cond_signal(&rb->cond);
	pthread_mutex_unlock(&rb->lock);
	pthread_join(rb->th, NULL);
	if (complete) {
		if (rb->failed) {
			*err = rb->err;
			rc = -1;
		} else if (rb->done != rb->size) {
			rc = dv_error_set(err, DV_ERR_FAIL,
					  "read back %llu of the %llu bytes of '%s'",
					  (unsigned long long)rb->done,
					  (unsigned long long)rb->size, rb->path);
		} else if (hashset_final(&rb->hs, err) < 0) {
			rc = -1;
		} else {
			memset(out, 0, sizeof(*out));
			snprintf(out->hex[2], sizeof(out->hex[2]), "%s",
				 hashset_hex(&rb->hs, HASH_SHA256));
			out->mask = HASH_SHA256;
		}
	}
	hashset_release(&rb->hs);
	pthread_mutex_destroy(&rb->lock);
	pthread_cond_destroy(&rb->cond);
	close(rb->fd);
	free(rb->buf);
	free(rb);
	return rc;
}
