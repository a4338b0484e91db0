/*
 * rip_files.c - the per-file MD5s of a rip, computed in the stream pass.
 * The file tree is read from the part of the image written so far (the
 * volume descriptors and directories sit at the start of a disc) as soon
 * as all of it is there; then every regular file whose data lies ahead of
 * the stream, in increasing extents, gets an md5mb lane next to the
 * image's MD5 (rip_hash.c). The listing (rip_listing.c) takes these MD5s
 * for the entries of its own tree, read later from the image, that are
 * the same, and hashes every other file from the image file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "imaging/rip.h"
#include "platform/fileio.h"
#include "platform/banned.h"

/* Each attempt reads the tree from the start, once the read has reached
 * where the last one stopped; after a few, only once the read has also
 * doubled, so that a long tree read in small chunks costs a few parses,
 * not one per chunk. A tree whose directories are spread over the whole
 * disc is given up on (its files are then hashed from the image file). */
#define EAGER_ATTEMPTS 8
#define MAX_ATTEMPTS 40

/* A block source over the first `have` bytes of the image being written;
 * a read past them fails and says how far the tree wanted to read. */
struct prefix {
	int fd;
	uint64_t have, need;
	int starved;
};

static int prefix_read(void *ctx, uint64_t off, void *buf, size_t len, struct dv_error *err)
{
	struct prefix *p = ctx;
	ssize_t n;

	if (off + len > p->have) {
		if (off + len > p->need)
			p->need = off + len;
		p->starved = 1;
		return dv_error_set(err, DV_ERR_NOTFOUND, "not read yet");
	}
	n = pread_full(p->fd, buf, len, off);
	if (n != (ssize_t)len)
		return dv_error_errno(err, n < 0 ? errno : EIO, "cannot read the image");
	return 0;
}

void rip_files_init(struct rip_files *f)
{
	memset(f, 0, sizeof(*f));
	f->tree = (struct isotree)ISOTREE_INIT;
	f->state = RIP_FILES_WAITING;
}

void rip_files_release(struct rip_files *f)
{
	isotree_release(&f->tree);
	free(f->lanes);
	free(f->lane_of);
	f->lanes = NULL;
	f->lane_of = NULL;
	f->n = 0;
}

/* 1 when all of e's data lies in [from, size) in increasing extents that
 * do not overlap; *start is its first byte. */
static int streamable(const struct isotree_entry *e, uint64_t from, uint64_t size,
		      uint64_t *start)
{
	uint64_t next = from;
	int any = 0;

	for (size_t k = 0; k < e->n_extents; k++) {
		const struct isotree_extent *x = &e->extents[k];

		if (!x->length)
			continue;
		if (x->offset < next || x->length > size || x->offset > size - x->length)
			return 0;
		if (!any)
			*start = x->offset;
		any = 1;
		next = x->offset + x->length;
	}
	return any;
}

static int lane_cmp(const void *pa, const void *pb)
{
	const struct rip_filelane *a = pa, *b = pb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->entry < b->entry ? -1 : a->entry > b->entry;
}

static int plan(struct rip_files *f, uint64_t hashed, uint64_t size)
{
	const struct isotree *t = &f->tree;

	f->known_at = hashed;
	f->lane_of = malloc((t->n + 1) * sizeof(*f->lane_of));
	f->lanes = malloc((t->n + 1) * sizeof(*f->lanes));
	if (!f->lane_of || !f->lanes) {
		snprintf(f->why, sizeof(f->why), "out of memory");
		return -1;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct isotree_entry *e = &t->entries[i];
		uint64_t start = 0;

		f->lane_of[i] = RIP_FILES_NONE;
		if (!S_ISREG(e->mode))
			continue;
		if (e->size == 0) {
			f->lane_of[i] = RIP_FILES_EMPTY;
			f->n_empty++;
			continue;
		}
		if (!streamable(e, hashed, size, &start))
			continue;
		f->lanes[f->n++] = (struct rip_filelane){
			.ext = e->extents, .n_ext = e->n_extents, .start = start, .entry = i,
			.state = RIP_LANE_WAITING,
		};
	}
	qsort(f->lanes, f->n, sizeof(*f->lanes), lane_cmp);
	for (size_t k = 0; k < f->n; k++)
		f->lane_of[f->lanes[k].entry] = k;
	return 0;
}

int rip_files_poll(struct rip_files *f, int fd, uint64_t size, uint64_t have,
		   uint64_t hashed)
{
	struct prefix p = { fd, have, 0, 0 };
	struct blksrc src = { prefix_read, NULL, size, &p };
	struct dv_error err = DV_ERROR_INIT;
	int rc;

	if (f->state != RIP_FILES_WAITING || have < f->need ||
	    (f->attempts >= EAGER_ATTEMPTS && have / 2 < f->last_have))
		return 0;
	f->last_have = have;
	if (++f->attempts > MAX_ATTEMPTS) {
		f->state = RIP_FILES_FAILED;
		snprintf(f->why, sizeof(f->why), "the file tree is spread over the disc");
		return 0;
	}
	rc = isotree_read(&src, 0, ISOTREE_NAMES_AUTO, &f->tree, &err);
	if (p.starved) {	/* some of it lies further on: try again there */
		isotree_release(&f->tree);
		f->need = p.need > have ? p.need : have + 1;
		return 0;
	}
	if (rc < 0) {
		isotree_release(&f->tree);
		f->state = RIP_FILES_FAILED;
		snprintf(f->why, sizeof(f->why), "%s", err.msg);
		return 0;
	}
	if (plan(f, hashed, size) < 0) {
		rip_files_release(f);
		f->state = RIP_FILES_FAILED;
		return 0;
	}
	f->state = RIP_FILES_PLANNED;
	return f->n > 0;
}

static int same_entry(const struct isotree_entry *a, const struct isotree_entry *b)
{
	if (strcmp(a->path, b->path) != 0 || a->size != b->size || a->mode != b->mode ||
	    a->n_extents != b->n_extents)
		return 0;
	for (size_t k = 0; k < a->n_extents; k++)
		if (a->extents[k].offset != b->extents[k].offset ||
		    a->extents[k].length != b->extents[k].length)
			return 0;
	return 1;
}

int rip_files_md5(const struct rip_files *f, size_t i, const struct isotree_entry *e,
		  char out[33])
{
	const struct rip_filelane *l;
	size_t k;

	if (!f || f->state != RIP_FILES_PLANNED || i >= f->tree.n ||
	    !same_entry(&f->tree.entries[i], e))
		return 0;
	k = f->lane_of[i];
	if (k == RIP_FILES_EMPTY) {
		snprintf(out, 33, "d41d8cd98f00b204e9800998ecf8427e");	/* MD5 of nothing */
		return 1;
	}
	if (k == RIP_FILES_NONE || f->lanes[k].state != RIP_LANE_DONE)
		return 0;
	l = &f->lanes[k];
	hash_hex(l->md5, 16, out);
	return 1;
}
