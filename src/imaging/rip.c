/*
 * rip.c - the rip flow: probe the disc, prepare <dir>/<name>/, read it with
 * the rescue reader (resuming from the mapfile when one is there) while
 * hashing the stream, verify, analyse, list, then write the log and, last,
 * the manifest. The image is written as NAME.iso.part and renamed only at
 * the end, so an interrupted rip never leaves a complete-looking set.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "engine/iso/blksrc.h"
#include "imaging/rip.h"
#include "platform/fileio.h"
#include "platform/log.h"
#include "platform/progress.h"
#include "platform/signals.h"
#include "platform/banned.h"

void rip_iso_time(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void rip_event(struct rip *r, int premis, const char *type, const char *outcome,
	       const char *detail, const char *fmt, ...)
{
	struct rip_event *e;
	va_list ap;

	if (r->n_events >= RIP_MAX_EVENTS)
		return;
	e = &r->ev[r->n_events++];
	memset(e, 0, sizeof(*e));
	rip_iso_time(e->when, sizeof(e->when));
	e->premis = premis;
	snprintf(e->type, sizeof(e->type), "%s", type);
	snprintf(e->outcome, sizeof(e->outcome), "%s", outcome);
	snprintf(e->detail, sizeof(e->detail), "%s", detail ? detail : "");
	va_start(ap, fmt);
	vsnprintf(e->outcome_detail, sizeof(e->outcome_detail), fmt, ap);
	va_end(ap);
	log_file_only("%s: %s (%s) %s", e->type, e->outcome, e->detail, e->outcome_detail);
}

/* ---- probing ---- */

static void trim_copy(char *dst, size_t len, const unsigned char *src, size_t n)
{
	size_t a = 0;

	while (n && (src[n - 1] == ' ' || src[n - 1] == '\0'))
		n--;
	while (a < n && src[a] == ' ')
		a++;
	if (n - a >= len)
		n = a + len - 1;
	for (size_t i = a; i < n; i++)
		dst[i - a] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '_';
	dst[n - a] = '\0';
}

int rip_probe_drive(struct drive *d, struct rip_probe *p, struct dv_error *err)
{
	unsigned char *pvd;
	size_t got = 0;
	struct dv_error rerr = DV_ERROR_INIT;

	memset(p, 0, sizeof(*p));
	if (drive_status(d, &p->info, err) < 0)
		return -1;
	if (p->info.state == DISC_EMPTY)
		return dv_error_set(err, DV_ERR_NOTFOUND, "no disc in '%s'", d->address);
	if (p->info.readable == 0)
		return dv_error_set(err, DV_ERR_NOTFOUND,
				    "the disc in '%s' holds no data (blank)", d->address);
	if (p->info.readable < 17 * 2048) {
		snprintf(p->pvd_error, sizeof(p->pvd_error), "the disc is too small for an ISO 9660 volume");
		return 0;
	}
	pvd = aligned_alloc(4096, 4096);
	if (!pvd)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	if (drive_read(d, 16 * 2048, pvd, 2048, &got, &rerr) < 0) {
		snprintf(p->pvd_error, sizeof(p->pvd_error), "%s", rerr.msg);
	} else if (pvd[0] == 1 && memcmp(pvd + 1, "CD001", 5) == 0) {
		uint32_t vss = (uint32_t)pvd[80] | (uint32_t)pvd[81] << 8 |
			       (uint32_t)pvd[82] << 16 | (uint32_t)pvd[83] << 24;
		uint32_t lbs = (uint32_t)pvd[128] | (uint32_t)pvd[129] << 8;

		p->have_pvd = 1;
		p->fs_size = (uint64_t)vss * lbs;
		trim_copy(p->volume_id, sizeof(p->volume_id), pvd + 40, 32);
	} else {
		snprintf(p->pvd_error, sizeof(p->pvd_error), "no ISO 9660 primary volume descriptor at sector 16");
	}
	free(pvd);
	return 0;
}

/* ---- paths ---- */

int rip_paths(struct rip *r, struct dv_error *err)
{
	const char *n = r->o.name, *root = r->o.out_root;

	if (!n || !*n || strchr(n, '/') || !strcmp(n, ".") || !strcmp(n, ".."))
		return dv_error_set(err, DV_ERR_USAGE, "invalid file name '%s'", n ? n : "");
	if (!root || !*root)
		return dv_error_set(err, DV_ERR_USAGE, "no output directory");
	if (snprintf(r->dir, sizeof(r->dir), "%s/%s", root, n) >= (int)sizeof(r->dir) - 64)
		return dv_error_set(err, DV_ERR_USAGE, "output path too long");
	snprintf(r->iso, sizeof(r->iso), "%s/%s.iso", r->dir, n);
	snprintf(r->part, sizeof(r->part), "%s/%s.iso.part", r->dir, n);
	snprintf(r->map, sizeof(r->map), "%s/%s.iso.mapfile", r->dir, n);
	snprintf(r->log, sizeof(r->log), "%s/%s.iso.log.txt", r->dir, n);
	snprintf(r->manifest, sizeof(r->manifest), "%s/%s_manifest.json", r->dir, n);
	snprintf(r->tree, sizeof(r->tree), "%s/%s_tree.txt", r->dir, n);
	snprintf(r->ixml, sizeof(r->ixml), "%s/%s_isolyzer.xml", r->dir, n);
	snprintf(r->ijson, sizeof(r->ijson), "%s/%s_inspect.json", r->dir, n);
	return 0;
}

/* 1 when the mapfile says a previous read is unfinished. */
static int map_unfinished(const char *path)
{
	struct dv_error err = DV_ERROR_INIT;
	struct mapfile m;
	char *text = NULL;
	size_t len = 0;
	int rc = 0;

	if (read_small_file(path, 64u << 20, &text, &len, &err) < 0)
		return 0;
	if (mapfile_parse(text, len, &m, &err) == 0) {
		rc = mapfile_count(&m, MAP_FINISHED) < mapfile_size(&m);
		mapfile_release(&m);
	}
	free(text);
	return rc;
}

int rip_outputs_exist(const struct rip *r)
{
	if (map_unfinished(r->map))
		return 0;
	return access(r->iso, F_OK) == 0 || access(r->manifest, F_OK) == 0;
}

/* ---- the read ---- */

/* Read buffers: the hash workers may lag this many chunks minus one
 * behind the reader and each other, so that no CPU waits for the slowest
 * of them at every chunk. */
#define RIP_NBUF 4

struct read_ctx {
	struct rip *r;
	struct drive *d;
	int fd;				/* the image being written */
	struct rip_hasher *h;
	uint64_t hashed;
	int broken;
	struct progress *pr;
	double t_last;
};

static int drive_reader(void *ctx, uint64_t off, void *buf, size_t len,
			size_t *got, struct dv_error *err)
{
	struct read_ctx *c = ctx;

	return drive_read(c->d, off, buf, len, got, err);
}

static void on_data(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct read_ctx *c = ctx;

	if (!c->h)
		return;
	if (!buf) {		/* the reader is about to free its buffers */
		rip_hasher_finish(c->h, off == 0 && c->hashed == c->r->size ?
				  &c->r->stream : NULL, NULL);
		c->h = NULL;
		return;
	}
	if (off != c->hashed) {
		/* out of order: the image file is hashed instead. Stop the
		 * hasher now, while the buffer it may still be reading is
		 * unchanged (the reader reuses it after this call). */
		c->broken = 1;
		rip_hasher_finish(c->h, NULL, NULL);
		c->h = NULL;
		rip_readback_finish(c->r->readback, 0, NULL, NULL);
		c->r->readback = NULL;
		return;
	}
	/* [0, off + len) is in the file: once the file tree is, the files
	 * ahead are hashed with the image */
	if (c->r->files && rip_files_poll(c->r->files, c->fd, c->r->size, off + len, off))
		rip_hasher_files(c->h, c->r->files->lanes, c->r->files->n);
	rip_hasher_submit(c->h, buf, len);
	c->hashed += len;
	if (c->r->readback)
		rip_readback_written(c->r->readback, c->hashed);
}

static int save_map(void *ctx, const struct mapfile *m, struct dv_error *err)
{
	struct read_ctx *c = ctx;
	char *text = mapfile_format(m, c->r->o.cmdline);
	int rc;

	if (!text)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	rc = write_file_atomic(c->r->map, text, strlen(text), 0644, err);
	free(text);
	return rc;
}

static void on_progress(void *ctx, const struct mapfile *m)
{
	struct read_ctx *c = ctx;

	progress_update(c->pr, mapfile_count(m, MAP_FINISHED));
}

static int load_or_new_map(struct rip *r, struct dv_error *err)
{
	char *text = NULL;
	size_t len = 0;
	struct dv_error rerr = DV_ERROR_INIT;

	if (read_small_file(r->map, 64u << 20, &text, &len, &rerr) < 0) {
		if (rerr.code != DV_ERR_NOTFOUND) {
			*err = rerr;
			return -1;
		}
		return mapfile_init(&r->map_state, r->size, err);
	}
	if (mapfile_parse(text, len, &r->map_state, err) < 0) {
		free(text);
		return dv_error_prefix(err, "cannot resume from '%s'", r->map);
	}
	free(text);
	if (mapfile_size(&r->map_state) != r->size) {
		uint64_t was = mapfile_size(&r->map_state);

		mapfile_release(&r->map_state);
		return dv_error_set(err, DV_ERR_USAGE,
			"'%s' maps %" PRIu64 " bytes but the disc has %" PRIu64
			": another disc? (move the old files away)", r->map, was, r->size);
	}
	r->resumed = 1;
	return 0;
}

/* 1 when byte offset off of the map is finished. */
static int map_has(const struct mapfile *m, uint64_t off)
{
	for (size_t i = 0; i < m->n; i++)
		if (off >= m->b[i].pos && off < m->b[i].pos + m->b[i].size)
			return m->b[i].status == MAP_FINISHED;
	return 0;
}

/* A resumed image must be of the same disc: the sectors already read at
 * sector 16 (the volume descriptors) and at eight points spread over the
 * disc must read the same now. */
static int same_disc(struct rip *r, struct drive *d, int fd, struct dv_error *err)
{
	unsigned char *a = aligned_alloc(4096, 4096), *b = aligned_alloc(4096, 4096);
	uint64_t nsect = r->size / 2048;
	int rc = 0;

	if (!a || !b) {
		free(a);
		free(b);
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	}
	for (int k = -1; k < 8 && rc == 0; k++) {
		struct dv_error rerr = DV_ERROR_INIT;
		uint64_t lba = k < 0 ? 16 : nsect * (uint64_t)k / 8 + 1;
		size_t got = 0;

		if (lba >= nsect || !map_has(&r->map_state, lba * 2048))
			continue;
		if (pread_full(fd, a, 2048, lba * 2048) == 2048 &&
		    drive_read(d, lba * 2048, b, 2048, &got, &rerr) == 0 &&
		    memcmp(a, b, 2048) != 0)
			rc = dv_error_set(err, DV_ERR_USAGE,
				"'%s' holds part of another disc (sector %" PRIu64
				" differs): move the old files away or use --force", r->part, lba);
	}
	free(a);
	free(b);
	return rc;
}

static void collect_ranges(struct rip *r)
{
	const struct mapfile *m = &r->map_state;

	r->n_ranges = r->n_ranges_total = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (m->b[i].status == MAP_FINISHED)
			continue;
		if (r->n_ranges < RIP_MAX_RANGES) {
			r->range_pos[r->n_ranges] = m->b[i].pos;
			r->range_len[r->n_ranges] = m->b[i].size;
			r->n_ranges++;
		}
		r->n_ranges_total++;
	}
	r->bad_bytes = r->size - mapfile_count(m, MAP_FINISHED);
	r->complete = r->bad_bytes == 0;
	/* errors only after the end of the file system (a TAO run-out, an
	 * unreadable tail of padding or appended parity) */
	r->tail_only = !r->complete && r->probe.have_pvd && r->probe.fs_size > 0;
	for (size_t i = 0; r->tail_only && i < m->n; i++)
		if (m->b[i].status != MAP_FINISHED && m->b[i].pos < r->probe.fs_size)
			r->tail_only = 0;
}

static int read_disc(struct rip *r, struct drive *d, struct dv_error *err)
{
	struct dv_error rerr = DV_ERROR_INIT;
	struct read_ctx c;
	struct rescue_io io;
	double t = now_monotonic();
	int fd, rc;

	memset(&c, 0, sizeof(c));
	c.r = r;
	c.d = d;
	if (load_or_new_map(r, err) < 0)
		return -1;
	if (r->resumed) {
		uint64_t done = mapfile_count(&r->map_state, MAP_FINISHED);

		log_info("Resuming from '%s': %" PRIu64 " of %" PRIu64 " bytes already read",
			 r->map, done, r->size);
		/* a previous incomplete result goes back to being a part */
		if (access(r->part, F_OK) != 0 && access(r->iso, F_OK) == 0 &&
		    rename(r->iso, r->part) < 0)
			return dv_error_errno(err, errno, "cannot rename '%s'", r->iso);
		unlink(r->manifest);
	}
	fd = open(r->part, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return dv_error_errno(err, errno, "cannot create '%s'", r->part);
	if (r->resumed && same_disc(r, d, fd, err) < 0) {
		close(fd);
		return -1;
	}
	if (ftruncate(fd, (off_t)r->size) < 0) {
		rc = dv_error_errno(err, errno, "cannot size '%s'", r->part);
		close(fd);
		return rc;
	}
	if (!r->resumed) {
		uint64_t marks[RIP_MAX_MARKS];
		size_t n = rip_find_tag_marks(d, r->size, marks, RIP_MAX_MARKS);

		if (rip_hasher_start(&c.h, r->o.hash_mask, RIP_NBUF, err) < 0) {
			close(fd);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			rip_hasher_mark(c.h, marks[i]);
		r->files = malloc(sizeof(*r->files));
		if (r->files)
			rip_files_init(r->files);
		/* without it, verify() reads the image back after the read */
		if (r->o.verify && rip_readback_start(&r->readback, r->part, r->size, &rerr) < 0)
			log_file_only("read-back during the read: %s; the image is read back after it",
				      rerr.msg);
	}
	c.fd = fd;
	memset(&io, 0, sizeof(io));
	io.read = drive_reader;
	io.read_ctx = &c;
	io.out_fd = fd;
	io.data = on_data;
	io.data_ctx = &c;
	io.save = save_map;
	io.save_ctx = &c;
	io.progress = on_progress;
	io.progress_ctx = &c;
	io.cancel = signals_flag();
	io.chunk = r->o.chunk;
	io.nbuf = RIP_NBUF;
	io.retries = r->o.retries;
	io.save_interval = 5.0;
	c.pr = progress_new("Reading", r->size);
	progress_update(c.pr, mapfile_count(&r->map_state, MAP_FINISHED));
	rc = rescue_run(&r->map_state, &io, &r->rs, err);
	if (rc == 0)
		progress_finish(c.pr);
	else
		progress_abort(c.pr);
	if (c.h)	/* rescue_run failed before it started */
		rip_hasher_finish(c.h, NULL, NULL);
	r->streamed = !r->resumed && !c.broken && c.hashed == r->size &&
		      r->stream.mask != 0;
	if (rc < 0 || !r->streamed) {
		rip_readback_finish(r->readback, 0, NULL, NULL);
		r->readback = NULL;
	}
	if (fsync(fd) < 0 && rc == 0)
		rc = dv_error_errno(err, errno, "cannot write '%s'", r->part);
	if (close(fd) < 0 && rc == 0)
		rc = dv_error_errno(err, errno, "cannot write '%s'", r->part);
	r->t_read = now_monotonic() - t;
	collect_ranges(r);
	return rc;
}

/* ---- verification ---- */

static void hash_names(unsigned mask, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int k = 0; k < HASH_NALGS; k++)
		if (mask & (1u << k)) {
			int w = snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
					 hash_alg_name((enum hash_alg)(1u << k)));
			if (w < 0 || (size_t)w >= len - n)
				break;
			n += (size_t)w;
		}
}

static int verify(struct rip *r, struct drive *d, struct dv_error *err)
{
	char algs[64];
	double t = now_monotonic();

	hash_names(r->o.hash_mask, algs, sizeof(algs));
	if (r->streamed)
		rip_event(r, 1, "message digest calculation", "success",
			  "discvault rip, while reading the disc (one pass)",
			  "%s of the %" PRIu64 " bytes read from the disc", algs, r->size);
	struct rip_digests *back = &r->back;

	memset(back, 0, sizeof(*back));
	if (!r->streamed) {
		log_step("Hashing the image");
		if (rip_hash_source(r->part, NULL, r->size, r->o.hash_mask, r->o.chunk,
				    "Hashing", &r->image, err) < 0)
			return -1;
	} else {
		/* The stream's digests are the image's once the file read back
		 * gives the same SHA-256 (one strong hash proves the bytes
		 * equal; the others would only cost time). */
		r->image = r->stream;
		if (r->o.verify && r->readback) {
			int rc;

			log_step("Verification: the image read back");
			rc = rip_readback_finish(r->readback, 1, back, err);
			r->readback = NULL;
			if (rc < 0)
				return -1;
			r->back_streamed = 1;
		} else if (r->o.verify) {
			log_step("Verification: reading the image back");
			if (rip_hash_source(r->part, NULL, r->size, HASH_SHA256, r->o.chunk,
					    "Verifying", back, err) < 0)
				return -1;
		}
	}
	if (!r->streamed) {
		snprintf(r->verify_note, sizeof(r->verify_note),
			 "the image was assembled by %s; its hashes were computed from the image file",
			 r->resumed ? "a resumed read" : "several read passes");
		rip_event(r, 1, "message digest calculation", "success",
			  "discvault rip, from the image file", "%s of %s", algs, r->iso);
	} else if (r->o.verify) {
		r->verify_done = 1;
		r->verify_match = rip_digests_equal(&r->stream, back);
		snprintf(r->verify_note, sizeof(r->verify_note),
			 "the SHA-256 of the image file read back (%s) %s the SHA-256 of the data read from the disc%s",
			 back->hex[2], r->verify_match ? "equals" : "DIFFERS FROM",
			 r->back_streamed ? " (read back while the disc was read, each range once it was written, flushed to storage and dropped from the page cache)" : "");
		rip_event(r, 1, "fixity check", r->verify_match ? "success" : "failure",
			  "image file read back from storage and hashed (SHA-256), compared with the disc read",
			  "%s", r->verify_note);
		if (r->verify_match)
			log_ok("Checksum match: the image file is a true bit-for-bit copy of what was read");
		else
			log_error("Checksum MISMATCH between the disc read and the image file");
	} else {
		snprintf(r->verify_note, sizeof(r->verify_note), "verification skipped (--no-verification)");
	}

	/* libisofs MD5 tags */
	if (rip_check_md5_tags(r, r->part, err) < 0)
		return -1;
	if (r->n_tags) {
		const struct rip_tag *s = &r->tags[r->n_tags - 1];

		rip_event(r, 1, "fixity check", r->tags_match ? "success" : "failure",
			  "libisofs MD5 checksum tags recorded on the disc",
			  "%zu tag(s); last (type %d at block %u) covers blocks %u..%u: recorded %s, image %s",
			  r->n_tags, s->type, s->pos, s->start, s->start + s->blocks,
			  s->recorded, s->computed);
		if (r->tags_match)
			log_ok("libisofs MD5 tags: %zu checked, all match", r->n_tags);
		else
			log_error("libisofs MD5 tag MISMATCH: the image differs from what was written to the disc");
	}

	/* a second read of the disc */
	if (r->o.second_read) {
		if (!r->complete) {
			snprintf(r->second_note, sizeof(r->second_note),
				 "skipped: the image is incomplete");
			rip_event(r, 1, "fixity check", "skipped", "second read of the disc",
				  "%s", r->second_note);
		} else {
			struct dv_error rerr = DV_ERROR_INIT;

			log_step("Second read of the disc");
			if (rip_hash_source(NULL, d, r->size, r->o.hash_mask, r->o.chunk,
					    "Second read", &r->second, &rerr) < 0) {
				if (rerr.code == DV_ERR_INTERRUPTED) {
					*err = rerr;
					return -1;
				}
				r->second_done = 1;
				r->second_match = 0;
				snprintf(r->second_note, sizeof(r->second_note), "%s", rerr.msg);
			} else {
				r->second_done = 1;
				r->second_match = rip_digests_equal(&r->second, &r->image);
				snprintf(r->second_note, sizeof(r->second_note), "%s",
					 r->second_match ? "the second read matches the image" :
					 "the second read DIFFERS from the image");
			}
			rip_event(r, 1, "fixity check", r->second_match ? "success" : "failure",
				  "second read of the disc, hashed and compared with the image",
				  "%s", r->second_note);
			if (r->second_match)
				log_ok("Second read matches the image");
			else
				log_error("Second read: %s", r->second_note);
		}
	}
	r->t_verify = now_monotonic() - t;
	return 0;
}

/* ---- analysis ---- */

static int write_text(const char *path, const char *text, struct dv_error *err)
{
	return write_file_atomic(path, text, strlen(text), 0644, err);
}

static int analyse(struct rip *r, struct dv_error *err)
{
	struct blksrc src = BLKSRC_INIT;
	struct inspect_fileinfo fi;
	struct dv_error ierr = DV_ERROR_INIT;
	const char *base = strrchr(r->iso, '/');
	char *xml, *js;
	json_t *j;

	if (blksrc_open_path(&src, r->part, err) < 0)
		return -1;
	r->inspect_ok = inspect_run(&src, 0, &r->rep, &ierr) == 0;
	r->have_rep = 1;
	blksrc_close(&src);
	memset(&fi, 0, sizeof(fi));
	fi.name = base ? base + 1 : r->iso;
	fi.path = r->iso;
	fi.size = r->size;
	fi.mtime = (int64_t)time(NULL);
	fi.have_mtime = 1;
	xml = inspect_report_xml(&r->rep, &fi, "discvault", DV_VERSION);
	j = inspect_report_json(&r->rep, &fi, "discvault", DV_VERSION);
	js = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!xml || !js) {
		free(xml);
		free(js);
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	}
	if (write_text(r->ixml, xml, err) < 0 || write_text(r->ijson, js, err) < 0) {
		free(xml);
		free(js);
		return -1;
	}
	free(xml);
	free(js);
	if (!r->inspect_ok)
		rip_event(r, 1, "validation", "failure", "discvault inspect (isolyzer-compatible)",
			  "%s", ierr.msg);
	else if (!r->rep.contains_known_fs)
		rip_event(r, 1, "validation", "warning", "discvault inspect (isolyzer-compatible)",
			  "no known file system found");
	else
		rip_event(r, 1, "validation", r->rep.size_as_expected ? "success" : "warning",
			  "discvault inspect (isolyzer-compatible)",
			  "size expected %" PRId64 " bytes (%s), actual %" PRIu64 ", difference %" PRId64,
			  r->rep.size_expected, r->rep.size_source, r->rep.size_actual,
			  r->rep.size_difference);
	return 0;
}

/* ---- the whole run ---- */

static void make_ids(struct rip *r)
{
	unsigned char u[16];
	char stamp[32], disk[64];
	const char *a = r->o.device, *slash;
	time_t t = time(NULL);
	struct tm tm;

	if (getentropy(u, sizeof(u)) != 0)
		for (size_t i = 0; i < sizeof(u); i++)
			u[i] = (unsigned char)(rand() ^ (int)(t >> (i % 8)));
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	snprintf(r->uuid, sizeof(r->uuid),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10],
		 u[11], u[12], u[13], u[14], u[15]);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	slash = strrchr(a, '/');
	snprintf(disk, sizeof(disk), "%s", slash && slash[1] ? slash + 1 :
		 strncmp(a, "sim:", 4) == 0 ? a + 4 : a);
	for (char *p = disk; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			*p = '_';
	snprintf(r->run_id, sizeof(r->run_id), "%s_%s_%s", stamp,
		 r->o.operator_name && *r->o.operator_name ? r->o.operator_name : "unknown", disk);
	for (char *p = r->run_id; *p; p++)
		if (*p == ' ' || *p == '/')
			*p = '_';
}

static void remove_outputs(struct rip *r)
{
	const char *paths[] = { r->manifest, r->iso, r->part, r->map, r->log,
				r->tree, r->ixml, r->ijson };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		unlink(paths[i]);
}

static int finish_files(struct rip *r, struct dv_error *err)
{
	if (rename(r->part, r->iso) < 0)
		return dv_error_errno(err, errno, "cannot rename '%s' to '%s'", r->part, r->iso);
	fsync_dir_of(r->iso);
	return 0;
}

int rip_run(struct rip *r, struct drive *d, struct dv_error *err)
{
	struct stat st;
	int rc;

	r->t0 = now_monotonic();
	rip_iso_time(r->started, sizeof(r->started));
	make_ids(r);
	if (rip_probe_drive(d, &r->probe, err) < 0)
		return r->exit_code = 1;
	r->size = r->probe.info.readable;
	if (rip_paths(r, err) < 0)
		return r->exit_code = 1;
	if (r->o.dry_run)
		return r->exit_code = 0;

	if (stat(r->o.out_root, &st) == 0 && !S_ISDIR(st.st_mode)) {
		dv_error_set(err, DV_ERR_USAGE, "output directory '%s' is not a directory",
			     r->o.out_root);
		return r->exit_code = 1;
	}
	if (mkdir_p(r->dir, 0755, err) < 0) {
		dv_error_prefix(err, "cannot create output directory '%s'", r->dir);
		return r->exit_code = 1;
	}
	if (access(r->dir, W_OK) != 0) {
		dv_error_errno(err, errno, "cannot write to output directory '%s'", r->dir);
		return r->exit_code = 1;
	}
	if (r->o.overwrite)
		remove_outputs(r);

	if (rip_unmount(r, err) < 0)
		return r->exit_code = 1;

	log_step("Reading the disc");
	log_info("Disc: %s, %" PRIu64 " bytes readable%s%s", r->probe.info.media_name,
		 r->size, r->probe.volume_id[0] ? ", volume " : "", r->probe.volume_id);
	if (r->probe.have_pvd && r->probe.fs_size != r->size)
		log_info("The ISO 9660 volume is %" PRIu64 " bytes; reading to the medium's end (%" PRIu64 ")",
			 r->probe.fs_size, r->size);
	rc = read_disc(r, d, err);
	if (rc < 0) {
		r->interrupted = err->code == DV_ERR_INTERRUPTED;
		rip_event(r, 1, "capture", "failure", "discvault rip, rescue reader",
			  "%s", err->msg);
		rip_remount(r);
		if (r->interrupted)
			dv_error_set(err, DV_ERR_INTERRUPTED,
				     "interrupted: the partial image '%s' and the mapfile '%s' are kept; run again to resume",
				     r->part, r->map);
		return r->exit_code = r->interrupted ? 130 : 1;
	}
	if (r->complete) {
		rip_event(r, 1, "capture", "success", "discvault rip, rescue reader (ddrescue-style)",
			  "%" PRIu64 " bytes read%s, %" PRIu64 " read errors recovered", r->size,
			  r->resumed ? " (resumed)" : "", r->rs.read_errors);
		log_ok("Read %" PRIu64 " bytes in %.1f s", r->size, r->t_read);
	} else {
		rip_event(r, 1, "capture", r->tail_only ? "warning" : "failure",
			  "discvault rip, rescue reader (ddrescue-style)",
			  "%" PRIu64 " of %" PRIu64 " bytes unreadable in %zu range(s)%s; zero-filled in the image; see the mapfile",
			  r->bad_bytes, r->size, r->n_ranges_total,
			  r->tail_only ? ", all after the end of the file system" : "");
		log_warn("%" PRIu64 " bytes (%" PRIu64 " sectors) could not be read, in %zu range(s):",
			 r->bad_bytes, r->bad_bytes / 2048, r->n_ranges_total);
		for (size_t i = 0; i < r->n_ranges; i++)
			log_warn("  sectors %" PRIu64 "-%" PRIu64 " (%" PRIu64 " sectors)",
				 r->range_pos[i] / 2048,
				 (r->range_pos[i] + r->range_len[i]) / 2048 - 1,
				 r->range_len[i] / 2048);
	}

	if (verify(r, d, err) < 0)
		goto fail;
	log_step("Structural analysis");
	if (analyse(r, err) < 0)
		goto fail;
	log_step("File listing");
	if (rip_write_listing(r, err) < 0)
		goto fail;

	if (!r->o.eject)
		rip_remount(r);	/* an ejected disc is not mounted again */
	if (r->o.eject) {
		struct dv_error eerr = DV_ERROR_INIT;

		if (drive_eject(d, &eerr) < 0) {
			snprintf(r->eject_note, sizeof(r->eject_note), "%s", eerr.msg);
			log_warn("Cannot eject: %s", eerr.msg);
		} else {
			r->ejected = 1;
			snprintf(r->eject_note, sizeof(r->eject_note), "ejected");
		}
	} else {
		snprintf(r->eject_note, sizeof(r->eject_note), "not ejected (--no-eject)");
	}

	if (!r->complete && !r->tail_only) {
		r->exit_code = 2;
		snprintf(r->status_msg, sizeof(r->status_msg),
			 "INCOMPLETE: %" PRIu64 " bytes unreadable; run again to retry them (the mapfile is kept)",
			 r->bad_bytes);
	} else if ((r->verify_done && !r->verify_match) || (r->n_tags && !r->tags_match) ||
		   (r->second_done && !r->second_match)) {
		r->exit_code = 2;
		snprintf(r->status_msg, sizeof(r->status_msg), "CHECKSUM MISMATCH: %s",
			 r->n_tags && !r->tags_match ? "the image does not match the disc's libisofs MD5 tags" :
			 r->verify_done && !r->verify_match ? "the image file differs from the data read" :
			 "the second read differs from the image");
	} else if (!r->complete) {
		r->exit_code = 0;
		snprintf(r->status_msg, sizeof(r->status_msg),
			 "SUCCESS: the file system is complete; %" PRIu64 " bytes after its end (sector %" PRIu64
			 " on) could not be read and are zero-filled (a TAO run-out or unreadable padding)",
			 r->bad_bytes, r->probe.fs_size / 2048);
		log_warn("%s", r->status_msg);
	} else {
		r->exit_code = 0;
		snprintf(r->status_msg, sizeof(r->status_msg), "SUCCESS");
	}
	r->t_total = now_monotonic() - r->t0;
	rip_iso_time(r->finished, sizeof(r->finished));
	if (finish_files(r, err) < 0 || rip_write_log(r, err) < 0 ||
	    rip_write_manifest(r, err) < 0)
		goto fail;
	return r->exit_code;
fail:
	rip_remount(r);
	r->interrupted = err->code == DV_ERR_INTERRUPTED;
	return r->exit_code = r->interrupted ? 130 : 1;
}

void rip_release(struct rip *r)
{
	rip_readback_finish(r->readback, 0, NULL, NULL);
	r->readback = NULL;
	if (r->files) {
		rip_files_release(r->files);
		free(r->files);
		r->files = NULL;
	}
	mapfile_release(&r->map_state);
	if (r->have_rep)
		inspect_report_release(&r->rep);
	r->have_rep = 0;
	json_decref((json_t *)r->file_list);
	r->file_list = NULL;
}
