/*
 * rescue.h - reading a possibly damaged disc the way GNU ddrescue does:
 * the good data first in large reads, skipping ahead (further each time)
 * after an error; then trimming the failed areas from both edges, scraping
 * what is left, and retrying bad sectors N times. Progress lives in a
 * mapfile (mapfile.h), so a run can stop and resume. The source is only
 * ever read; unreadable sectors stay as zeros in the image.
 */
#ifndef DV_IMAGING_RESCUE_H
#define DV_IMAGING_RESCUE_H

#include <stddef.h>
#include <stdint.h>

#include "imaging/mapfile.h"
#include "platform/error.h"

#define RESCUE_SECTOR 2048u
#define RESCUE_MIN_SKIP (64u * 1024u)
#define RESCUE_MAX_BUF 8

struct rescue_io {
	/* Read len bytes at off (2048-aligned); *got = good bytes before the
	 * first bad sector. 0 when all were read. An error with code
	 * DV_ERR_NOTFOUND (no disc) or DV_ERR_USAGE ends the rescue. */
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len,
		    size_t *got, struct dv_error *err);
	void *read_ctx;
	int out_fd;		/* the image, written with pwrite at the same offsets */
	/* Good data as it is read (may be NULL). The reads go round nbuf
	 * buffers: buf stays unchanged until nbuf - 1 more calls have
	 * returned. A last call with buf NULL and len 0 asks the callee to
	 * stop using the buffers (they are then freed). */
	void (*data)(void *ctx, uint64_t off, const void *buf, size_t len);
	void *data_ctx;
	/* Save the map (may be NULL): called after bad areas, at most every
	 * save_interval seconds, at phase ends and before returning. */
	int (*save)(void *ctx, const struct mapfile *m, struct dv_error *err);
	void *save_ctx;
	/* Progress: bytes finished so far (may be NULL). */
	void (*progress)(void *ctx, const struct mapfile *m);
	void *progress_ctx;
	volatile int *cancel;	/* polled; non-zero stops with DV_ERR_INTERRUPTED */
	size_t chunk;		/* bytes per large read, a multiple of 4096 */
	unsigned nbuf;		/* buffers of chunk bytes: 2 (when 0) to RESCUE_MAX_BUF */
	int retries;		/* retry passes over bad sectors */
	double save_interval;	/* seconds */
};

struct rescue_stats {
	uint64_t read_errors;	/* failed read calls */
	uint64_t reads;		/* read calls */
	uint64_t bytes_read;	/* good bytes read in this run */
	double seconds[4];	/* copy, trim, scrape, retry */
	char first_error[256];	/* message of the first read error */
};

/* Run the phases over m (which says what is still to do). Returns 0 when
 * every phase ran (bad sectors may remain: see mapfile_count(m, '-')), or
 * -1 with err filled on an interruption (DV_ERR_INTERRUPTED), a write
 * failure or a lost disc. */
int rescue_run(struct mapfile *m, const struct rescue_io *io,
	       struct rescue_stats *st, struct dv_error *err);

#endif
