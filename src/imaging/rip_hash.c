/*
 * rip_hash.c - hashing for rip: the stream hashes on two threads, hashing
 * an image file or a second read of the disc, and the libisofs MD5
 * checksum tags (superblock, tree and session tags that xorriso and
 * libisofs write with --md5 / -md5 on).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdint.h>
#include <libisofs/libisofs.h>
#include <openssl/evp.h>

#include "imaging/rip.h"
#include "platform/fileio.h"
#include "platform/progress.h"
#include "platform/signals.h"
#include "platform/banned.h"

struct rip_hasher {
	unsigned mask;
	struct hashset hs[2];
	struct hash_worker *w[2];
	int used[2];
	uint64_t done;
	size_t n_marks;
	uint64_t mark_at[RIP_MAX_MARKS];
	char mark_md5[RIP_MAX_MARKS][33];
};

/* Split: MD5 is the slowest, SHA-512 next (both ~0.9 GB/s on a SHA-NI
 * core), SHA-1 and SHA-256 ~2 GB/s each. */
static void split_mask(unsigned mask, unsigned *a, unsigned *b)
{
	*a = mask & (HASH_MD5 | HASH_SHA1);
	*b = mask & (HASH_SHA256 | HASH_SHA512);
	if (!(mask & HASH_SHA512) && (mask & HASH_SHA1)) {
		*a = mask & HASH_MD5;
		*b = mask & (HASH_SHA1 | HASH_SHA256);
	}
	if (!*a) {
		*a = *b;
		*b = 0;
	}
}

int rip_hasher_start(struct rip_hasher **out, unsigned mask, struct dv_error *err)
{
	struct rip_hasher *h = calloc(1, sizeof(*h));
	unsigned m[2];

	*out = NULL;
	if (!h)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	h->mask = mask;
	split_mask(mask, &m[0], &m[1]);
	for (int i = 0; i < 2; i++) {
		if (!m[i])
			continue;
		if (hashset_init(&h->hs[i], m[i], err) < 0)
			goto fail;
		h->used[i] = 1;
		if (hash_worker_start(&h->w[i], &h->hs[i], err) < 0)
			goto fail;
	}
	*out = h;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		hash_worker_stop(h->w[i]);
		if (h->used[i])
			hashset_release(&h->hs[i]);
	}
	free(h);
	return -1;
}

static void submit_all(struct rip_hasher *h, const void *buf, size_t len)
{
	for (int i = 0; i < 2; i++)
		if (h->w[i])
			hash_worker_submit(h->w[i], buf, len);
	h->done += len;
}

void rip_hasher_mark(struct rip_hasher *h, uint64_t at)
{
	if (h->n_marks < RIP_MAX_MARKS && at > h->done && (h->hs[0].mask & HASH_MD5))
		h->mark_at[h->n_marks++] = at;
}

/* The MD5 so far, from worker 0's context (MD5 is always there). */
static void snapshot(struct rip_hasher *h, size_t i)
{
	EVP_MD_CTX *copy = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	hash_worker_wait(h->w[0]);
	if (copy && EVP_MD_CTX_copy_ex(copy, h->hs[0].ctx[0]) == 1 &&
	    EVP_DigestFinal_ex(copy, md, &n) == 1 && n == 16)
		for (unsigned k = 0; k < 16; k++)
			snprintf(h->mark_md5[i] + 2 * k, 3, "%02x", md[k]);
	EVP_MD_CTX_free(copy);
}

void rip_hasher_submit(struct rip_hasher *h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len) {
		size_t i, pick = h->n_marks;

		for (i = 0; i < h->n_marks; i++)
			if (h->mark_at[i] > h->done && h->mark_at[i] <= h->done + len &&
			    (pick == h->n_marks || h->mark_at[i] < h->mark_at[pick]))
				pick = i;
		if (pick == h->n_marks) {
			submit_all(h, p, len);
			return;
		}
		{
			size_t part = (size_t)(h->mark_at[pick] - h->done);

			submit_all(h, p, part);
			p += part;
			len -= part;
			snapshot(h, pick);
		}
	}
}

int rip_hasher_finish(struct rip_hasher *h, struct rip_digests *out,
		      struct dv_error *err)
{
	int rc = 0;

	if (!h)
		return 0;
	if (out) {
		memset(out, 0, sizeof(*out));
		out->n_marks = h->n_marks;
		for (size_t i = 0; i < h->n_marks; i++) {
			out->mark_at[i] = h->mark_at[i];
			memcpy(out->mark_md5[i], h->mark_md5[i], 33);
		}
	}
	for (int i = 0; i < 2; i++) {
		hash_worker_stop(h->w[i]);
		h->w[i] = NULL;
		if (!h->used[i])
			continue;
		if (hashset_final(&h->hs[i], err) < 0)
			rc = -1;
		else if (out)
			for (int k = 0; k < HASH_NALGS; k++)
				if (h->hs[i].mask & (1u << k)) {
					snprintf(out->hex[k], sizeof(out->hex[k]), "%s",
						 hashset_hex(&h->hs[i], (enum hash_alg)(1u << k)));
					out->mask |= 1u << k;
				}
		hashset_release(&h->hs[i]);
	}
	free(h);
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
	if (rip_hasher_start(&h, mask, err) < 0)
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

static void hex16(const char md5[16], char out[33])
{
	static const char x[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		out[2 * i] = x[(unsigned char)md5[i] >> 4];
		out[2 * i + 1] = x[(unsigned char)md5[i] & 15];
	}
	out[32] = '\0';
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
	hex16(md5, t->recorded);
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
