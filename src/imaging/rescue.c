/*
 * rescue.c - the ddrescue-style reader: copy, trim, scrape, retry, over a
 * mapfile. See rescue.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imaging/rescue.h"
#include "platform/fileio.h"
#include "platform/progress.h"
#include "platform/banned.h"

struct rescue {
	struct mapfile *m;
	const struct rescue_io *io;
	struct rescue_stats *st;
	unsigned char *buf[RESCUE_MAX_BUF];
	unsigned nbuf, which;
	double last_save;
};

static int cancelled(const struct rescue *r)
{
	return r->io->cancel && *r->io->cancel;
}

static int save(struct rescue *r, int force, struct dv_error *err)
{
	double now = now_monotonic();

	if (!r->io->save)
		return 0;
	if (!force && now - r->last_save < r->io->save_interval)
		return 0;
	r->last_save = now;
	return r->io->save(r->io->save_ctx, r->m, err);
}

static void progress(struct rescue *r)
{
	if (r->io->progress)
		r->io->progress(r->io->progress_ctx, r->m);
}

/* The first block of status st that ends after `from`: [*a, *z), with *a
 * at least from. Returns 0 when there is none. */
static int next_block(const struct mapfile *m, uint64_t from, char st,
		      uint64_t *a, uint64_t *z)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct map_block *b = &m->b[i];

		if (b->status != st || b->pos + b->size <= from)
			continue;
		*a = b->pos > from ? b->pos : from;
		*z = b->pos + b->size;
		return 1;
	}
	return 0;
}

/* The last block of status st that starts before `before`. */
static int prev_block(const struct mapfile *m, uint64_t before, char st,
		      uint64_t *a, uint64_t *z)
{
	for (size_t i = m->n; i-- > 0;) {
		const struct map_block *b = &m->b[i];

		if (b->status != st || b->pos >= before)
			continue;
		*a = b->pos;
		*z = b->pos + b->size < before ? b->pos + b->size : before;
		return 1;
	}
	return 0;
}

/* One read. Good bytes are written to the image and marked finished.
 * Returns 0 when all len bytes were read, 1 on a read error (*bad is the
 * offset of the first bad sector), -1 on a fatal error. */
static int read_at(struct rescue *r, uint64_t off, size_t len, uint64_t *bad,
		   struct dv_error *err)
{
	struct dv_error rerr = DV_ERROR_INIT;
	unsigned char *buf = r->buf[r->which];
	size_t got = 0;
	int rc;

	r->st->reads++;
	r->m->cur_pos = off;
	rc = r->io->read(r->io->read_ctx, off, buf, len, &got, &rerr);
	if (rc < 0 && (rerr.code == DV_ERR_NOTFOUND || rerr.code == DV_ERR_USAGE)) {
		*err = rerr;
		return -1;
	}
	if (rc == 0)
		got = len;	/* may end in a partial last sector of the medium */
	if (got > len)
		got = len;
	if (rc != 0)
		got -= got % RESCUE_SECTOR;
	if (got) {
		if (pwrite_full(r->io->out_fd, buf, got, off) < 0)
			return dv_error_errno(err, errno, "cannot write the image");
		if (r->io->data) {
			r->io->data(r->io->data_ctx, off, buf, got);
			r->which = (r->which + 1) % r->nbuf;
		}
		if (mapfile_set(r->m, off, got, MAP_FINISHED, err) < 0)
			return -1;
		r->st->bytes_read += got;
	}
	if (rc == 0)
		return 0;
	r->st->read_errors++;
	if (!r->st->first_error[0])
		snprintf(r->st->first_error, sizeof(r->st->first_error), "%s", rerr.msg);
	*bad = off + got;
	return 1;
}

static size_t min_len(uint64_t a, size_t b)
{
	return a < b ? (size_t)a : b;
}

static int phase_copy(struct rescue *r, struct dv_error *err)
{
	uint64_t cur = 0, skip = RESCUE_MIN_SKIP, a, z, bad;
	uint64_t max_skip = mapfile_size(r->m) / 100;

	if (max_skip < RESCUE_MIN_SKIP)
		max_skip = RESCUE_MIN_SKIP;
	r->m->cur_status = MAP_UNTRIED;
	while (next_block(r->m, cur, MAP_UNTRIED, &a, &z)) {
		size_t len = min_len(z - a, r->io->chunk);
		int rc;

		if (cancelled(r))
			return dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted");
		rc = read_at(r, a, len, &bad, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			cur = a + len;
			skip = RESCUE_MIN_SKIP;
		} else {
			uint64_t s = skip < z - bad ? skip : z - bad;

			s -= s % RESCUE_SECTOR;
			if (!s)
				s = RESCUE_SECTOR;
			if (mapfile_set(r->m, bad, s, MAP_NONTRIMMED, err) < 0)
				return -1;
			cur = bad + s;
			skip = skip * 2 < max_skip ? skip * 2 : max_skip;
			if (save(r, 0, err) < 0)
				return -1;
		}
		progress(r);
	}
	return save(r, 1, err);
}

static int phase_trim(struct rescue *r, struct dv_error *err)
{
	uint64_t cur = 0, a, z, bad;

	r->m->cur_status = MAP_NONTRIMMED;
	while (next_block(r->m, cur, MAP_NONTRIMMED, &a, &z)) {
		uint64_t pos = a, fwd_end = z, back;
		int rc = 0;

		/* leading edge, forward, in large reads */
		while (pos < z) {
			size_t len = min_len(z - pos, r->io->chunk);

			if (cancelled(r))
				return dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted");
			rc = read_at(r, pos, len, &bad, err);
			if (rc < 0)
				return -1;
			if (rc == 0) {
				pos += len;
				continue;
			}
			if (mapfile_set(r->m, bad, RESCUE_SECTOR, MAP_BAD, err) < 0)
				return -1;
			fwd_end = bad + RESCUE_SECTOR;
			break;
		}
		/* trailing edge, backward, sector by sector */
		back = z;
		while (rc && back > fwd_end) {
			if (cancelled(r))
				return dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted");
			rc = read_at(r, back - RESCUE_SECTOR, RESCUE_SECTOR, &bad, err);
			if (rc < 0)
				return -1;
			if (rc == 1) {
				if (mapfile_set(r->m, back - RESCUE_SECTOR, RESCUE_SECTOR,
						MAP_BAD, err) < 0)
					return -1;
				back -= RESCUE_SECTOR;
				break;
			}
			back -= RESCUE_SECTOR;
		}
		if (back > fwd_end &&
		    mapfile_set(r->m, fwd_end, back - fwd_end, MAP_NONSCRAPED, err) < 0)
			return -1;
		cur = z;
		progress(r);
		if (save(r, 0, err) < 0)
			return -1;
	}
	return save(r, 1, err);
}

static int phase_scrape(struct rescue *r, struct dv_error *err)
{
	uint64_t cur = 0, a, z, bad;

	r->m->cur_status = MAP_NONSCRAPED;
	while (next_block(r->m, cur, MAP_NONSCRAPED, &a, &z)) {
		size_t len = min_len(z - a, r->io->chunk);
		int rc;

		if (cancelled(r))
			return dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted");
		rc = read_at(r, a, len, &bad, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			cur = a + len;
		} else {
			if (mapfile_set(r->m, bad, RESCUE_SECTOR, MAP_BAD, err) < 0)
				return -1;
			cur = bad + RESCUE_SECTOR;
			if (save(r, 0, err) < 0)
				return -1;
		}
		progress(r);
	}
	return save(r, 1, err);
}

static int phase_retry(struct rescue *r, struct dv_error *err)
{
	uint64_t a, z, bad;

	r->m->cur_status = MAP_BAD;
	for (int pass = 1; pass <= r->io->retries; pass++) {
		r->m->pass = pass;
		if (pass % 2) {
			uint64_t cur = 0;

			while (next_block(r->m, cur, MAP_BAD, &a, &z)) {
				int rc;

				if (cancelled(r))
					return dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted");
				rc = read_at(r, a, RESCUE_SECTOR, &bad, err);
				if (rc < 0)
					return -1;
				cur = a + RESCUE_SECTOR;
				progress(r);
			}
		} else {
			uint64_t cur = UINT64_MAX;

			while (prev_block(r->m, cur, MAP_BAD, &a, &z)) {
				int rc;

				if (cancelled(r))
					return dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted");
				rc = read_at(r, z - RESCUE_SECTOR, RESCUE_SECTOR, &bad, err);
				if (rc < 0)
					return -1;
				cur = z - RESCUE_SECTOR;
				progress(r);
			}
		}
		if (save(r, 1, err) < 0)
			return -1;
		if (!mapfile_count(r->m, MAP_BAD))
			break;
	}
	return 0;
}

int rescue_run(struct mapfile *m, const struct rescue_io *io,
	       struct rescue_stats *st, struct dv_error *err)
{
	int (*const phases[4])(struct rescue *, struct dv_error *) = {
		phase_copy, phase_trim, phase_scrape, phase_retry,
	};
	struct rescue r = { m, io, st, { NULL }, io->nbuf ? io->nbuf : 2, 0, now_monotonic() };
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (!io->chunk || io->chunk % 4096)
		return dv_error_set(err, DV_ERR_USAGE, "rescue: bad chunk size %zu", io->chunk);
	if (r.nbuf < 2 || r.nbuf > RESCUE_MAX_BUF)
		return dv_error_set(err, DV_ERR_USAGE, "rescue: bad buffer count %u", r.nbuf);
	for (unsigned i = 0; i < r.nbuf; i++)
		if (!(r.buf[i] = aligned_alloc(4096, io->chunk))) {
			rc = dv_error_set(err, DV_ERR_FAIL, "out of memory");
			goto out;
		}
	for (int i = 0; i < 4; i++) {
		double t0 = now_monotonic();

		rc = phases[i](&r, err);
		st->seconds[i] = now_monotonic() - t0;
		if (rc < 0)
			break;
	}
	if (rc == 0) {
		m->cur_status = MAP_FINISHED;
		m->cur_pos = mapfile_size(m);
	}
	if (io->save) {
		struct dv_error serr = DV_ERROR_INIT;

		if (io->save(io->save_ctx, m, &serr) < 0 && rc == 0) {
			*err = serr;
			rc = -1;
		}
	}
out:
	if (io->data)
		io->data(io->data_ctx, 0, NULL, 0);
	for (unsigned i = 0; i < r.nbuf; i++)
		free(r.buf[i]);
	return rc;
}
