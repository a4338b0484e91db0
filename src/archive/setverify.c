/*
 * setverify.c - verify the archive slices on one disc, image or directory.
 *
 * Each slice is read once and hashed (SHA-512) against its sidecar. Only a
 * damaged slice is staged (unreadable sectors zero-filled) for a PAR2
 * verify that tells repairable from broken. The PAR2 files of intact
 * slices are read too (they are small), so the margin of every slice is
 * known: recovery blocks available minus blocks missing.
 */
#include "archive/setverify.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "archive/discview.h"
#include "engine/hash/hash.h"
#include "engine/par2/par2.h"
#include "platform/fileio.h"
#include "platform/log.h"
#include "platform/progress.h"
#include "platform/signals.h"
#include "platform/banned.h"

#define CHUNK (4u << 20)

/* SHA-512 of a file on the disc; -1 on a read error (unreadable sector). */
static int hash_slice(struct discview *v, const struct discview_file *f, char out[129],
		      struct dv_error *err)
{
	struct hashset hs;
	struct hash_worker *w = NULL;
	struct progress *bar;
	char *buf = malloc(2 * (size_t)CHUNK);
	uint64_t off = 0;
	int k = 0, rc = -1;

	if (!buf)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	if (hashset_init(&hs, HASH_SHA512, err) < 0) {
		free(buf);
		return -1;
	}
	if (hash_worker_start(&w, &hs, err) < 0)
		goto out;
	bar = progress_new(path_base(f->path), f->size);
	while (off < f->size) {
		size_t want = f->size - off < CHUNK ? (size_t)(f->size - off) : CHUNK;
		char *b = buf + (size_t)k * CHUNK;
		int64_t n;

		if (signals_interrupted()) {
			dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted");
			progress_abort(bar);
			goto out;
		}
		n = discview_read(v, f, off, b, want, err);
		if (n <= 0) {
			if (n == 0)
				dv_error_set(err, DV_ERR_FAIL, "'%s' ends early", f->path);
			progress_abort(bar);
			goto out;
		}
		hash_worker_submit(w, b, (size_t)n);
		k ^= 1;
		off += (uint64_t)n;
		progress_update(bar, off);
	}
	progress_finish(bar);
	hash_worker_stop(w);
	w = NULL;
	if (hashset_final(&hs, err) < 0)
		goto out;
	snprintf(out, 129, "%s", hashset_hex(&hs, HASH_SHA512));
	rc = 0;
out:
	hash_worker_stop(w);
	hashset_release(&hs);
	free(buf);
	return rc;
}

/* par2 files of a slice: "<slice>.par2" and "<slice>.vol*.par2" beside it. */
static int is_par2_of(const char *par2_path, const char *slice_path)
{
	size_t n = strlen(slice_path);

	if (strncmp(par2_path, slice_path, n) || !str_ends_with(par2_path, ".par2"))
		return 0;
	return !strcmp(par2_path + n, ".par2") || !strncmp(par2_path + n, ".vol", 4);
}

/* damaged: stage the slice and let PAR2 judge it; sidecar_mismatch: the
 * SHA-512 differs (so PAR2 finding it intact means the sidecar is wrong). */
static void check_par2(struct discview *v, const struct discview_file *slice, int damaged,
		       int sidecar_mismatch, const char *work, struct slice_check *s)
{
	char dir[PATH_MAX], path[PATH_MAX + 256], index[PATH_MAX + 256];
	struct par2_options opt = PAR2_OPTIONS_INIT;
	struct par2_report rep = PAR2_REPORT_INIT;
	struct dv_error err = DV_ERROR_INIT;
	uint64_t bad;
	int rc;

	snprintf(dir, sizeof(dir), "%s/dvverify.XXXXXX", work);
	if (!mkdtemp(dir)) {
		snprintf(s->note, sizeof(s->note), "cannot stage for PAR2 in '%s': %s", work,
			 strerror(errno));
		s->status = damaged ? SLICE_BROKEN : SLICE_OK;
		return;
	}
	index[0] = '\0';
	for (size_t i = 0; i < v->nfiles; i++) {
		const struct discview_file *p = &v->files[i];
		if (!is_par2_of(p->path, slice->path))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, path_base(p->path));
		if (discview_copy(v, p, path, &bad, &err) < 0)
			continue;
		s->par2_found++;
		if (!strcmp(p->path + strlen(slice->path), ".par2"))
			snprintf(index, sizeof(index), "%s", path);
		else if (!index[0])
			snprintf(index, sizeof(index), "%s", path);
	}
	if (!s->par2_found) {
		snprintf(s->note, sizeof(s->note), "no PAR2 recovery files");
		s->status = damaged ? SLICE_BROKEN : SLICE_OK;
		goto out;
	}
	if (damaged) {
		snprintf(path, sizeof(path), "%s/%s", dir, path_base(slice->path));
		if (discview_copy(v, slice, path, &bad, &err) < 0) {
			snprintf(s->note, sizeof(s->note), "cannot stage the slice: %s", err.msg);
			s->status = SLICE_BROKEN;
			goto out;
		}
	}
	opt.threads = 0;
	rc = par2_verify(index, &opt, &rep, &err);
	if (rc < 0) {
		snprintf(s->note, sizeof(s->note), "PAR2 verify failed: %s", err.msg);
		s->status = damaged ? SLICE_BROKEN : SLICE_OK;
		goto out;
	}
	s->blocks_total = rep.blocks_total;
	s->recovery_available = rep.recovery_available;
	s->blocks_missing = damaged ? rep.blocks_missing : 0;
	s->margin = (int64_t)s->recovery_available - (int64_t)s->blocks_missing;
	if (!damaged)
		s->status = SLICE_OK;
	else if (rc == PAR2_OK) {
		s->status = sidecar_mismatch ? SLICE_REPAIRABLE : SLICE_OK;
		if (sidecar_mismatch)
			snprintf(s->note, sizeof(s->note),
				 "PAR2 finds the data intact; the SHA-512 sidecar differs");
	} else
		s->status = rc == PAR2_REPAIRABLE ? SLICE_REPAIRABLE : SLICE_BROKEN;
out:
	par2_report_release(&rep);
	remove_tree(dir);
}

static void read_identity(struct discview *v, struct set_check *out)
{
	for (size_t i = 0; i < v->nfiles; i++) {
		const struct discview_file *f = &v->files[i];
		const char *b = path_base(f->path), *d = strstr(b, ".disc");
		char *text;
		struct dv_error err = DV_ERROR_INIT;
		json_t *j;
		int64_t n;

		if (!d || !str_ends_with(b, ".json") || f->size > (1u << 20))
			continue;
		text = malloc((size_t)f->size + 1);
		if (!text)
			return;
		n = discview_read(v, f, 0, text, (size_t)f->size, &err);
		if (n >= 0) {
			text[n] = '\0';
			j = json_loads(text, 0, NULL);
			if (j) {
				const char *name = json_string_value(json_object_get(j, "chain"));
				if (!name)
					name = json_string_value(json_object_get(j, "name"));
				json_int_t g = json_integer_value(json_object_get(j, "generation"));
				json_int_t di = json_integer_value(json_object_get(j, "disc"));
				json_int_t dn = json_integer_value(json_object_get(j, "discs"));
				if (name)
					snprintf(out->identity, sizeof(out->identity),
						 "%s, generation %lld, disc %lld of %lld", name,
						 (long long)g, (long long)di, (long long)dn);
				json_decref(j);
			}
		}
		free(text);
		if (out->identity[0])
			return;
	}
}

int set_verify(const char *target, const char *work_dir, struct set_check *out,
	       struct dv_error *err)
{
	struct discview v;
	const char *work = work_dir ? work_dir : getenv("TMPDIR");
	size_t nslices = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->target, sizeof(out->target), "%s", target);
	if (!work || !*work)
		work = "/tmp";
	if (discview_open(&v, target, err) < 0)
		return -1;
	for (size_t i = 0; i < v.nfiles; i++)
		if (str_ends_with(v.files[i].path, ".dar"))
			nslices++;
	if (!nslices) {
		discview_close(&v);
		return dv_error_set(err, DV_ERR_NOTFOUND,
			"nothing to verify: no archive slices (*.dar) on '%s'", target);
	}
	out->slices = calloc(nslices, sizeof(*out->slices));
	if (!out->slices) {
		discview_close(&v);
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	}
	read_identity(&v, out);
	for (size_t i = 0; i < v.nfiles; i++) {
		const struct discview_file *f = &v.files[i];
		struct slice_check *s;
		struct dv_error rerr = DV_ERROR_INIT;
		int damaged;

		if (!str_ends_with(f->path, ".dar"))
			continue;
		s = &out->slices[out->nslices++];
		snprintf(s->path, sizeof(s->path), "%s", f->path);
		s->size = f->size;
		discview_sidecar_sha512(&v, f->path, s->sha512_expected);
		log_info("Checking %s", f->path);
		if (hash_slice(&v, f, s->sha512_actual, &rerr) < 0) {
			if (rerr.code == DV_ERR_INTERRUPTED) {
				discview_close(&v);
				return dv_error_set(err, DV_ERR_INTERRUPTED, "verification interrupted");
			}
			s->sha512_actual[0] = '\0';
			snprintf(s->note, sizeof(s->note), "%s", rerr.msg);
			damaged = 1;
		} else if (!s->sha512_expected[0]) {
			damaged = 0;
			snprintf(s->note, sizeof(s->note), "no SHA-512 sidecar; checked by PAR2");
		} else {
			damaged = strcmp(s->sha512_expected, s->sha512_actual) != 0;
		}
		/* without a sidecar, PAR2 decides */
		check_par2(&v, f, damaged || !s->sha512_expected[0],
			   damaged && s->sha512_actual[0], work, s);
		if (!s->sha512_expected[0] && !s->par2_found) {
			s->status = SLICE_BROKEN;
			snprintf(s->note, sizeof(s->note), "neither a SHA-512 sidecar nor PAR2 files: cannot be checked");
		}
		if (s->status > out->worst)
			out->worst = s->status;
	}
	discview_close(&v);
	return 0;
}

void set_check_release(struct set_check *c)
{
	free(c->slices);
	c->slices = NULL;
	c->nslices = 0;
}
