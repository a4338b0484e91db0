/*
 * test_imaging_filelanes.c - the per-file MD5s that rip's stream hasher
 * computes next to the image's (md5mb lanes): every file it completes has
 * the MD5 of its extents' bytes (one-thread OpenSSL over the same bytes),
 * for files of one or several extents (with gaps, empty ones, adjacent
 * ones), files sharing extents (hard links) or overlapping, many small
 * files in one chunk, files ending at the end of the stream; files that
 * start before they were handed over (at the first chunk, or later), or
 * beyond the lanes the hasher keeps at once, are given up (never wrong). The image's MD5, the other
 * digests and the mark MD5s stay right. Every md5mb kernel this CPU has,
 * several chunk sizes, two and four rotating buffers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "engine/hash/md5mb.h"
#include "imaging/rip.h"
#include "platform/banned.h"

#define SIZE (6u * 1024 * 1024 + 2048 + 17)
#define MAXF 1200
#define MAXX 8
#define HANDOVER 65536u		/* a late handover: at the chunk boundary from here */
#define HARDLINKS 300		/* files on one extent: more than the hasher keeps */

struct file {
	struct isotree_extent x[MAXX];
	size_t n;
	int group;		/* 1: in the HARDLINKS group */
};

static struct file files[MAXF];
static size_t nfiles;

static struct file *add(int group)
{
	struct file *f = &files[nfiles++];

	memset(f, 0, sizeof(*f));
	f->group = group;
	return f;
}

static void ext(struct file *f, uint64_t off, uint64_t len)
{
	f->x[f->n].offset = off;
	f->x[f->n].length = len;
	f->n++;
}

static void make_files(void)
{
	uint64_t rnd = 99, pos;
	struct file *f;

	nfiles = 0;
	f = add(0);				/* one extent over several chunks */
	ext(f, HANDOVER + 10 * 2048, 2u * 1024 * 1024 + 123);
	f = add(0);				/* several: gap, empty, adjacent */
	ext(f, HANDOVER + 5000, 70000);
	ext(f, 999999, 0);
	ext(f, HANDOVER + 5000 + 70000 + 4096, 1u << 20);
	ext(f, HANDOVER + 5000 + 70000 + 4096 + (1u << 20), 3);
	ext(f, 3u * 1024 * 1024 + 1, 1500000);
	for (int i = 0; i < 3; i++) {		/* hard links */
		f = add(0);
		ext(f, 2u * 1024 * 1024, 1u << 20);
	}
	f = add(0);				/* overlaps the links */
	ext(f, 2u * 1024 * 1024 + 4096, 1u << 20);
	f = add(0);				/* at the handover point */
	ext(f, HANDOVER, 4096);
	f = add(0);				/* before it: given up when late */
	ext(f, 4096, 100000);
	f = add(0);				/* to the end of the stream */
	ext(f, SIZE - 777777, 777777);
	f = add(0);				/* only empty extents after the first */
	ext(f, 5u * 1024 * 1024, 64);
	ext(f, 0, 0);
	for (int i = 0; i < HARDLINKS; i++) {	/* too many at once */
		f = add(1);
		ext(f, 4u * 1024 * 1024, 300000);
	}
	/* many small files packed together, some in one 4 KiB read */
	pos = 5u * 1024 * 1024 + 4096;
	while (nfiles < MAXF && pos < SIZE - 10000) {
		uint64_t len = 1 + tap_rand(&rnd) % 3000;

		f = add(0);
		ext(f, pos, len);
		pos += len + tap_rand(&rnd) % 3;
	}
}

static void md5_ref(const unsigned char *data, const struct file *f, char out[33])
{
	struct dv_error err = DV_ERROR_INIT;
	struct hashset hs;

	hashset_init(&hs, HASH_MD5, &err);
	for (size_t k = 0; k < f->n; k++)
		hashset_update(&hs, data + f->x[k].offset, f->x[k].length);
	hashset_final(&hs, &err);
	snprintf(out, 33, "%s", hashset_hex(&hs, HASH_MD5));
	hashset_release(&hs);
}

static int lane_cmp(const void *pa, const void *pb)
{
	const struct rip_filelane *a = pa, *b = pb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->entry < b->entry ? -1 : a->entry > b->entry;
}

/* Hash the stream in chunks from nbuf rotating buffers, handing the files
 * over at the first chunk boundary at or after `from`. */
static void run(const unsigned char *data, const char (*want)[33], const char *kernel,
		size_t chunk, unsigned nbuf, unsigned mask, uint64_t from)
{
	static struct rip_filelane lanes[MAXF];
	const uint64_t marks[] = { 19 * 2048, 4u * 1024 * 1024 + 100, SIZE - 2048 };
	struct dv_error err = DV_ERROR_INIT;
	struct rip_hasher *h;
	struct rip_digests out;
	unsigned char *buf[4];
	size_t done = 0, wrong = 0, which = 0, links_done = 0, links_skipped = 0;
	uint64_t at = 0;
	char hex[33];
	int handed = 0;

	if (rip_hasher_start(&h, mask, nbuf, &err) < 0) {
		tap_ok(0, "start: %s", err.msg);
		return;
	}
	for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
		rip_hasher_mark(h, marks[k]);
	for (size_t i = 0; i < nfiles; i++) {
		uint64_t start = files[i].x[0].offset;

		for (size_t k = 0; k < files[i].n; k++)
			if (files[i].x[k].length) {
				start = files[i].x[k].offset;
				break;
			}
		lanes[i] = (struct rip_filelane){ .ext = files[i].x, .n_ext = files[i].n,
						  .start = start, .entry = i };
	}
	qsort(lanes, nfiles, sizeof(lanes[0]), lane_cmp);
	for (unsigned i = 0; i < nbuf; i++)
		buf[i] = malloc(chunk);
	for (size_t off = 0; off < SIZE; off += chunk) {
		size_t len = SIZE - off < chunk ? SIZE - off : chunk;

		if (!handed && off >= from) {
			at = rip_hasher_offset(h);
			rip_hasher_files(h, lanes, nfiles);
			handed = 1;
		}
		memcpy(buf[which], data + off, len);
		rip_hasher_submit(h, buf[which], len);
		which = (which + 1) % nbuf;
	}
	TAP_OK(rip_hasher_finish(h, &out, &err) == 0);
	for (size_t i = 0; i < nfiles; i++) {
		const struct rip_filelane *l = &lanes[i];
		int link = files[l->entry].group && l->start >= at;

		if (l->state == RIP_LANE_DONE) {
			for (int j = 0; j < 16; j++)
				snprintf(hex + 2 * j, 3, "%02x", l->md5[j]);
			wrong += strcmp(hex, want[l->entry]) != 0 || l->start < at;
			done++;
			links_done += link;
		} else if (l->state == RIP_LANE_SKIPPED && (l->start < at || link)) {
			links_skipped += link;
		} else {
			wrong++;	/* not finished, or given up for no reason */
		}
	}
	tap_ok(wrong == 0, "%s chunk %zu nbuf %u mask %#x handover at %llu: %zu files done, all right; "
	       "given up only those behind the handover and the links beyond the lanes kept",
	       kernel, chunk, nbuf, mask, (unsigned long long)at, done);
	tap_ok(at > 4u << 20 || (links_done >= 200 && links_skipped >= HARDLINKS - 256),
	       "%s chunk %zu nbuf %u: of %d files on one extent, %zu done and %zu given up",
	       kernel, chunk, nbuf, HARDLINKS, links_done, links_skipped);
	{
		char ref[HASH_HEX_MAX];
		struct file whole = { { { 0, SIZE } }, 1, 0 };
		int marks_ok = out.n_marks == 3;

		md5_ref(data, &whole, ref);
		tap_ok(strcmp(out.hex[0], ref) == 0, "%s chunk %zu nbuf %u: the image's MD5",
		       kernel, chunk, nbuf);
		for (size_t k = 0; marks_ok && k < out.n_marks; k++) {
			struct file prefix = { { { 0, out.mark_at[k] } }, 1, 0 };

			md5_ref(data, &prefix, ref);
			marks_ok = strcmp(ref, out.mark_md5[k]) == 0;
		}
		tap_ok(marks_ok, "%s chunk %zu nbuf %u: the mark MD5s", kernel, chunk, nbuf);
	}
	for (unsigned i = 0; i < nbuf; i++)
		free(buf[i]);
}

int main(void)
{
	static const char *kernels[] = { "scalar", "avx2", "avx512" };
	static const size_t chunks[] = { 4u << 20, 4096, 65536 + 4096, 3u << 20 };
	static char want[MAXF][33];
	unsigned char *data = malloc(SIZE);

	tap_plan_lazy();
	for (size_t i = 0; i < SIZE; i++)
		data[i] = (unsigned char)((i * 7919u) ^ (i >> 11) ^ (i >> 19));
	make_files();
	for (size_t i = 0; i < nfiles; i++)
		md5_ref(data, &files[i], want[i]);
	for (size_t k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++) {
		if (md5mb_set_kernel(kernels[k]) < 0) {
			tap_skip(kernels[k]);
			continue;
		}
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++)
			for (int late = 0; late < 2; late++)
				run(data, (const char (*)[33])want, kernels[k], chunks[c],
				    c % 2 ? 2 : 4,
				    HASH_MD5 | HASH_SHA1 | HASH_SHA256 | (c % 2 ? 0 : HASH_SHA512),
				    late ? HANDOVER : 0);
	}
	free(data);
	return tap_done();
}
