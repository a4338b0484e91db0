/*
 * setburn.c - loading an archive set and keeping its burn state.
 */
#include "archive/setburn.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "platform/fileio.h"
#include "platform/jsonfile.h"
#include "platform/banned.h"

static int find_set_file(const char *out, char *path, size_t len, struct dv_error *err)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int found = 0;

	if (stat(out, &st) < 0)
		return dv_error_errno(err, errno, "cannot open archive set '%s'", out);
	if (S_ISREG(st.st_mode)) {
		snprintf(path, len, "%s", out);
		return 0;
	}
	d = opendir(out);
	if (!d)
		return dv_error_errno(err, errno, "cannot read '%s'", out);
	while ((de = readdir(d))) {
		if (!str_ends_with(de->d_name, ".set.json"))
			continue;
		if (found++) {
			closedir(d);
			return dv_error_set(err, DV_ERR_USAGE,
				"'%s' holds more than one archive set: name the .set.json file", out);
		}
		snprintf(path, len, "%s/%s", out, de->d_name);
	}
	closedir(d);
	if (!found) {
		int incomplete = 0;
		d = opendir(out);
		while (d && (de = readdir(d)))
			if (str_ends_with(de->d_name, ".INCOMPLETE"))
				incomplete = 1;
		if (d)
			closedir(d);
		if (incomplete)
			return dv_error_set(err, DV_ERR_FAIL,
				"the archive set in '%s' is incomplete (its create run did not finish): run create again",
				out);
		return dv_error_set(err, DV_ERR_NOTFOUND,
			"no archive set in '%s' (no *.set.json; make one with 'discvault create')", out);
	}
	return 0;
}

static void load_state(struct archive_set *s)
{
	json_t *j = json_load_file(s->state_path, 0, NULL), *arr, *e;
	size_t i;

	if (!j)
		return;
	arr = json_object_get(j, "discs");
	json_array_foreach(arr, i, e) {
		json_int_t n = json_integer_value(json_object_get(e, "disc"));
		for (size_t k = 0; k < s->ndiscs; k++) {
			if (s->discs[k].disc != (unsigned)n)
				continue;
			s->discs[k].burned = json_is_true(json_object_get(e, "burned"));
			s->discs[k].verified = json_is_true(json_object_get(e, "verified"));
		}
	}
	json_decref(j);
}

int archive_set_load(struct archive_set *s, const char *out, struct dv_error *err)
{
	json_error_t jerr;
	json_t *j = NULL, *discs, *e;
	char dir[PATH_MAX];
	const char *fmt, *slash;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (find_set_file(out, s->path, sizeof(s->path), err) < 0)
		return -1;
	slash = strrchr(s->path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - s->path) : 1, slash ? s->path : ".");
	j = json_load_file(s->path, 0, &jerr);
	if (!j)
		return dv_error_set(err, DV_ERR_FAIL, "cannot read archive set '%s': %s (line %d)",
				    s->path, jerr.text, jerr.line);
	fmt = json_string_value(json_object_get(j, "format"));
	if (!fmt || strcmp(fmt, "discvault-archive-set") != 0) {
		dv_error_set(err, DV_ERR_FAIL, "'%s' is not a discvault archive set", s->path);
		goto fail;
	}
	if (!json_is_true(json_object_get(j, "complete"))) {
		dv_error_set(err, DV_ERR_FAIL, "the archive set '%s' is marked incomplete", s->path);
		goto fail;
	}
	snprintf(s->name, sizeof(s->name), "%s",
		 json_string_value(json_object_get(j, "name")) ? json_string_value(json_object_get(j, "name")) : "?");
	s->generation = (unsigned)json_integer_value(json_object_get(j, "generation"));
	discs = json_object_get(j, "discs");
	if (!json_is_array(discs) || !json_array_size(discs)) {
		dv_error_set(err, DV_ERR_FAIL, "archive set '%s' lists no discs", s->path);
		goto fail;
	}
	s->ndiscs = json_array_size(discs);
	s->discs = calloc(s->ndiscs, sizeof(*s->discs));
	if (!s->discs) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto fail;
	}
	json_array_foreach(discs, i, e) {
		struct set_disc *d = &s->discs[i];
		const char *img = json_string_value(json_object_get(e, "image"));
		const char *sha = json_string_value(json_object_get(e, "sha256"));
		const char *label = json_string_value(json_object_get(e, "label"));
		json_int_t n = json_integer_value(json_object_get(e, "disc"));
		json_int_t size = json_integer_value(json_object_get(e, "size"));

		if (!img || !sha || strlen(sha) != 64 || n <= 0 || size <= 0 || strchr(img, '/')) {
			dv_error_set(err, DV_ERR_FAIL, "archive set '%s': disc entry %zu is malformed",
				     s->path, i + 1);
			goto fail;
		}
		d->disc = (unsigned)n;
		d->size = (uint64_t)size;
		snprintf(d->sha256, sizeof(d->sha256), "%s", sha);
		snprintf(d->label, sizeof(d->label), "%s", label ? label : "");
		snprintf(d->image, sizeof(d->image), "%s/%s", dir, img);
		if (d->size > s->largest)
			s->largest = d->size;
	}
	snprintf(s->state_path, sizeof(s->state_path), "%.*s.burn.json",
		 (int)(strlen(s->path) - strlen(".set.json")), s->path);
	load_state(s);
	json_decref(j);
	return 0;
fail:
	json_decref(j);
	archive_set_release(s);
	return -1;
}

void archive_set_release(struct archive_set *s)
{
	free(s->discs);
	s->discs = NULL;
	s->ndiscs = 0;
}

int archive_set_save_state(const struct archive_set *s, struct dv_error *err)
{
	json_t *o = json_object(), *arr = json_array();
	char when[32];
	time_t t = time(NULL);
	struct tm tm;
	int rc;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o, "format", json_string("discvault-burn-state"));
	json_object_set_new(o, "set", json_string(strrchr(s->path, '/') ? strrchr(s->path, '/') + 1 : s->path));
	json_object_set_new(o, "updated", json_string(when));
	for (size_t i = 0; i < s->ndiscs; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "disc", json_integer(s->discs[i].disc));
		json_object_set_new(e, "label", json_string(s->discs[i].label));
		json_object_set_new(e, "burned", json_boolean(s->discs[i].burned));
		json_object_set_new(e, "verified", json_boolean(s->discs[i].verified));
		json_array_append_new(arr, e);
	}
	json_object_set_new(o, "discs", arr);
	rc = json_write_atomic(s->state_path, o, err);
	json_decref(o);
	return rc;
}
