/*
 * par2_create.c - creating a recovery set: par2cmdline's sizing, the
 * critical packets (Main, File Description, IFSC, Creator), recovery blocks
 * computed by the multiply-add driver while the next batch of input blocks
 * is read and hashed, and the index and volume files written as .tmp files
 * and renamed into place when complete.
 *
 * When the recovery blocks do not fit the memory budget they are computed
 * in groups, one pass over the input per group (hashes in the first pass).
 */
#include "engine/par2/par2_internal.h"
#include "engine/hash/md5mb.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/banned.h"

#ifndef DV_VERSION
#define DV_VERSION "0"
#endif
#define CREATOR_TEXT "Created by discvault version " DV_VERSION "."

struct cfile {
	const char *path;
	char *name;
	uint64_t size;
	uint8_t id[16], md5[16], md5_16k[16];
	uint32_t nblocks, first_block;
	struct p2_block_hash *ifsc;
	int fd;
};

struct outfile {
	char *name, *tmp;
	int fd;
	uint32_t first, count;    /* recovery exponents [first, first+count) */
	uint32_t copies;          /* copies of the critical packets */
	uint64_t *crit_off;       /* offset of each copy */
	uint64_t recv_off;        /* offsets of recovery packets computed */
	uint64_t creator_off;
};

struct creator {
	const struct par2_options *opt;
	struct dv_error *err;
	struct cfile *files;
	size_t nfiles;
	uint64_t bs;
	uint32_t nblocks, nrecv, first_exp;
	uint16_t *logs;
	uint8_t set_id[16];
	uint8_t *crit;            /* all critical packets, concatenated */
	size_t crit_len;
	uint8_t creator_pkt[128];
	size_t creator_len;
	struct outfile *out;
	uint32_t nout;
	const struct gf16_kernel *k;   /* for the packed layout */
	/* recovery group being written */
	uint8_t **recv;
	uint8_t (*recv_md5)[16];   /* packet MD5 of each recovery block */
	uint32_t nrecv_buf;
	uint32_t group_first;
	int write_failed;
	int write_errno;
};

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void packet_finish(uint8_t *pkt, size_t len, const uint8_t set_id[16],
			  const char *type)
{
	memcpy(pkt, P2_MAGIC, 8);
	p2_put64(pkt + 8, len);
	memcpy(pkt + 32, set_id, 16);
	memcpy(pkt + 48, type, 16);
	p2_md5(pkt + 32, len - 32, pkt + 16);
}

uint64_t par2_block_size_for_count(const uint64_t *sizes, size_t n,
				   uint32_t count)
{
	uint64_t lo = 1, hi = 1, words;

	if (!count)
		return 0;
	for (size_t i = 0; i < n; i++) {
		words = (sizes[i] + 3) / 4;
		if (words > hi)
			hi = words;
	}
	/* smallest size in words with sum ceil(words_i / size) <= count */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2, c = 0;

		for (size_t i = 0; i < n; i++)
			c += ((sizes[i] + 3) / 4 + mid - 1) / mid;
		if (c > count)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo * 4;
}

static int pread_full(int fd, void *buf, size_t n, uint64_t off)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : (int)(p - (uint8_t *)buf);
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int pwrite_full(int fd, const void *buf, size_t n, uint64_t off)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t r = pwrite(fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* Stored name: the path relative to the directory of the .par2 file. */
static char *relative_name(const char *dir_real, const char *path,
			   struct dv_error *err)
{
	char *real = realpath(path, NULL), *name;
	size_t dl = strlen(dir_real);

	if (!real) {
		dv_error_errno(err, errno, "cannot open '%s'", path);
		return NULL;
	}
	if (strncmp(real, dir_real, dl) || (dl > 1 && real[dl] != '/')) {
		dv_error_set(err, DV_ERR_USAGE,
			     "'%s' is outside the directory of the recovery files",
			     path);
		free(real);
		return NULL;
	}
	name = strdup(real + (dl > 1 ? dl + 1 : 1));
	free(real);
	if (!name || !*name) {
		free(name);
		dv_error_set(err, DV_ERR_USAGE, "bad file name '%s'", path);
		return NULL;
	}
	return name;
}

/* File IDs sort as little-endian 128-bit integers (par2cmdline compares
 * from the last byte), which orders the main packet and the input blocks. */
static int id_cmp(const void *a, const void *b)
{
	const uint8_t *x = ((const struct cfile *)a)->id, *y = ((const struct cfile *)b)->id;

	for (int i = 15; i >= 0; i--)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

static int open_inputs(struct creator *c, const char *par2_path,
		       const char *const *paths)
{
	char *dir = strdup(par2_path), *slash, *dir_real;
	struct dv_error *err = c->err;
	int rc = -1;

	if (!dir)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	dir_real = realpath(slash ? dir : ".", NULL);
	if (!dir_real) {
		dv_error_errno(err, errno, "cannot resolve '%s'", slash ? dir : ".");
		free(dir);
		return -1;
	}
	for (size_t i = 0; i < c->nfiles; i++)
		c->files[i].path = paths[i];
	for (size_t i = 0; i < c->nfiles; i++) {
		struct cfile *f = &c->files[i];
		uint8_t head[16384], idbuf[16 + 8 + PATH_MAX];
		struct stat st;
		size_t nl, n16;

		f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
		if (f->fd < 0 || fstat(f->fd, &st)) {
			dv_error_errno(err, errno, "cannot open '%s'", f->path);
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			dv_error_set(err, DV_ERR_USAGE, "'%s' is not a regular file",
				     f->path);
			goto out;
		}
		f->size = (uint64_t)st.st_size;
		f->name = relative_name(dir_real, f->path, err);
		if (!f->name)
			goto out;
		nl = strlen(f->name);
		if (nl > PATH_MAX) {
			dv_error_set(err, DV_ERR_USAGE, "name too long '%s'", f->path);
			goto out;
		}
		n16 = f->size < sizeof(head) ? (size_t)f->size : sizeof(head);
		if (pread_full(f->fd, head, n16, 0)) {
			dv_error_errno(err, errno, "cannot read '%s'", f->path);
			goto out;
		}
		p2_md5(head, n16, f->md5_16k);
		memcpy(idbuf, f->md5_16k, 16);
		p2_put64(idbuf + 16, f->size);
		memcpy(idbuf + 24, f->name, nl);
		p2_md5(idbuf, 24 + nl, f->id);
	}
	/* Empty files are left out of the set, as par2cmdline does. */
	size_t kept = 0;
	for (size_t i = 0; i < c->nfiles; i++) {
		struct cfile *f = &c->files[i];

		if (f->size) {
			c->files[kept++] = *f;
			continue;
		}
		close(f->fd);
		free(f->name);
	}
	for (size_t i = kept; i < c->nfiles; i++)
		c->files[i] = (struct cfile){ .fd = -1 };
	c->nfiles = kept;
	if (!kept) {
		dv_error_set(err, DV_ERR_USAGE, "no data to protect (all files are empty)");
		goto out;
	}
	qsort(c->files, c->nfiles, sizeof(*c->files), id_cmp);
	for (size_t i = 1; i < c->nfiles; i++)
		if (!memcmp(c->files[i].id, c->files[i - 1].id, 16)) {
			dv_error_set(err, DV_ERR_USAGE, "'%s' is given twice",
				     c->files[i].path);
			goto out;
		}
	rc = 0;
out:
	free(dir);
	free(dir_real);
	return rc;
}

static int plan_sizes(struct creator *c)
{
	const struct par2_options *o = c->opt;
	uint64_t *sizes = calloc(c->nfiles, sizeof(*sizes)), k = 0;
	uint32_t r;

	if (!sizes)
		return dv_error_set(c->err, DV_ERR_FAIL, "out of memory");
	for (size_t i = 0; i < c->nfiles; i++)
		sizes[i] = c->files[i].size;
	if (o->block_size) {
		c->bs = o->block_size;
	} else {
		uint32_t want = o->block_count ? o->block_count : 2000;

		if (want < c->nfiles) {
			free(sizes);
			return dv_error_set(c->err, DV_ERR_USAGE,
				"block count (%u) cannot be smaller than the number of files (%zu)",
				want, c->nfiles);
		}
		c->bs = par2_block_size_for_count(sizes, c->nfiles, want);
	}
	free(sizes);
	if (!c->bs || c->bs % 4)
		return dv_error_set(c->err, DV_ERR_USAGE,
				    "block size must be a positive multiple of 4");
	if (c->bs > (1ull << 36))
		return dv_error_set(c->err, DV_ERR_USAGE, "block size too large");
	for (size_t i = 0; i < c->nfiles; i++) {
		struct cfile *f = &c->files[i];
		uint64_t nb = (f->size + c->bs - 1) / c->bs;

		if (k + nb > P2_MAX_BLOCKS)
			return dv_error_set(c->err, DV_ERR_USAGE,
				"too many blocks (more than %u); use a larger block size",
				P2_MAX_BLOCKS);
		f->nblocks = (uint32_t)nb;
		f->first_block = (uint32_t)k;
		k += nb;
	}
	if (!k)
		return dv_error_set(c->err, DV_ERR_USAGE, "no data to protect (all files are empty)");
	c->nblocks = (uint32_t)k;
	if (o->recovery_count) {
		r = o->recovery_count;
	} else {
		r = (uint32_t)(((uint64_t)k * o->redundancy_pct + 50) / 100);
		if (!r && o->redundancy_pct)
			r = 1;
	}
	c->first_exp = o->first_exponent;
	if ((uint64_t)c->first_exp + r >= 65536)
		return dv_error_set(c->err, DV_ERR_USAGE,
				    "too many recovery blocks or first block too high");
	c->nrecv = r;
	c->logs = malloc(sizeof(*c->logs) * k);
	if (!c->logs)
		return dv_error_set(c->err, DV_ERR_FAIL, "out of memory");
	gf16_input_logs(c->logs, (uint32_t)k);
	return 0;
}

/* Main packet (set ID from it) and creator; descriptions are built after
 * the first pass, when the hashes are known. */
static int build_main(struct creator *c)
{
	size_t len = P2_HDR + 12 + 16 * c->nfiles;
	uint8_t *m = calloc(1, len);

	if (!m)
		return dv_error_set(c->err, DV_ERR_FAIL, "out of memory");
	p2_put64(m + P2_HDR, c->bs);
	p2_put32(m + P2_HDR + 8, (uint32_t)c->nfiles);
	for (size_t i = 0; i < c->nfiles; i++)
		memcpy(m + P2_HDR + 12 + 16 * i, c->files[i].id, 16);
	p2_md5(m + P2_HDR, len - P2_HDR, c->set_id);
	packet_finish(m, len, c->set_id, P2_TYPE_MAIN);
	c->crit = m;
	c->crit_len = len;
	for (size_t i = 0; i < c->nfiles; i++)
		c->crit_len += P2_HDR + 56 + pad4(strlen(c->files[i].name)) +
			       P2_HDR + 16 + 20 * (size_t)c->files[i].nblocks;
	m = realloc(c->crit, c->crit_len);
	if (!m)
		return dv_error_set(c->err, DV_ERR_FAIL, "out of memory");
	c->crit = m;
	memset(c->creator_pkt, 0, sizeof(c->creator_pkt));
	memcpy(c->creator_pkt + P2_HDR, CREATOR_TEXT, strlen(CREATOR_TEXT));
	c->creator_len = P2_HDR + pad4(strlen(CREATOR_TEXT));
	packet_finish(c->creator_pkt, c->creator_len, c->set_id, P2_TYPE_CREATOR);
	return 0;
}

static void build_descriptions(struct creator *c)
{
	uint8_t *p = c->crit + P2_HDR + 12 + 16 * c->nfiles;

	for (size_t i = 0; i < c->nfiles; i++) {
		struct cfile *f = &c->files[i];
		size_t nl = strlen(f->name), dl = P2_HDR + 56 + pad4(nl);
		size_t il = P2_HDR + 16 + 20 * (size_t)f->nblocks;

		memset(p, 0, dl);
		memcpy(p + P2_HDR, f->id, 16);
		memcpy(p + P2_HDR + 16, f->md5, 16);
		memcpy(p + P2_HDR + 32, f->md5_16k, 16);
		p2_put64(p + P2_HDR + 48, f->size);
		memcpy(p + P2_HDR + 56, f->name, nl);
		packet_finish(p, dl, c->set_id, P2_TYPE_DESC);
		p += dl;
		memset(p, 0, il);
		memcpy(p + P2_HDR, f->id, 16);
		for (uint32_t b = 0; b < f->nblocks; b++) {
			memcpy(p + P2_HDR + 16 + 20 * b, f->ifsc[b].md5, 16);
			p2_put32(p + P2_HDR + 32 + 20 * b, f->ifsc[b].crc);
		}
		packet_finish(p, il, c->set_id, P2_TYPE_IFSC);
		p += il;
	}
}

/* File names, recovery distribution and every packet's offset. */
static int plan_outputs(struct creator *c, const char *par2_path)
{
	const struct par2_options *o = c->opt;
	char *base = p2_base_of(par2_path);
	uint32_t nvol = 0, *counts = NULL, maxcount = 0;
	uint64_t rsize = P2_HDR + 4 + c->bs;
	int rc = -1;

	if (!base)
		return dv_error_set(c->err, DV_ERR_FAIL, "out of memory");
	if (c->nrecv) {
		nvol = o->recovery_files;
		if (!nvol)
			for (uint32_t b = c->nrecv; b; b >>= 1)
				nvol++;
		counts = calloc(nvol, sizeof(*counts));
		if (!counts || p2_distribute(c->nrecv, nvol, o->uniform, counts) < 0) {
			dv_error_set(c->err, DV_ERR_USAGE,
				     "more recovery files (%u) than recovery blocks (%u)",
				     nvol, c->nrecv);
			goto out;
		}
	}
	c->nout = nvol + 1;
	c->out = calloc(c->nout, sizeof(*c->out));
	if (!c->out) {
		dv_error_set(c->err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < nvol; i++)
		if (counts[i] > maxcount)
			maxcount = counts[i];
	uint32_t e = c->first_exp;
	for (uint32_t i = 0; i < c->nout; i++) {
		struct outfile *f = &c->out[i];
		size_t n;

		f->fd = -1;
		if (i == 0) {
			size_t bl = strlen(base) + 6;

			f->name = malloc(bl);
			if (f->name)
				snprintf(f->name, bl, "%s.par2", base);
			f->copies = 1;
		} else {
			f->first = e;
			f->count = counts[i - 1];
			e += f->count;
			f->name = p2_vol_name(base, f->first, f->count,
					      p2_digits(c->first_exp + c->nrecv),
					      p2_digits(maxcount));
			f->copies = 0;
			for (uint32_t b = f->count; b; b >>= 1)
				f->copies++;
		}
		if (!f->name)
			goto oom;
		n = strlen(f->name) + 8;
		f->tmp = malloc(n);
		f->crit_off = calloc(f->copies ? f->copies : 1, sizeof(uint64_t));
		if (!f->tmp || !f->crit_off)
			goto oom;
		snprintf(f->tmp, n, "%s.dvtmp", f->name);
	}
	rc = 0;
	goto out;
oom:
	dv_error_set(c->err, DV_ERR_FAIL, "out of memory");
out:
	free(counts);
	free(base);
	(void)rsize;
	return rc;
}

/*
 * Layout of a volume file with C recovery packets and K copies of the
 * critical packets: a copy before recovery packets 0, C/K, 2C/K, ... and the
 * Creator packet last. Returns the offset of recovery packet j (j == count
 * gives the end).
 */
static uint64_t recv_offset(const struct creator *c, const struct outfile *f,
			    uint32_t j)
{
	uint64_t rsize = P2_HDR + 4 + c->bs, off = 0;
	uint32_t copies_before = 0;

	for (uint32_t k = 0; k < f->copies; k++)
		if ((uint64_t)k * f->count / f->copies <= j)
			copies_before = k + 1;
	if (j >= f->count)
		copies_before = f->copies;
	off = (uint64_t)copies_before * c->crit_len + (uint64_t)j * rsize;
	return off;
}

static int open_outputs(struct creator *c)
{
	for (uint32_t i = 0; i < c->nout; i++) {
		struct outfile *f = &c->out[i];

		f->fd = open(f->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (f->fd < 0)
			return dv_error_errno(c->err, errno, "cannot create '%s'", f->tmp);
		for (uint32_t k = 0; k < f->copies; k++) {
			uint32_t j = (uint32_t)((uint64_t)k * f->count / f->copies);

			f->crit_off[k] = i == 0 ? 0 :
				recv_offset(c, f, j) - (uint64_t)c->crit_len;
		}
		f->creator_off = i == 0 ? c->crit_len : recv_offset(c, f, f->count);
	}
	return 0;
}

static void recv_header(const struct creator *c, uint32_t e, uint8_t hdr[P2_HDR + 4])
{
	memset(hdr, 0, P2_HDR + 4);
	memcpy(hdr, P2_MAGIC, 8);
	p2_put64(hdr + 8, P2_HDR + 4 + c->bs);
	memcpy(hdr + 32, c->set_id, 16);
	memcpy(hdr + 48, P2_TYPE_RECV, 16);
	p2_put32(hdr + 64, e);
}

static void unpack_recv_one(void *ctx, uint32_t idx)
{
	struct creator *c = ctx;

	c->k->unpack(c->recv[idx], c->recv[idx], c->bs);
}

/* The packet MD5s of recovery blocks [i, i + n), n <= 16, in vector lanes. */
static void recv_md5s(struct creator *c, uint32_t i, unsigned n, uint8_t (*md5)[16])
{
	struct md5mb_ctx ctx[16], *cp[16];
	uint8_t hdr[16][P2_HDR + 4];
	const void *p[16];
	size_t len[16];

	for (unsigned j = 0; j < n; j++) {
		recv_header(c, c->group_first + i + j, hdr[j]);
		md5mb_init(&ctx[j]);
		cp[j] = &ctx[j];
		p[j] = hdr[j] + 32;
		len[j] = P2_HDR + 4 - 32;
	}
	md5mb_update_many(cp, p, len, n);
	for (unsigned j = 0; j < n; j++) {
		p[j] = c->recv[i + j];
		len[j] = (size_t)c->bs;
	}
	md5mb_update_many(cp, p, len, n);
	for (unsigned j = 0; j < n; j++)
		md5mb_final(&ctx[j], md5[j]);
}

static void write_recv_one(void *ctx, uint32_t idx)
{
	struct creator *c = ctx;
	uint32_t e = c->group_first + idx;
	uint8_t hdr[P2_HDR + 4];

	recv_header(c, e, hdr);
	memcpy(hdr + 16, c->recv_md5[idx], 16);
	for (uint32_t i = 1; i < c->nout; i++) {
		struct outfile *f = &c->out[i];

		if (e < f->first || e >= f->first + f->count)
			continue;
		uint64_t off = recv_offset(c, f, e - f->first);

		if (pwrite_full(f->fd, hdr, sizeof(hdr), off) ||
		    pwrite_full(f->fd, c->recv[idx], c->bs, off + sizeof(hdr))) {
			c->write_errno = errno;
			c->write_failed = 1;
		}
	}
}

struct batch {
	uint8_t *buf;
	const void **in;
	uint32_t *gidx;
	struct cfile **file;      /* per slot: its file, block and length */
	uint32_t *block;
	size_t *want;
	unsigned n;
	uint64_t bs;
};

static void progress(struct creator *c, uint64_t done, uint64_t total)
{
	if (c->opt->progress)
		c->opt->progress(c->opt->progress_ctx, "create", done, total);
}

/* Block MD5s (all slots at once, in vector lanes) and CRCs; runs beside
 * the whole-file MD5. */
static void *hash_blocks(void *p)
{
	struct batch *t = p;
	uint8_t md5[16][16];

	for (unsigned i = 0; i < t->n; i += 16) {
		unsigned m = t->n - i < 16 ? t->n - i : 16;

		md5mb_digest_many(t->in + i, (size_t)t->bs, md5, m);
		for (unsigned j = 0; j < m; j++)
			memcpy(t->file[i + j]->ifsc[t->block[i + j]].md5, md5[j], 16);
	}
	for (unsigned i = 0; i < t->n; i++)
		t->file[i]->ifsc[t->block[i]].crc = p2_crc32(0, t->in[i], (size_t)t->bs);
	return NULL;
}

/* Whole-file MD5s, in file order across batches (one context at a time). */
static int hash_files(struct batch *t, struct p2_md5 *full)
{
	for (unsigned i = 0; i < t->n; i++) {
		struct cfile *f = t->file[i];

		if (t->block[i] == 0 && p2_md5_init(full))
			return -1;
		p2_md5_update(full, t->in[i], t->want[i]);
		if (t->block[i] + 1 == f->nblocks)
			p2_md5_final(full, f->md5);
	}
	return 0;
}

/*
 * One pass over all input: read every block and multiply-add it into the
 * recovery blocks [g0, g0 + ng). While the workers compute on one batch,
 * the next is read and (in the first pass) hashed: the file MD5 here, the
 * block MD5s and CRCs on a helper thread.
 */
static int run_pass(struct creator *c, struct p2_mm *mm, struct batch bt[2],
		    unsigned B, uint32_t g0, uint32_t ng, int first_pass,
		    uint64_t *done, uint64_t total)
{
	uint16_t *coef[2];
	int cur = 0, rc = -1;
	struct p2_md5 full;

	full.ctx = NULL;
	coef[0] = malloc(sizeof(uint16_t) * ng * B);
	coef[1] = malloc(sizeof(uint16_t) * ng * B);
	if (!coef[0] || !coef[1]) {
		dv_error_set(c->err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	bt[0].n = bt[1].n = 0;
	if (first_pass)
		for (size_t fi = 0; fi < c->nfiles; fi++)
			if (!c->files[fi].nblocks)
				p2_md5("", 0, c->files[fi].md5);
	for (size_t fi = 0; fi <= c->nfiles; fi++) {
		struct cfile *f = fi < c->nfiles ? &c->files[fi] : NULL;
		uint32_t nb = f ? f->nblocks : 0;

		if (f)
			posix_fadvise(f->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		for (uint32_t b = 0; b <= nb; b++) {
			struct batch *t = &bt[cur];
			int last = !f && b == nb;

			if (b < nb) {
				uint8_t *dst = t->buf + (size_t)t->n * c->bs;
				uint64_t off = (uint64_t)b * c->bs;
				size_t want = f->size - off < c->bs ? (size_t)(f->size - off) : c->bs;
				int r = pread_full(f->fd, dst, want, off);

				if (r) {
					if (r < 0)
						dv_error_errno(c->err, errno, "cannot read '%s'", f->path);
					else
						dv_error_set(c->err, DV_ERR_FAIL, "'%s' shrank while reading", f->path);
					goto out;
				}
				memset(dst + want, 0, c->bs - want);
				t->gidx[t->n] = f->first_block + b;
				t->in[t->n] = dst;
				t->file[t->n] = f;
				t->block[t->n] = b;
				t->want[t->n] = want;
				t->n++;
				*done += want;
			}
			if (!t->n || (t->n < B && !last))
				continue;
			if (first_pass) {
				pthread_t th;
				int threaded = !pthread_create(&th, NULL, hash_blocks, t);
				int hrc = hash_files(t, &full);

				if (threaded)
					pthread_join(th, NULL);
				else
					hash_blocks(t);
				if (hrc) {
					dv_error_set(c->err, DV_ERR_FAIL, "cannot compute MD5");
					goto out;
				}
			}
			for (unsigned i = 0; i < t->n; i++)
				mm->k->pack((void *)t->in[i], t->in[i], c->bs);
			uint16_t *cf = coef[cur];

			for (uint32_t o = 0; o < ng; o++)
				for (unsigned i = 0; i < t->n; i++)
					cf[(size_t)o * t->n + i] = gf16_coef(c->logs[t->gidx[i]],
									     c->first_exp + g0 + o);
			p2_mm_wait(mm);
			bt[!cur].n = 0;
			if (p2_mm_start(mm, c->recv, ng, t->in, t->n, 0, c->bs, cf)) {
				dv_error_set(c->err, DV_ERR_FAIL, "out of memory");
				goto out;
			}
			cur = !cur;
			progress(c, *done, total);
		}
	}
	p2_mm_wait(mm);
	rc = 0;
out:
	p2_mm_wait(mm);
	p2_md5_release(&full);
	free(coef[0]);
	free(coef[1]);
	return rc;
}

static int finish_outputs(struct creator *c)
{
	for (uint32_t i = 0; i < c->nout; i++) {
		struct outfile *f = &c->out[i];

		for (uint32_t k = 0; k < f->copies; k++)
			if (pwrite_full(f->fd, c->crit, c->crit_len, f->crit_off[k]))
				return dv_error_errno(c->err, errno, "cannot write '%s'", f->tmp);
		if (pwrite_full(f->fd, c->creator_pkt, c->creator_len, f->creator_off) ||
		    fsync(f->fd))
			return dv_error_errno(c->err, errno, "cannot write '%s'", f->tmp);
	}
	for (uint32_t i = 0; i < c->nout; i++) {
		struct outfile *f = &c->out[i];

		if (close(f->fd)) {
			f->fd = -1;
			return dv_error_errno(c->err, errno, "cannot write '%s'", f->tmp);
		}
		f->fd = -1;
		if (rename(f->tmp, f->name))
			return dv_error_errno(c->err, errno, "cannot rename '%s'", f->tmp);
		free(f->tmp);
		f->tmp = NULL;
	}
	return 0;
}

int par2_create(const char *par2_path, const char *const *paths, size_t nfiles,
		const struct par2_options *opt, struct dv_error *err)
{
	struct par2_options defaults = PAR2_OPTIONS_INIT;
	struct creator c;
	struct p2_mm mm;
	struct batch bt[2];
	size_t plen = strlen(par2_path);
	uint64_t limit, total = 0, done = 0, batch_mem;
	unsigned B;
	int rc = -1, mm_ok = 0;

	memset(&c, 0, sizeof(c));
	memset(bt, 0, sizeof(bt));
	c.opt = opt ? opt : &defaults;
	c.err = err;
	gf16_init();
	if (plen < 6 || strcmp(par2_path + plen - 5, ".par2"))
		return dv_error_set(err, DV_ERR_USAGE, "'%s' does not end in .par2", par2_path);
	if (!nfiles)
		return dv_error_set(err, DV_ERR_USAGE, "no files to protect");
	c.nfiles = nfiles;
	c.files = calloc(nfiles, sizeof(*c.files));
	if (!c.files)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	for (size_t i = 0; i < nfiles; i++)
		c.files[i].fd = -1;
	if (open_inputs(&c, par2_path, paths) || plan_sizes(&c) || build_main(&c) ||
	    plan_outputs(&c, par2_path) || open_outputs(&c))
		goto out;
	for (size_t i = 0; i < c.nfiles; i++) {
		c.files[i].ifsc = calloc(c.files[i].nblocks + 1, sizeof(struct p2_block_hash));
		if (!c.files[i].ifsc) {
			dv_error_set(err, DV_ERR_FAIL, "out of memory");
			goto out;
		}
		total += c.files[i].size;
	}
	if (p2_mm_init(&mm, c.opt->threads, err))
		goto out;
	mm_ok = 1;
	c.k = mm.k;

	/* Memory: two input batches of up to 16 blocks, the rest for
	 * recovery blocks; at least one recovery block per pass. */
	limit = p2_memory_limit(c.opt->memory_limit);
	B = 16;
	while (B > 2 && 2 * (uint64_t)B * c.bs > limit / 4)
		B /= 2;
	batch_mem = 2 * (uint64_t)B * c.bs;
	uint64_t per_pass = limit > batch_mem ? (limit - batch_mem) / c.bs : 1;
	uint32_t G = c.nrecv < per_pass ? c.nrecv : (uint32_t)(per_pass ? per_pass : 1);
	uint32_t npass = c.nrecv ? (c.nrecv + G - 1) / G : 1;

	for (int i = 0; i < 2; i++) {
		bt[i].buf = p2_aligned((size_t)(B * c.bs));
		bt[i].in = calloc(B, sizeof(void *));
		bt[i].gidx = calloc(B, sizeof(uint32_t));
		bt[i].file = calloc(B, sizeof(struct cfile *));
		bt[i].block = calloc(B, sizeof(uint32_t));
		bt[i].want = calloc(B, sizeof(size_t));
		bt[i].bs = c.bs;
		if (!bt[i].buf || !bt[i].in || !bt[i].gidx || !bt[i].file ||
		    !bt[i].block || !bt[i].want) {
			dv_error_set(err, DV_ERR_FAIL, "out of memory for input buffers");
			goto out;
		}
	}
	c.nrecv_buf = G;
	c.recv = calloc(G ? G : 1, sizeof(uint8_t *));
	c.recv_md5 = calloc(G ? G : 1, 16);
	if (!c.recv || !c.recv_md5) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < G; i++) {
		c.recv[i] = p2_aligned((size_t)c.bs);
		if (!c.recv[i]) {
			dv_error_set(err, DV_ERR_FAIL,
				     "out of memory for recovery blocks; lower the memory limit");
			goto out;
		}
	}
	total *= npass;
	for (uint32_t p = 0; p < npass; p++) {
		uint32_t g0 = p * G, ng = c.nrecv - g0 < G ? c.nrecv - g0 : G;

		for (uint32_t i = 0; i < ng; i++)
			memset(c.recv[i], 0, c.bs);
		if (run_pass(&c, &mm, bt, B, g0, ng, p == 0, &done, total))
			goto out;
		if (p == 0)
			build_descriptions(&c);
		c.group_first = c.first_exp + g0;
		p2_parallel_for(c.opt->threads, ng, unpack_recv_one, &c);
		for (uint32_t i = 0; i < ng; i += 16)
			recv_md5s(&c, i, ng - i < 16 ? ng - i : 16, c.recv_md5 + i);
		p2_parallel_for(c.opt->threads, ng, write_recv_one, &c);
		if (c.write_failed) {
			dv_error_errno(err, c.write_errno, "cannot write recovery files");
			goto out;
		}
	}
	if (!c.nrecv)
		build_descriptions(&c);
	if (finish_outputs(&c))
		goto out;
	rc = 0;
out:
	if (mm_ok)
		p2_mm_release(&mm);
	for (int i = 0; i < 2; i++) {
		free(bt[i].buf);
		free(bt[i].in);
		free(bt[i].gidx);
		free(bt[i].file);
		free(bt[i].block);
		free(bt[i].want);
	}
	if (c.recv)
		for (uint32_t i = 0; i < c.nrecv_buf; i++)
			free(c.recv[i]);
	free(c.recv);
	free(c.recv_md5);
	for (uint32_t i = 0; i < c.nout; i++) {
		struct outfile *f = &c.out[i];

		if (f->fd >= 0)
			close(f->fd);
		if (f->tmp) {
			unlink(f->tmp);
			free(f->tmp);
		}
		free(f->name);
		free(f->crit_off);
	}
	free(c.out);
	for (size_t i = 0; i < nfiles; i++) {
		if (c.files[i].fd >= 0)
			close(c.files[i].fd);
		free(c.files[i].name);
		free(c.files[i].ifsc);
	}
	free(c.files);
	free(c.logs);
	free(c.crit);
	return rc;
}
