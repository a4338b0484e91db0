/*
 * inspect_report.c - the fields of an inspect report, and the report as
 * isolyzer-compatible XML and as JSON.
 *
 * Text fields are cleaned the way isolyzer's bytesToText() and its final
 * strip() do, so the XML matches isolyzer's for the same bytes (up to the
 * Unicode tables: we drop the control, format, surrogate and private-use
 * ranges, not every unassigned code point).
 */
#include "engine/iso/inspect.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/iso/inspect_int.h"
#include "platform/banned.h"

static int is_dropped(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xad ||
	       (cp >= 0x600 && cp <= 0x605) || cp == 0x61c || cp == 0x6dd || cp == 0x70f ||
	       cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) ||
	       cp == 0xfffe || cp == 0xffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	       (cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000 || (cp >= 0xe0000 && cp <= 0xe007f);
}

static int is_space(uint32_t cp)
{
	return cp == ' ' || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* Decode one UTF-8 sequence at p (n bytes left); 0 when invalid. */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t v;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, v = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, v = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, v = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Code points in, cleaned and stripped UTF-8 out. */
static char *finish_text(const uint32_t *cps, size_t n)
{
	size_t a = 0, b = n, o = 0, i;
	char *out;

	while (a < b && is_space(cps[a]))
		a++;
	while (b > a && is_space(cps[b - 1]))
		b--;
	out = malloc(4 * (b - a) + 1);
	if (!out)
		return NULL;
	for (i = a; i < b; i++)
		o += utf8_encode(cps[i], out + o);
	out[o] = '\0';
	return out;
}

char *insp_text_clean(const unsigned char *p, size_t len)
{
	uint32_t *cps = malloc((len + 1) * sizeof(*cps));
	size_t i = 0, n = 0;
	char *out;

	if (!cps)
		return NULL;
	while (i < len) {
		uint32_t cp;
		size_t k = utf8_decode(p + i, len - i, &cp);

		if (k == 0) {
			i++;
			continue;
		}
		i += k;
		if (!is_dropped(cp))
			cps[n++] = cp;
	}
	out = finish_text(cps, n);
	free(cps);
	return out;
}

char *insp_text_ucs2be(const unsigned char *p, size_t len)
{
	uint32_t *cps = malloc((len / 2 + 1) * sizeof(*cps));
	size_t i, n = 0;
	char *out;

	if (!cps)
		return NULL;
	for (i = 0; i + 1 < len; i += 2) {
		uint32_t cp = (uint32_t)p[i] << 8 | p[i + 1];

		if (!is_dropped(cp))
			cps[n++] = cp;
	}
	out = finish_text(cps, n);
	free(cps);
	return out;
}

static struct insp_field *new_field(struct insp_struct *s, const char *name, enum insp_type type)
{
	struct insp_field *f;

	if (!s || s->n >= INSPECT_MAX_FIELDS)
		return NULL;
	f = &s->f[s->n++];
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->type = type;
	return f;
}

void insp_add_uint(struct insp_struct *s, const char *name, uint64_t v)
{
	struct insp_field *f = new_field(s, name, INSP_UINT);

	if (f)
		f->u = v;
}

void insp_add_int(struct insp_struct *s, const char *name, int64_t v)
{
	struct insp_field *f = new_field(s, name, INSP_INT);

	if (f)
		f->i = v;
}

void insp_add_bool(struct insp_struct *s, const char *name, int v)
{
	struct insp_field *f = new_field(s, name, INSP_BOOL);

	if (f)
		f->u = v != 0;
}

void insp_add_owned(struct insp_struct *s, const char *name, char *v)
{
	struct insp_field *f;

	if (!v)
		return;
	f = new_field(s, name, INSP_TEXT);
	if (f)
		f->text = v;
	else
		free(v);
}

void insp_add_str(struct insp_struct *s, const char *name, const char *v)
{
	insp_add_owned(s, name, strdup(v));
}

void insp_add_text(struct insp_struct *s, const char *name, const unsigned char *p, size_t len)
{
	insp_add_owned(s, name, insp_text_clean(p, len));
}

struct insp_struct *insp_fs_add(struct insp_fs *fs, const char *name, int extra)
{
	struct insp_struct *s;

	if (!fs || fs->n >= INSPECT_MAX_STRUCTS)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->name = name;
	s->extra = extra;
	fs->s[fs->n++] = s;
	return s;
}

const struct insp_field *insp_find(const struct insp_struct *s, const char *name)
{
	size_t i;

	for (i = 0; s && i < s->n; i++)
		if (strcmp(s->f[i].name, name) == 0)
			return &s->f[i];
	return NULL;
}

int64_t insp_get_int(const struct insp_struct *s, const char *name)
{
	const struct insp_field *f = insp_find(s, name);

	if (!f)
		return 0;
	if (f->type == INSP_INT)
		return f->i;
	return f->u > INT64_MAX ? INT64_MAX : (int64_t)f->u;
}

/* ---- XML ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void sb_escaped(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			sb_puts(b, "&amp;");
			break;
		case '<':
			sb_puts(b, "&lt;");
			break;
		case '>':
			sb_puts(b, "&gt;");
			break;
		case '"':
			sb_puts(b, "&quot;");
			break;
		default:
			sb_add(b, s, 1);
		}
	}
}

static void xml_indent(struct sbuf *b, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		sb_puts(b, "    ");
}

static void xml_text(struct sbuf *b, int depth, const char *name, const char *value)
{
	xml_indent(b, depth);
	if (!value || !*value) {
		sb_printf(b, "<%s/>\n", name);
		return;
	}
	sb_printf(b, "<%s>", name);
	sb_escaped(b, value);
	sb_printf(b, "</%s>\n", name);
}

static void xml_u64(struct sbuf *b, int depth, const char *name, uint64_t v)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	xml_text(b, depth, name, tmp);
}

static void xml_i64(struct sbuf *b, int depth, const char *name, int64_t v)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%" PRId64, v);
	xml_text(b, depth, name, tmp);
}

static void xml_bool(struct sbuf *b, int depth, const char *name, int v)
{
	xml_text(b, depth, name, v ? "True" : "False");
}

/* File names may hold any bytes: valid UTF-8 without control characters
 * for XML and JSON, as isolyzer cleans them. NULL on out-of-memory. */
static char *clean_or_empty(const char *s)
{
	return insp_text_clean((const unsigned char *)(s ? s : ""), s ? strlen(s) : 0);
}

/* time.ctime() of Python: "Thu Jan 12 13:01:00 2017", local time. */
static void ctime_str(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(buf, size, "%a %b %e %H:%M:%S %Y", &tm))
		snprintf(buf, size, "%s", "");
}

static void xml_struct(struct sbuf *b, int depth, const struct insp_struct *s)
{
	size_t i;

	xml_indent(b, depth);
	sb_printf(b, "<%s>\n", s->name);
	for (i = 0; i < s->n; i++) {
		const struct insp_field *f = &s->f[i];

		switch (f->type) {
		case INSP_UINT:
			xml_u64(b, depth + 1, f->name, f->u);
			break;
		case INSP_INT:
			xml_i64(b, depth + 1, f->name, f->i);
			break;
		case INSP_BOOL:
			xml_bool(b, depth + 1, f->name, (int)f->u);
			break;
		case INSP_TEXT:
			xml_text(b, depth + 1, f->name, f->text);
			break;
		}
	}
	xml_indent(b, depth);
	sb_printf(b, "</%s>\n", s->name);
}

char *inspect_report_xml(const struct inspect_report *rep, const struct inspect_fileinfo *fi,
			 const char *tool, const char *version)
{
	struct sbuf b = {NULL, 0, 0, 0};
	char tmp[64], *name, *path;
	size_t i, j;
	int any;

	sb_puts(&b, "<?xml version=\"1.0\" ?>\n");
	sb_puts(&b, "<isolyzer xmlns=\"http://kb.nl/ns/isolyzer/v1/\" "
		    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
		    "xsi:schemaLocation=\"http://kb.nl/ns/isolyzer/v1/ "
		    "https://raw.githubusercontent.com/KBNLresearch/isolyzer/master/xsd/"
		    "isolyzer-v-1-0.xsd\">\n");
	xml_indent(&b, 1);
	sb_puts(&b, "<toolInfo>\n");
	xml_text(&b, 2, "toolName", tool);
	xml_text(&b, 2, "toolVersion", version);
	xml_indent(&b, 1);
	sb_puts(&b, "</toolInfo>\n");
	xml_indent(&b, 1);
	sb_puts(&b, "<image>\n");
	xml_indent(&b, 2);
	sb_puts(&b, "<fileInfo>\n");
	name = clean_or_empty(fi->name);
	path = clean_or_empty(fi->path);
	xml_text(&b, 3, "fileName", name);
	xml_text(&b, 3, "filePath", path);
	free(name);
	free(path);
	xml_u64(&b, 3, "fileSizeInBytes", fi->size);
	ctime_str(fi->have_mtime ? fi->mtime : 0, tmp, sizeof(tmp));
	xml_text(&b, 3, "fileLastModified", tmp);
	xml_indent(&b, 2);
	sb_puts(&b, "</fileInfo>\n");
	xml_indent(&b, 2);
	sb_puts(&b, "<statusInfo>\n");
	xml_bool(&b, 3, "success", rep->success);
	if (!rep->success)
		xml_text(&b, 3, "failureMessage", rep->failure);
	xml_indent(&b, 2);
	sb_puts(&b, "</statusInfo>\n");
	xml_u64(&b, 2, "sectorOffset", rep->sector_offset);
	xml_indent(&b, 2);
	sb_puts(&b, "<tests>\n");
	xml_bool(&b, 3, "containsKnownFileSystem", rep->contains_known_fs);
	xml_i64(&b, 3, "sizeExpected", rep->size_expected);
	xml_u64(&b, 3, "sizeActual", rep->size_actual);
	xml_i64(&b, 3, "sizeDifference", rep->size_difference);
	xml_text(&b, 3, "sizeDifferenceSectors", inspect_diff_sectors(rep, tmp, sizeof(tmp)));
	xml_bool(&b, 3, "sizeAsExpected", rep->size_as_expected);
	xml_bool(&b, 3, "smallerThanExpected", rep->smaller_than_expected);
	xml_indent(&b, 2);
	sb_puts(&b, "</tests>\n");
	xml_indent(&b, 2);
	if (rep->n_fs == 0) {
		sb_puts(&b, "<fileSystems/>\n");
	} else {
		sb_puts(&b, "<fileSystems>\n");
		for (i = 0; i < rep->n_fs; i++) {
			const struct insp_fs *fs = &rep->fs[i];

			any = 0;
			for (j = 0; j < fs->n; j++)
				any |= !fs->s[j]->extra;
			xml_indent(&b, 3);
			sb_puts(&b, "<fileSystem TYPE=\"");
			sb_escaped(&b, fs->type);
			sb_puts(&b, any ? "\">\n" : "\"/>\n");
			if (!any)
				continue;
			for (j = 0; j < fs->n; j++)
				if (!fs->s[j]->extra)
					xml_struct(&b, 4, fs->s[j]);
			xml_indent(&b, 3);
			sb_puts(&b, "</fileSystem>\n");
		}
		xml_indent(&b, 2);
		sb_puts(&b, "</fileSystems>\n");
	}
	xml_indent(&b, 1);
	sb_puts(&b, "</image>\n");
	sb_puts(&b, "</isolyzer>\n");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* ---- JSON ---- */

static int jset(json_t *obj, const char *key, json_t *v)
{
	return json_object_set_new(obj, key, v);
}

static json_t *json_struct(const struct insp_struct *s)
{
	json_t *o = json_object();
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < s->n; i++) {
		const struct insp_field *f = &s->f[i];

		switch (f->type) {
		case INSP_UINT:
			jset(o, f->name,
			     json_integer(f->u > INT64_MAX ? INT64_MAX : (json_int_t)f->u));
			break;
		case INSP_INT:
			jset(o, f->name, json_integer(f->i));
			break;
		case INSP_BOOL:
			jset(o, f->name, json_boolean(f->u));
			break;
		case INSP_TEXT:
			jset(o, f->name, json_string(f->text));
			break;
		}
	}
	return o;
}

json_t *inspect_report_json(const struct inspect_report *rep, const struct inspect_fileinfo *fi,
			    const char *tool, const char *version)
{
	json_t *root = json_object(), *ti = json_object(), *img = json_object();
	json_t *fin = json_object(), *st = json_object(), *tests = json_object();
	json_t *fss = json_array();
	char tmp[64], *name, *path;
	size_t i, j;

	if (!root || !ti || !img || !fin || !st || !tests || !fss)
		goto oom;
	jset(ti, "toolName", json_string(tool));
	jset(ti, "toolVersion", json_string(version));
	jset(root, "toolInfo", ti);
	ti = NULL;
	name = clean_or_empty(fi->name);
	path = clean_or_empty(fi->path);
	jset(fin, "fileName", json_string(name ? name : ""));
	jset(fin, "filePath", json_string(path ? path : ""));
	free(name);
	free(path);
	jset(fin, "fileSizeInBytes", json_integer((json_int_t)fi->size));
	if (fi->have_mtime) {
		time_t t = (time_t)fi->mtime;
		struct tm tm;

		if (gmtime_r(&t, &tm) && strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%SZ", &tm))
			jset(fin, "fileLastModified", json_string(tmp));
	}
	jset(img, "fileInfo", fin);
	fin = NULL;
	jset(st, "success", json_boolean(rep->success));
	if (!rep->success)
		jset(st, "failureMessage", json_string(rep->failure));
	jset(img, "statusInfo", st);
	st = NULL;
	jset(img, "sectorOffset", json_integer((json_int_t)rep->sector_offset));
	jset(tests, "containsKnownFileSystem", json_boolean(rep->contains_known_fs));
	jset(tests, "sizeExpected", json_integer(rep->size_expected));
	jset(tests, "sizeExpectedSource", json_string(rep->size_source));
	jset(tests, "sizeActual", json_integer((json_int_t)rep->size_actual));
	jset(tests, "sizeDifference", json_integer(rep->size_difference));
	jset(tests, "sizeDifferenceSectors", json_real((double)rep->size_difference / 2048.0));
	jset(tests, "sizeAsExpected", json_boolean(rep->size_as_expected));
	jset(tests, "smallerThanExpected", json_boolean(rep->smaller_than_expected));
	jset(img, "tests", tests);
	tests = NULL;
	for (i = 0; i < rep->n_fs; i++) {
		const struct insp_fs *fs = &rep->fs[i];
		json_t *o = json_object();

		if (!o)
			goto oom;
		jset(o, "type", json_string(fs->type));
		for (j = 0; j < fs->n; j++) {
			json_t *arr = json_object_get(o, fs->s[j]->name);

			if (!arr) {
				arr = json_array();
				jset(o, fs->s[j]->name, arr);
			}
			json_array_append_new(arr, json_struct(fs->s[j]));
		}
		json_array_append_new(fss, o);
	}
	jset(img, "fileSystems", fss);
	fss = NULL;
	jset(root, "image", img);
	return root;
oom:
	json_decref(root);
	json_decref(ti);
	json_decref(img);
	json_decref(fin);
	json_decref(st);
	json_decref(tests);
	json_decref(fss);
	return NULL;
}
