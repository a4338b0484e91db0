/*
 * rip_hash.c - hashing for rip: the stream hashes on two threads (the
 * files' MD5s next to the image's in md5mb lanes), hashing an image file
 * or a second read of the disc, and the libisofs MD5 checksum tags
 * (superblock, tree and session tags that xorriso and libisofs write with
 * --md5 / -md5 on).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdint.h>
#include <libisofs/libisofs.h>

#include "engine/hash/md5mb.h"
#include "imaging/rip.h"
#include "platform/fileio.h"
#include "platform/progress.h"
#include "platform/signals.h"
#include "platform/banned.h"

#define MAX_WORKERS 2
#define MAX_ACTIVE 256		/* files hashed at once (overlapping extents) */
#define MAX_RUN (1 + MAX_ACTIVE)

struct active_file {
	struct rip_filelane *f;
	struct md5mb_ctx ctx;
	int moved;		/* its extent ended in this run: look again */
};

/* The image's MD5 and the files' MD5s, advanced together in md5mb lanes
 * (about the cost of the image's alone). Used by one worker only. */
struct md5grp {
	struct md5mb_ctx image;
	uint64_t pos;		/* bytes hashed */
	struct rip_filelane *lanes;
	size_t n, next;		/* lanes, and the first not yet started */
	struct active_file *act;
	size_t n_act;
};

struct job {
	const unsigned char *buf;
	size_t len;
	struct rip_filelane *lanes;	/* files handed over with this buffer */
	size_t n_lanes;
};

/* A thread hashing the buffers of its queue in order. */
struct worker {
	struct rip_hasher *h;
	pthread_t th;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int md5;		/* runs the MD5 group */
	struct hashset hs;	/* its OpenSSL digests (hs.mask may be 0) */
	int have_hs, running;
	struct job q[RIP_HASH_MAX_BUF];
	unsigned head, count;	/* count includes the job being hashed */
	int quit;
};

struct rip_hasher {
	unsigned mask;
	unsigned nbuf;		/* the caller's buffers */
	unsigned nw;
	struct worker w[MAX_WORKERS];
	uint64_t done;			/* bytes submitted */
	struct md5grp g;
	struct rip_filelane *pending;	/* files for the next submit */
	size_t n_pending;
	int files_given;
	size_t n_marks;
	uint64_t mark_at[RIP_MAX_MARKS];
	char mark_md5[RIP_MAX_MARKS][33];
};

/* ---- the MD5 group ---- */

/* Skip the empty extents; 1 when the file has none left. */
static int lane_finished(struct rip_filelane *f)
{
	while (f->cur < f->n_ext && f->ext[f->cur].length == 0)
		f->cur++;
	return f->cur == f->n_ext;
}

/* Hash [g->pos, g->pos + len) into the image and every active file: one
 * md5mb call per round, a file taking part in a later round only when its
 * extent ended inside the range and the next one starts there too. */
static void md5_run(struct md5grp *g, const unsigned char *p, size_t len)
{
	struct md5mb_ctx *c[MAX_RUN];
	const void *d[MAX_RUN];
	size_t l[MAX_RUN];
	uint64_t pos = g->pos, end = pos + len;

	for (int round = 0;; round++) {
		unsigned n = 0;

		if (round == 0) {
			c[n] = &g->image;
			d[n] = p;
			l[n++] = len;
		}
		for (size_t i = 0; i < g->n_act; i++) {
			struct active_file *a = &g->act[i];
			struct rip_filelane *f = a->f;
			const struct isotree_extent *x;
			uint64_t lo, hi, xend;

			if (round > 0 && !a->moved)
				continue;
			a->moved = 0;
			if (lane_finished(f))
				continue;
			x = &f->ext[f->cur];
			xend = x->offset + x->length;
			lo = x->offset > pos ? x->offset : pos;
			hi = xend < end ? xend : end;
			if (lo >= hi)
				continue;
			c[n] = &a->ctx;
			d[n] = p + (lo - pos);
			l[n++] = (size_t)(hi - lo);
			if (xend <= end) {
				f->cur++;
				a->moved = 1;
			}
		}
		if (!n)
			break;
		md5mb_update_many(c, d, l, n);
	}
	g->pos = end;
	for (size_t i = 0; i < g->n_act;) {
		struct rip_filelane *f = g->act[i].f;

		if (!lane_finished(f)) {
			i++;
			continue;
		}
		md5mb_final(&g->act[i].ctx, f->md5);
		f->state = RIP_LANE_DONE;
		g->act[i] = g->act[--g->n_act];
	}
}

/* Start the files that begin in this range (at most MAX_ACTIVE at once:
 * the range is cut before one that does not fit yet), then hash it. */
static void md5_part(struct md5grp *g, const unsigned char *p, size_t len)
{
	while (len) {
		uint64_t pos = g->pos, end = pos + len;
		size_t sub = len;

		while (g->next < g->n && g->lanes[g->next].start < end) {
			struct rip_filelane *f = &g->lanes[g->next];
			struct active_file *a;

			if (f->start < pos) {		/* behind the stream */
				f->state = RIP_LANE_SKIPPED;
				g->next++;
				continue;
			}
			if (g->n_act == MAX_ACTIVE) {
				if (f->start > pos) {
					sub = (size_t)(f->start - pos);
					break;
				}
				f->state = RIP_LANE_SKIPPED;	/* too many overlap here */
				g->next++;
				continue;
			}
			a = &g->act[g->n_act++];
			a->f = f;
			a->moved = 0;
			md5mb_init(&a->ctx);
			f->cur = 0;
			f->state = RIP_LANE_ACTIVE;
			g->next++;
		}
		md5_run(g, p, sub);
		p += sub;
		len -= sub;
	}
}

/* The image's MD5 so far, as mark i. */
static void snapshot(struct rip_hasher *h, size_t i)
{
	struct md5mb_ctx copy = h->g.image;
	unsigned char md[16];

	md5mb_final(&copy, md);
	hash_hex(md, 16, h->mark_md5[i]);
}

static void md5_chunk(struct rip_hasher *h, const unsigned char *p, size_t len)
{
	struct md5grp *g = &h->g;

	while (len) {
		size_t part = len;

		for (size_t i = 0; i < h->n_marks; i++)
			if (h->mark_at[i] > g->pos && h->mark_at[i] - g->pos < part)
				part = (size_t)(h->mark_at[i] - g->pos);
		md5_part(g, p, part);
		for (size_t i = 0; i < h->n_marks; i++)
			if (h->mark_at[i] == g->pos)
				snapshot(h, i);
		p += part;
		len -= part;
	}
}

/* ---- workers ---- */

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct job j;

		while (!w->count && !w->quit)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->count)
			break;
		j = w->q[w->head];
		pthread_mutex_unlock(&w->lock);
		if (w->md5) {
			if (j.lanes) {
				w->h->g.lanes = j.lanes;
				w->h->g.n = j.n_lanes;
				w->h->g.next = 0;
			}
			md5_chunk(w->h, j.buf, j.len);
		}
		if (w->hs.mask)
			hashset_update(&w->hs, j.buf, j.len);
		pthread_mutex_lock(&w->lock);
		w->head = (w->head + 1) % RIP_HASH_MAX_BUF;
		w->count--;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Queue a buffer, once no more than `room` are queued (the caller reuses
 * a buffer after nbuf - 1 more submits); buf NULL: wait for all, quit. */
static void worker_give(struct worker *w, unsigned room, const struct job *j)
{
	pthread_mutex_lock(&w->lock);
	while (w->count > (j ? room - 1 : 0))
		pthread_cond_wait(&w->cond, &w->lock);
	if (j) {
		w->q[(w->head + w->count) % RIP_HASH_MAX_BUF] = *j;
		w->count++;
	} else {
		w->quit = 1;
	}
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/*
 * Which worker computes what: the longest first, each to the least loaded
 * worker. Seconds per GB on a core with SHA-NI (OpenSSL 3, AVX-512 md5mb):
 * MD5 of the image and one file together 1.5, SHA-512 1.14, SHA-256 0.5,
 * SHA-1 0.45. With all four: MD5 + SHA-1 | SHA-256 + SHA-512.
 */
static void split_mask(unsigned mask, unsigned *out, unsigned n)
{
	static const struct { unsigned alg, cost; } by_cost[] = {
		{ HASH_MD5, 150 }, { HASH_SHA512, 114 }, { HASH_SHA256, 50 }, { HASH_SHA1, 45 },
	};
	unsigned load[MAX_WORKERS] = { 0 };

	for (unsigned i = 0; i < n; i++)
		out[i] = 0;
	for (size_t k = 0; k < sizeof(by_cost) / sizeof(by_cost[0]); k++) {
		unsigned best = 0;

		if (!(mask & by_cost[k].alg))
			continue;
		for (unsigned i = 1; i < n; i++)
			if (load[i] < load[best])
				best = i;
		out[best] |= by_cost[k].alg;
		load[best] += by_cost[k].cost;
	}
}

static void stop_workers(struct rip_hasher *h)
{
	for (unsigned i = 0; i < h->nw; i++) {
		struct worker *w = &h->w[i];

		if (!w->running)
			continue;
		worker_give(w, 0, NULL);
		pthread_join(w->th, NULL);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		w->running = 0;
	}
}

static void free_hasher(struct rip_hasher *h)
{
	for (unsigned i = 0; i < h->nw; i++)
		if (h->w[i].have_hs)
			hashset_release(&h->w[i].hs);
	free(h->g.act);
	free(h);
}

int rip_hasher_start(struct rip_hasher **out, unsigned mask, unsigned nbuf,
		     struct dv_error *err)
{
	struct rip_hasher *h;
	unsigned m[MAX_WORKERS];

	*out = NULL;
	if (nbuf < 2 || nbuf > RIP_HASH_MAX_BUF)
		return dv_error_set(err, DV_ERR_USAGE, "hasher: bad buffer count %u", nbuf);
	h = calloc(1, sizeof(*h));
	if (!h)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	h->mask = mask;
	h->nbuf = nbuf;
	md5mb_init(&h->g.image);
	if ((mask & HASH_MD5) && !(h->g.act = calloc(MAX_ACTIVE, sizeof(*h->g.act)))) {
		free(h);
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	}
	split_mask(mask, m, MAX_WORKERS);
	for (unsigned i = 0; i < MAX_WORKERS; i++) {
		struct worker *w = &h->w[h->nw];

		if (!m[i])
			continue;
		h->nw++;
		w->h = h;
		w->md5 = (m[i] & HASH_MD5) != 0;
		if (hashset_init(&w->hs, m[i] & ~(unsigned)HASH_MD5, err) < 0)
			goto fail;
		w->have_hs = 1;
		pthread_mutex_init(&w->lock, NULL);
		pthread_cond_init(&w->cond, NULL);
		if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
			pthread_mutex_destroy(&w->lock);
			pthread_cond_destroy(&w->cond);
			dv_error_set(err, DV_ERR_FAIL, "cannot start a hashing thread");
			goto fail;
		}
		w->running = 1;
	}
	*out = h;
	return 0;
fail:
	stop_workers(h);
	free_hasher(h);
	return -1;
}

void rip_hasher_mark(struct rip_hasher *h, uint64_t at)
{
	if (h->n_marks < RIP_MAX_MARKS && at > h->done && (h->mask & HASH_MD5))
		h->mark_at[h->n_marks++] = at;
}

uint64_t rip_hasher_offset(const struct rip_hasher *h)
{
	return h->done;
}

void rip_hasher_files(struct rip_hasher *h, struct rip_filelane *lanes, size_t n)
{
	if (!(h->mask & HASH_MD5) || h->files_given || !n)
		return;
	h->files_given = 1;
	h->pending = lanes;
	h->n_pending = n;
}

void rip_hasher_submit(struct rip_hasher *h, const void *buf, size_t len)
{
	for (unsigned i = 0; i < h->nw; i++) {
		struct worker *w = &h->w[i];
		struct job j = { buf, len, w->md5 ? h->pending : NULL, h->n_pending };

		/* the buffer submitted nbuf - 1 submits ago must be done */
		worker_give(w, h->nbuf - 1, &j);
	}
	h->pending = NULL;
	h->n_pending = 0;
	h->done += len;
}

int rip_hasher_finish(struct rip_hasher *h, struct rip_digests *out,
		      struct dv_error *err)
{
	int rc = 0;

	if (!h)
		return 0;
	stop_workers(h);
	if (out) {
		memset(out, 0, sizeof(*out));
		out->n_marks = h->n_marks;
		for (size_t i = 0; i < h->n_marks; i++) {
			out->mark_at[i] = h->mark_at[i];
			memcpy(out->mark_md5[i], h->mark_md5[i], 33);
		}
		if (h->mask & HASH_MD5) {
			unsigned char md[16];

			md5mb_final(&h->g.image, md);
			hash_hex(md, 16, out->hex[0]);
			out->mask |= HASH_MD5;
		}
	}
	for (unsigned i = 0; i < h->nw; i++) {
		struct worker *w = &h->w[i];

		if (!w->hs.mask)
			continue;
		if (hashset_final(&w->hs, err) < 0)
			rc = -1;
		else if (out)
			for (int k = 0; k < HASH_NALGS; k++)
				if (w->hs.mask & (1u << k)) {
					snprintf(out->hex[k], sizeof(out->hex[k]), "%s",
						 hashset_hex(&w->hs, (enum hash_alg)(1u << k)));
					out->mask |= 1u << k;
				}
	}
	free_hasher(h);
	return rc;
}

const char *rip_hex(const struct rip_digests *d, enum hash_alg alg)
{
	for (int k = 0; k < HASH_NALGS; k++)
		if ((unsigned)alg == 1u << k)
			return d->mask & (1u << k) ? d->hex[k] : NULL;
	return NULL;
}

int rip_digests_equal(const struct rip_digests *a, const struct rip_digests *b)
{
	unsigned common = a->mask & b->mask;

	if (!common)
		return 0;
	for (int k = 0; k < HASH_NALGS; k++)
		if ((common & (1u << k)) && strcmp(a->hex[k], b->hex[k]) != 0)
			return 0;
	return 1;
}

int rip_hash_source(const char *path, struct drive *d, uint64_t size,
		    unsigned mask, size_t chunk, const char *label,
		    struct rip_digests *out, struct dv_error *err)
{
	struct rip_hasher *h = NULL;
	struct progress *pr = NULL;
	unsigned char *buf[2] = { NULL, NULL };
	uint64_t off = 0;
	int fd = -1, which = 0, rc = -1;

	if (!d) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return dv_error_errno(err, errno, "cannot open '%s'", path);
#ifdef POSIX_FADV_DONTNEED
		/* read the bytes from storage, not from what we just wrote */
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	}
	buf[0] = aligned_alloc(4096, chunk);
	buf[1] = aligned_alloc(4096, chunk);
	if (!buf[0] || !buf[1]) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	if (rip_hasher_start(&h, mask, 2, err) < 0)
		goto out;
	pr = progress_new(label, size);
	while (off < size) {
		size_t len = size - off < chunk ? (size_t)(size - off) : chunk;

		if (signals_interrupted()) {
			dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted");
			goto out;
		}
		if (d) {
			size_t got = 0;

			if (drive_read(d, off, buf[which], len, &got, err) < 0) {
				dv_error_prefix(err, "second read at byte %llu",
						(unsigned long long)(off + got));
				goto out;
			}
		} else {
			ssize_t n = pread_full(fd, buf[which], len, off);

			if (n < 0) {
				dv_error_errno(err, errno, "cannot read '%s'", path);
				goto out;
			}
			if ((size_t)n < len) {
				dv_error_set(err, DV_ERR_MISMATCH, "'%s' is shorter than %llu bytes",
					     path, (unsigned long long)size);
				goto out;
			}
		}
		rip_hasher_submit(h, buf[which], len);
		which ^= 1;
		off += len;
		progress_update(pr, off);
	}
	rc = rip_hasher_finish(h, out, err);
	h = NULL;
out:
	if (rc == 0)
		progress_finish(pr);
	else
		progress_abort(pr);
	if (h)
		rip_hasher_finish(h, NULL, err);
	free(buf[0]);
	free(buf[1]);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* MD5 of blocks [start, start + blocks) of the file. */
static int md5_range(int fd, uint32_t start, uint32_t blocks, char out[33],
		     struct dv_error *err)
{
	struct hashset hs;
	unsigned char *buf = malloc(1u << 20);
	uint64_t off = (uint64_t)start * 2048, end = off + (uint64_t)blocks * 2048;
	int rc = -1;

	if (!buf)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	if (hashset_init(&hs, HASH_MD5, err) < 0) {
		free(buf);
		return -1;
	}
	while (off < end) {
		size_t len = end - off < (1u << 20) ? (size_t)(end - off) : (1u << 20);
		ssize_t n;

		if (signals_interrupted()) {
			dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted");
			goto out;
		}
		n = pread_full(fd, buf, len, off);
		if (n != (ssize_t)len) {
			dv_error_errno(err, n < 0 ? errno : EIO, "cannot read the image");
			goto out;
		}
		hashset_update(&hs, buf, len);
		off += len;
	}
	if (hashset_final(&hs, err) < 0)
		goto out;
	snprintf(out, 33, "%s", hashset_hex(&hs, HASH_MD5));
	rc = 0;
out:
	hashset_release(&hs);
	free(buf);
	return rc;
}

/* Look for a tag of the wanted type (0: any) at block lba. */
static int tag_at(int fd, uint32_t lba, int want, struct rip_tag *t, uint32_t *next)
{
	char block[2048], md5[16];
	uint32_t pos, start, size, nxt = 0;
	int type = 0;

	if (pread_full(fd, block, sizeof(block), (uint64_t)lba * 2048) != (ssize_t)sizeof(block))
		return 0;
	if (iso_util_decode_md5_tag(block, &type, &pos, &start, &size, &nxt, md5,
				    want) != 1 || pos != lba)
		return 0;
	if (type < 1 || type > 3)
		return 0;
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->pos = pos;
	t->start = start;
	t->blocks = size;
	hash_hex((const unsigned char *)md5, 16, t->recorded);
	*next = nxt;
	return 1;
}

int rip_check_md5_tags(struct rip *r, const char *path, struct dv_error *err)
{
	uint64_t nblocks = r->size / 2048;
	uint32_t next = 0, lba;
	int fd, rc = 0;

	r->n_tags = 0;
	r->tags_match = 1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dv_error_errno(err, errno, "cannot open '%s'", path);
	/* the superblock tag follows the volume descriptor set */
	for (lba = 17; lba < 64 && lba < nblocks; lba++)
		if (tag_at(fd, lba, 2, &r->tags[0], &next))
			break;
	if (lba < 64 && lba < nblocks) {
		r->n_tags = 1;
		/* superblock -> tree -> session */
		while (r->n_tags < 3 && next > lba && next < nblocks) {
			uint32_t nn = 0;

			lba = next;
			if (!tag_at(fd, lba, 0, &r->tags[r->n_tags], &nn))
				break;
			r->n_tags++;
			if (r->tags[r->n_tags - 1].type == 1)
				break;
			next = nn;
		}
	}
	for (size_t i = 0; i < r->n_tags; i++) {
		struct rip_tag *t = &r->tags[i];

		const char *from_stream = NULL;

		for (size_t k = 0; r->streamed && t->start == 0 && k < r->stream.n_marks; k++)
			if (r->stream.mark_at[k] == (uint64_t)t->blocks * 2048 &&
			    r->stream.mark_md5[k][0])
				from_stream = r->stream.mark_md5[k];
		if ((uint64_t)t->start + t->blocks > nblocks) {
			snprintf(t->computed, sizeof(t->computed), "out of range");
			t->match = 0;
		} else if (from_stream) {
			snprintf(t->computed, sizeof(t->computed), "%s", from_stream);
			t->from_stream = 1;
			t->match = strcmp(t->computed, t->recorded) == 0;
		} else if (md5_range(fd, t->start, t->blocks, t->computed, err) < 0) {
			rc = -1;
			break;
		} else {
			t->match = strcmp(t->computed, t->recorded) == 0;
		}
		if (!t->match)
			r->tags_match = 0;
	}
	close(fd);
	return rc;
}

/* A tag at block lba of the disc (0: none). */
static int disc_tag_at(struct drive *d, unsigned char *blk, uint32_t lba, int want,
		       uint32_t *start, uint32_t *blocks, uint32_t *next)
{
	struct dv_error err = DV_ERROR_INIT;
	char md5[16];
	uint32_t pos = 0;
	int type = 0;
	size_t got = 0;

	if (drive_read(d, (uint64_t)lba * 2048, blk, 2048, &got, &err) < 0)
		return 0;
	if (iso_util_decode_md5_tag((char *)blk, &type, &pos, start, blocks, next, md5,
				    want) != 1 || pos != lba)
		return 0;
	return type;
}

size_t rip_find_tag_marks(struct drive *d, uint64_t size, uint64_t *marks, size_t max)
{
	unsigned char *blk = aligned_alloc(4096, 4096);
	uint64_t nblocks = size / 2048;
	uint32_t lba, start = 0, blocks = 0, next = 0;
	size_t n = 0;
	int type = 0;

	if (!blk)
		return 0;
	for (lba = 17; lba < 64 && lba < nblocks; lba++)
		if ((type = disc_tag_at(d, blk, lba, 2, &start, &blocks, &next)) != 0)
			break;
	while (type && n < max) {
		if (start == 0 && blocks)
			marks[n++] = (uint64_t)blocks * 2048;
		if (type == 1 || next <= lba || next >= nblocks)
			break;
		lba = next;
		type = disc_tag_at(d, blk, lba, 0, &start, &blocks, &next);
	}
	free(blk);
	return n;
}
