/*
 * par2_verify.c - checking the files of a recovery set. A file whose size
 * and MD5 match is complete. Any other file is scanned with a sliding CRC-32
 * window, as par2cmdline does: at each offset the window's CRC is looked up
 * among the block CRCs of the set (the block expected next first), a hit is
 * confirmed by MD5 and the scan jumps a block ahead; on a miss it moves one
 * byte. So shifted, truncated and partly overwritten data is still found.
 */
#include "engine/par2/par2_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/hash/md5mb.h"
#include "platform/fileio.h"
#include "platform/banned.h"

struct crc_ent {
	uint32_t crc;
	uint32_t g;
};

struct scanner {
	struct p2_scan *s;
	const struct par2_options *opt;
	struct crc_ent *tab;
	uint32_t ntab;
	struct p2_block_hash **hash;   /* per global block, NULL if unknown */
	struct p2_crc_window win;
	uint64_t done, total;
	int by_blocks;            /* repair: scan same-size files, no MD5 pass */
};

static int ent_cmp(const void *a, const void *b)
{
	const struct crc_ent *x = a, *y = b;

	if (x->crc != y->crc)
		return x->crc < y->crc ? -1 : 1;
	return x->g < y->g ? -1 : x->g > y->g;
}

int p2_name_safe(const char *name)
{
	size_t n = strlen(name);

	if (!n || name[0] == '/' || !strcmp(name, "..") || !strncmp(name, "../", 3) ||
	    strstr(name, "/../") || (n >= 3 && !strcmp(name + n - 3, "/..")))
		return 0;
	return 1;
}

static void report(struct scanner *sc, uint64_t add)
{
	sc->done += add;
	if (sc->opt->progress)
		sc->opt->progress(sc->opt->progress_ctx, "verify", sc->done, sc->total);
}

/* Mark every block whose hashes equal the one at g as found at (src, off). */
static void mark_found(struct scanner *sc, uint32_t g, int32_t src, uint64_t off)
{
	const struct p2_block_hash *h = sc->hash[g];
	struct crc_ent key = { h->crc, 0 };
	uint32_t lo = 0, hi = sc->ntab;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (ent_cmp(&sc->tab[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t i = lo; i < sc->ntab && sc->tab[i].crc == h->crc; i++) {
		uint32_t o = sc->tab[i].g;

		if (sc->s->found[o].src < 0 && !memcmp(sc->hash[o]->md5, h->md5, 16)) {
			sc->s->found[o].src = src;
			sc->s->found[o].offset = off;
		}
	}
}

static int64_t lookup(struct scanner *sc, uint32_t crc, const uint8_t *w,
		      uint64_t bs, int64_t expect)
{
	uint8_t md5[16];
	int have_md5 = 0;
	struct crc_ent key = { crc, 0 };
	uint32_t lo = 0, hi = sc->ntab;

	if (expect >= 0 && sc->hash[expect] && sc->hash[expect]->crc == crc) {
		p2_md5(w, (size_t)bs, md5);
		have_md5 = 1;
		if (!memcmp(md5, sc->hash[expect]->md5, 16))
			return expect;
	}
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (ent_cmp(&sc->tab[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t i = lo; i < sc->ntab && sc->tab[i].crc == crc; i++) {
		if (!have_md5) {
			p2_md5(w, (size_t)bs, md5);
			have_md5 = 1;
		}
		if (!memcmp(md5, sc->hash[sc->tab[i].g]->md5, 16))
			return sc->tab[i].g;
	}
	return -1;
}

/* A window on the file: bytes [base, base + cap) of it, zero past its end. */
struct window {
	int fd;
	uint8_t *buf;
	uint64_t base, cap;
};

/* Make bytes [p, p + need) available (need <= cap), keeping what is there. */
static int window_at(struct window *w, uint64_t p, uint64_t need)
{
	uint64_t keep;

	if (p >= w->base && p + need <= w->base + w->cap)
		return 0;
	keep = p >= w->base && p < w->base + w->cap ? w->base + w->cap - p : 0;
	if (keep)
		memmove(w->buf, w->buf + (p - w->base), (size_t)keep);
	w->base = p;
	return pread_zero_fill(w->fd, w->buf + keep, (size_t)(w->cap - keep), p + keep);
}

/*
 * Slide over the file (zero-extended past its end) looking for blocks.
 * Where the blocks are in place, the next p2_batch_blocks() of them are
 * MD5'd at once, in vector lanes.
 */
static int scan_file(struct scanner *sc, int32_t ti, int fd, uint64_t size)
{
	struct p2_set *set = &sc->s->set;
	const struct p2_file *tf = (uint32_t)ti < set->nfiles ? &set->files[ti] : NULL;
	uint64_t bs = set->block_size, p = 0, last_report = 0;
	unsigned K = p2_batch_blocks(bs);
	struct window win = { fd, NULL, UINT64_MAX, (K + 1) * bs };
	uint8_t ahead[P2_BATCH_MAX][16];
	uint64_t ahead_off = 0;
	unsigned ahead_n = 0;
	/* the block expected next, and the end of its file's blocks */
	int64_t expect = tf && tf->nblocks && tf->ifsc ? (int64_t)tf->first_block : -1;
	int64_t expect_end = expect >= 0 ? expect + tf->nblocks : -1;
	int fresh = 1;
	uint32_t raw = 0;

	win.buf = malloc((size_t)win.cap);
	if (!win.buf)
		return -1;
	while (p < size) {
		const uint8_t *w;
		int64_t g = -1;

		if (window_at(&win, p, bs + 1))
			goto fail;
		if (fresh && expect >= 0 && sc->hash[expect]) {
			/* in intact stretches the expected block is there: an
			 * MD5 alone confirms it and the CRC is not needed */
			uint64_t idx = p >= ahead_off ? (p - ahead_off) / bs : UINT64_MAX;

			if (p < ahead_off || (p - ahead_off) % bs || idx >= ahead_n) {
				const void *ptr[P2_BATCH_MAX];
				unsigned n = 0;

				if (window_at(&win, p, K * bs + 1))
					goto fail;
				while (n < K && expect + n < expect_end &&
				       sc->hash[expect + n] && p + (uint64_t)n * bs < size) {
					ptr[n] = win.buf + (p - win.base) + (uint64_t)n * bs;
					n++;
				}
				md5mb_digest_many(ptr, (size_t)bs, ahead, n);
				ahead_off = p;
				ahead_n = n;
				idx = 0;
			}
			if (idx < ahead_n && !memcmp(ahead[idx], sc->hash[expect]->md5, 16))
				g = expect;
		}
		w = win.buf + (p - win.base);
		if (fresh) {
			if (g < 0)
				raw = p2_crc_raw(w, (size_t)bs);
			fresh = 0;
		}
		if (g < 0)
			g = lookup(sc, p2_crc_value(raw), w, bs, expect);

		if (g >= 0) {
			const struct p2_file *f = NULL;

			mark_found(sc, (uint32_t)g, ti, p);
			for (uint32_t i = 0; i < set->nfiles; i++)
				if (g >= set->files[i].first_block &&
				    g < (int64_t)set->files[i].first_block + set->files[i].nblocks)
					f = &set->files[i];
			expect_end = f ? (int64_t)f->first_block + f->nblocks : -1;
			expect = g + 1 < expect_end ? g + 1 : -1;
			p += bs;
			fresh = 1;
		} else {
			raw = p2_crc_roll(&sc->win, raw, w[0], w[bs]);
			p++;
		}
		if (p - last_report >= (4u << 20)) {
			report(sc, p - last_report);
			last_report = p;
		}
	}
	report(sc, (p > size ? size : p) - last_report);
	free(win.buf);
	return 0;
fail:
	free(win.buf);
	return -1;
}

/* Whole-file MD5; 1 when it matches. */
static int file_matches(struct scanner *sc, int fd, const struct p2_file *f)
{
	size_t n = 1u << 20;
	uint8_t *buf = malloc(n), md5[16];
	struct p2_md5 m;
	uint64_t off = 0;

	if (!buf || p2_md5_init(&m)) {
		free(buf);
		return -1;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while (off < f->size) {
		ssize_t r = pread(fd, buf, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		p2_md5_update(&m, buf, (size_t)r);
		off += (uint64_t)r;
		report(sc, (uint64_t)r);
	}
	p2_md5_final(&m, md5);
	free(buf);
	return off == f->size && !memcmp(md5, f->md5, 16);
}

/*
 * A file of the right size: scan it for blocks, and when every block is
 * found in its place the file is intact (its blocks and length determine
 * it). One pass whether it is intact or damaged, where a whole-file MD5
 * first would cost a damaged file two. Without block hashes (or when asked
 * to) the whole-file MD5 decides, and a mismatch leads to the scan.
 */
static int check_same_size(struct scanner *sc, int32_t ti, int fd,
			   const struct p2_file *f, int *match)
{
	if (!sc->by_blocks || !f->ifsc) {
		*match = file_matches(sc, fd, f);
		if (*match < 0)
			return -1;
		if (*match == 0 && sc->ntab)
			return scan_file(sc, ti, fd, f->size);
		return 0;
	}
	if (scan_file(sc, ti, fd, f->size))
		return -1;
	*match = 1;
	for (uint32_t b = 0; b < f->nblocks; b++) {
		const struct p2_found *fd_ = &sc->s->found[f->first_block + b];

		if (fd_->src != ti || fd_->offset != (uint64_t)b * sc->s->set.block_size)
			*match = 0;
	}
	return 0;
}

void p2_scan_release(struct p2_scan *s)
{
	for (uint32_t i = 0; i < s->ntargets; i++)
		free(s->targets[i]);
	free(s->targets);
	free(s->found);
	free(s->state);
	p2_set_release(&s->set);
	memset(s, 0, sizeof(*s));
}

static int fill_report(struct p2_scan *s, struct par2_report *rep)
{
	struct p2_set *set = &s->set;

	memset(rep, 0, sizeof(*rep));
	rep->block_size = set->block_size;
	rep->nfiles = set->nfiles;
	rep->files = calloc(set->nfiles ? set->nfiles : 1, sizeof(*rep->files));
	if (!rep->files)
		return -1;
	rep->blocks_total = set->nblocks;
	rep->blocks_missing = s->missing;
	rep->recovery_available = set->nrecv;
	rep->packets_bad = set->packets_bad;
	rep->par2_files = set->par2_files;
	for (uint32_t g = 0; g < set->nblocks; g++)
		rep->blocks_in_extra += s->found[g].src >= (int32_t)set->nfiles;
	int unrepairable = s->missing > set->nrecv, damaged = s->missing > 0;
	for (uint32_t i = 0; i < set->nfiles; i++) {
		struct p2_file *f = &set->files[i];
		struct par2_file_report *fr = &rep->files[i];

		fr->name = strdup(f->have_desc ? f->name : "?");
		if (!fr->name)
			return -1;
		fr->size = f->size;
		fr->blocks = f->nblocks;
		fr->state = s->state[i];
		for (uint32_t b = 0; b < f->nblocks; b++)
			fr->blocks_found += s->found[f->first_block + b].src >= 0;
		if (fr->state != PAR2_FILE_OK)
			damaged = 1;
		if (fr->state == PAR2_FILE_NODESC)
			unrepairable = 1;
	}
	rep->status = !damaged ? PAR2_OK : unrepairable ? PAR2_UNREPAIRABLE
				  : PAR2_REPAIRABLE;
	return 0;
}

/* 1 when a and b name the same file. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/*
 * Search the extra files for blocks still missing: they become targets
 * nfiles, nfiles + 1, ... so repair can read from them. Files of the set,
 * the set's .par2 files and files that cannot be opened are skipped.
 */
static int scan_extra(struct scanner *sc, struct dv_error *err)
{
	struct p2_scan *s = sc->s;
	const struct p2_set *set = &s->set;
	uint32_t missing = 0;

	for (uint32_t g = 0; g < set->nblocks; g++)
		missing += s->found[g].src < 0;
	for (size_t k = 0; k < sc->opt->nextra && missing; k++) {
		const char *path = sc->opt->extra_files[k];
		uint32_t ti = set->nfiles + (uint32_t)k;
		struct stat st;
		int fd, dup = 0;

		for (uint32_t i = 0; i < set->nfiles && !dup; i++)
			dup = s->targets[i] && same_file(path, s->targets[i]);
		for (uint32_t i = 0; i < set->npaths && !dup; i++)
			dup = same_file(path, set->paths[i]);   /* `repair x.par2 *` */
		if (dup || !sc->ntab)
			continue;
		s->targets[ti] = strdup(path);
		if (!s->targets[ti])
			return dv_error_set(err, DV_ERR_FAIL, "out of memory");
		s->ntargets = ti + 1;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		sc->total += (uint64_t)st.st_size;
		if (scan_file(sc, (int32_t)ti, fd, (uint64_t)st.st_size)) {
			close(fd);
			return dv_error_errno(err, errno, "cannot read '%s'", path);
		}
		close(fd);
	}
	return 0;
}

int p2_scan_run(struct p2_scan *s, const char *par2_path,
		const struct par2_options *opt, int by_blocks,
		struct par2_report *rep, struct dv_error *err)
{
	struct par2_options defaults = PAR2_OPTIONS_INIT;
	struct scanner sc;
	struct p2_set *set = &s->set;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	memset(&sc, 0, sizeof(sc));
	sc.s = s;
	sc.opt = opt ? opt : &defaults;
	sc.by_blocks = by_blocks;
	gf16_init();
	if (p2_set_load(set, par2_path, err))
		return -1;
	s->found = malloc(sizeof(*s->found) * (set->nblocks + 1));
	s->state = calloc(set->nfiles + 1, sizeof(*s->state));
	s->targets = calloc(set->nfiles + sc.opt->nextra + 1, sizeof(char *));
	sc.hash = calloc(set->nblocks + 1, sizeof(*sc.hash));
	sc.tab = malloc(sizeof(*sc.tab) * (set->nblocks + 1));
	if (!s->found || !s->state || !s->targets || !sc.hash || !sc.tab) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	s->ntargets = set->nfiles;
	for (uint32_t g = 0; g < set->nblocks; g++)
		s->found[g] = (struct p2_found){ -1, 0 };
	for (uint32_t i = 0; i < set->nfiles; i++) {
		struct p2_file *f = &set->files[i];

		if (f->have_desc)
			sc.total += f->size;
		for (uint32_t b = 0; b < f->nblocks && f->ifsc; b++) {
			sc.hash[f->first_block + b] = &f->ifsc[b];
			sc.tab[sc.ntab++] = (struct crc_ent){ f->ifsc[b].crc,
							      f->first_block + b };
		}
	}
	qsort(sc.tab, sc.ntab, sizeof(*sc.tab), ent_cmp);
	p2_crc_window_init(&sc.win, set->block_size);

	for (uint32_t i = 0; i < set->nfiles; i++) {
		struct p2_file *f = &set->files[i];
		struct stat st;
		int fd, m;

		if (!f->have_desc) {
			s->state[i] = PAR2_FILE_NODESC;
			continue;
		}
		if (!p2_name_safe(f->name)) {
			s->state[i] = PAR2_FILE_NODESC;
			set->packets_bad++;
			continue;
		}
		s->targets[i] = p2_join(set->dir, f->name);
		if (!s->targets[i]) {
			dv_error_set(err, DV_ERR_FAIL, "out of memory");
			goto out;
		}
		fd = open(s->targets[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
			if (fd >= 0)
				close(fd);
			s->state[i] = PAR2_FILE_MISSING;
			continue;
		}
		m = 0;
		if ((uint64_t)st.st_size == f->size) {
			if (check_same_size(&sc, (int32_t)i, fd, f, &m)) {
				close(fd);
				dv_error_errno(err, errno, "cannot read '%s'", s->targets[i]);
				goto out;
			}
		} else if (sc.ntab && scan_file(&sc, (int32_t)i, fd, (uint64_t)st.st_size)) {
			close(fd);
			dv_error_errno(err, errno, "cannot read '%s'", s->targets[i]);
			goto out;
		}
		if (m) {
			s->state[i] = PAR2_FILE_OK;
			for (uint32_t b = 0; b < f->nblocks; b++)
				s->found[f->first_block + b] = (struct p2_found){
					(int32_t)i, (uint64_t)b * set->block_size };
		} else {
			s->state[i] = PAR2_FILE_DAMAGED;
		}
		close(fd);
	}
	if (scan_extra(&sc, err))
		goto out;
	for (uint32_t g = 0; g < set->nblocks; g++)
		s->missing += s->found[g].src < 0;
	if (fill_report(s, rep)) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	rc = (int)rep->status;
out:
	free(sc.hash);
	free(sc.tab);
	return rc;
}

int par2_verify(const char *par2_path, const struct par2_options *opt,
		struct par2_report *rep, struct dv_error *err)
{
	struct p2_scan s;
	int rc = p2_scan_run(&s, par2_path, opt, 1, rep, err);

	p2_scan_release(&s);
	return rc;
}

void par2_report_release(struct par2_report *rep)
{
	if (!rep)
		return;
	for (uint32_t i = 0; i < rep->nfiles && rep->files; i++)
		free(rep->files[i].name);
	free(rep->files);
	memset(rep, 0, sizeof(*rep));
}
