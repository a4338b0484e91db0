/*
 * isotree.c - reading the ISO 9660 directory tree (with Rock Ridge or
 * Joliet names) through a block source.
 *
 * Directories are read whole (capped), their records parsed with every
 * length checked against the record and the sector, and the System Use
 * Sharing Protocol entries of Rock Ridge followed through continuation
 * areas (a bounded number of hops).
 */
#include "engine/iso/isotree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "platform/banned.h"

#define SECTOR 2048
#define MAX_CE_HOPS 16
#define MAX_CE_LEN 65536

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* A set of directory extents already read, to cut loops. */
struct seen {
	uint64_t *v;
	size_t n, cap; /* cap is a power of two */
};

/* Returns 1 if lba was new (and adds it), 0 if seen, -1 on OOM. */
static int seen_add(struct seen *s, uint64_t lba)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256, k;
		uint64_t *nv = calloc(cap, sizeof(*nv));

		if (!nv)
			return -1;
		for (k = 0; k < s->cap; k++) {
			if (!s->v[k])
				continue;
			i = (size_t)(s->v[k] * 0x9e3779b97f4a7c15ull) & (cap - 1);
			while (nv[i])
				i = (i + 1) & (cap - 1);
			nv[i] = s->v[k];
		}
		free(s->v);
		s->v = nv;
		s->cap = cap;
	}
	lba++; /* 0 marks an empty slot */
	i = (size_t)(lba * 0x9e3779b97f4a7c15ull) & (s->cap - 1);
	while (s->v[i]) {
		if (s->v[i] == lba)
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	s->v[i] = lba;
	s->n++;
	return 1;
}

struct ctx {
	const struct blksrc *src;
	struct dv_error *err;
	struct isotree *tree;
	struct seen seen;
	uint32_t bs;
	int rr; /* parse Rock Ridge */
	int joliet;
	unsigned skp; /* SUSP bytes to skip (from SP) */
	int failed;
};

/* What the Rock Ridge entries of one record say. */
struct rrinfo {
	char name[1024];
	size_t name_len;
	int has_name, has_px, has_tf, relocated, has_cl;
	uint32_t mode, nlink, uid, gid, cl_lba;
	int64_t mtime;
	char link[ISOTREE_MAX_PATH];
	size_t link_len;
	int has_sl, sl_cont;
};

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* 7-byte directory record date: years since 1900, month, day, h, m, s,
 * offset from GMT in 15-minute units. */
static int64_t date7(const unsigned char *p)
{
	unsigned mon = p[1] >= 1 && p[1] <= 12 ? p[1] : 1;
	unsigned day = p[2] >= 1 && p[2] <= 31 ? p[2] : 1;
	int64_t t = days_from_civil(1900 + (int64_t)p[0], mon, day) * 86400 + (int64_t)p[3] * 3600 +
		    (int64_t)p[4] * 60 + p[5];

	return t - (int64_t)(signed char)p[6] * 15 * 60;
}

/* 17-byte decimal date (Rock Ridge TF long form). */
static int64_t date17(const unsigned char *p)
{
	int v[6], i, k;
	static const int w[6] = {4, 2, 2, 2, 2, 2};
	const unsigned char *q = p;

	for (i = 0; i < 6; i++) {
		v[i] = 0;
		for (k = 0; k < w[i]; k++, q++)
			v[i] = v[i] * 10 + (*q >= '0' && *q <= '9' ? *q - '0' : 0);
	}
	if (v[1] < 1 || v[1] > 12)
		v[1] = 1;
	if (v[2] < 1 || v[2] > 31)
		v[2] = 1;
	return days_from_civil(v[0], (unsigned)v[1], (unsigned)v[2]) * 86400 +
	       (int64_t)v[3] * 3600 + v[4] * 60 + v[5] - (int64_t)(signed char)p[16] * 15 * 60;
}

static void sl_append(struct rrinfo *ri, const char *s, size_t n)
{
	if (ri->link_len + n >= sizeof(ri->link))
		n = sizeof(ri->link) - 1 - ri->link_len;
	memcpy(ri->link + ri->link_len, s, n);
	ri->link_len += n;
	ri->link[ri->link_len] = '\0';
}

static void parse_sl(struct rrinfo *ri, const unsigned char *e, size_t len)
{
	size_t pos = 5;

	ri->has_sl = 1;
	while (pos + 2 <= len) {
		unsigned cf = e[pos], cl = e[pos + 1];
		const unsigned char *cp = e + pos + 2;

		if (pos + 2 + cl > len)
			break;
		if (ri->link_len > 0 && !ri->sl_cont && !(ri->link_len == 1 && ri->link[0] == '/'))
			sl_append(ri, "/", 1);
		if (cf & 0x08)
			sl_append(ri, "/", 1);
		else if (cf & 0x02)
			sl_append(ri, ".", 1);
		else if (cf & 0x04)
			sl_append(ri, "..", 2);
		else
			sl_append(ri, (const char *)cp, cl);
		ri->sl_cont = cf & 0x01;
		pos += 2 + cl;
	}
}

/* Parse SUSP entries in area[0..len); follow CE continuations. */
static void parse_susp(struct ctx *c, const unsigned char *area, size_t len, struct rrinfo *ri)
{
	unsigned char *buf = NULL;
	int hops = 0;

	for (;;) {
		size_t pos = 0;
		uint64_t ce_off = 0;
		uint32_t ce_len = 0;

		while (pos + 4 <= len) {
			const unsigned char *e = area + pos;
			size_t el = e[2];

			if (el < 4 || pos + el > len)
				break;
			if (e[0] == 'S' && e[1] == 'T')
				break;
			if (e[0] == 'C' && e[1] == 'E' && el >= 28) {
				ce_off = (uint64_t)le32(e + 4) * c->bs + le32(e + 12);
				ce_len = le32(e + 20);
			} else if (e[0] == 'N' && e[1] == 'M' && el >= 5) {
				if (!(e[4] & 0x06)) {
					size_t n = el - 5;

					if (ri->name_len + n >= sizeof(ri->name))
						n = sizeof(ri->name) - 1 - ri->name_len;
					memcpy(ri->name + ri->name_len, e + 5, n);
					ri->name_len += n;
					ri->name[ri->name_len] = '\0';
					ri->has_name = 1;
				}
			} else if (e[0] == 'P' && e[1] == 'X' && el >= 36) {
				ri->has_px = 1;
				ri->mode = le32(e + 4);
				ri->nlink = le32(e + 12);
				ri->uid = le32(e + 20);
				ri->gid = le32(e + 28);
			} else if (e[0] == 'T' && e[1] == 'F' && el >= 5) {
				unsigned fl = e[4], bit;
				size_t w = fl & 0x80 ? 17 : 7, p = 5;

				for (bit = 0; bit < 7; bit++) {
					if (!(fl & (1u << bit)))
						continue;
					if (p + w > el)
						break;
					if (bit == 1) {
						ri->mtime = w == 17 ? date17(e + p) : date7(e + p);
						ri->has_tf = 1;
					}
					p += w;
				}
			} else if (e[0] == 'S' && e[1] == 'L' && el >= 5) {
				parse_sl(ri, e, el);
			} else if (e[0] == 'C' && e[1] == 'L' && el >= 12) {
				ri->has_cl = 1;
				ri->cl_lba = le32(e + 4);
			} else if (e[0] == 'R' && e[1] == 'E') {
				ri->relocated = 1;
			}
			pos += el;
		}
		if (!ce_len || ++hops > MAX_CE_HOPS)
			break;
		if (ce_len > MAX_CE_LEN)
			ce_len = MAX_CE_LEN;
		free(buf);
		buf = malloc(ce_len);
		if (!buf)
			break;
		if (blksrc_read_clamped(c->src, ce_off, buf, ce_len, c->err) < (int64_t)ce_len)
			break;
		area = buf;
		len = ce_len;
	}
	free(buf);
}

static char *ucs2_to_utf8(const unsigned char *p, size_t len)
{
	char *out = malloc(len / 2 * 3 + 1);
	size_t i, o = 0;

	if (!out)
		return NULL;
	for (i = 0; i + 1 < len; i += 2) {
		unsigned cp = (unsigned)p[i] << 8 | p[i + 1];

		if (cp >= 0xd800 && cp <= 0xdfff)
			cp = 0xfffd; /* no surrogate pairs in UCS-2 */
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | cp >> 6);
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xe0 | cp >> 12);
			out[o++] = (char)(0x80 | (cp >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[o] = '\0';
	return out;
}

/* The name of a record, malloc'ed: Rock Ridge, Joliet or ISO. Slashes and
 * NULs are replaced; "." and ".." and empty names give NULL. */
static char *record_name(struct ctx *c, const unsigned char *id, size_t idlen,
			 const struct rrinfo *ri, int is_dir)
{
	char *name;
	size_t i, n;

	if (ri->has_name) {
		name = malloc(ri->name_len + 1);
		if (name) {
			memcpy(name, ri->name, ri->name_len);
			name[ri->name_len] = '\0';
		}
	} else if (c->joliet) {
		name = ucs2_to_utf8(id, idlen);
	} else {
		name = malloc(idlen + 1);
		if (name) {
			memcpy(name, id, idlen);
			name[idlen] = '\0';
		}
	}
	if (!name)
		return NULL;
	n = strlen(name);
	if (!ri->has_name && !is_dir) {
		char *semi = strrchr(name, ';');

		if (semi) {
			*semi = '\0';
			n = (size_t)(semi - name);
		}
		if (!c->joliet && n > 1 && name[n - 1] == '.')
			name[--n] = '\0';
	}
	for (i = 0; i < n; i++)
		if (name[i] == '/')
			name[i] = '_';
	if (n == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		free(name);
		return NULL;
	}
	return name;
}

static struct isotree_entry *new_entry(struct isotree *t)
{
	if (t->n >= ISOTREE_MAX_ENTRIES)
		return NULL;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct isotree_entry *ne = realloc(t->entries, cap * sizeof(*ne));

		if (!ne)
			return NULL;
		t->entries = ne;
		t->cap = cap;
	}
	memset(&t->entries[t->n], 0, sizeof(t->entries[0]));
	return &t->entries[t->n++];
}

static int add_extent(struct isotree_entry *e, uint64_t off, uint64_t len)
{
	struct isotree_extent *nx;

	nx = realloc(e->extents, (e->n_extents + 1) * sizeof(*nx));
	if (!nx)
		return -1;
	e->extents = nx;
	nx[e->n_extents].offset = off;
	nx[e->n_extents].length = len;
	e->n_extents++;
	e->size += len;
	return 0;
}

struct subdir {
	uint64_t lba, len;
	size_t idx;
};

struct dirstate {
	struct subdir *sub;
	size_t nsub, capsub;
	size_t pending; /* index of a multi-extent file + 1, or 0 */
};

/* Handle one directory record (not "." or ".."). */
static void handle_record(struct ctx *c, const unsigned char *r, size_t rlen, const char *parent,
			  struct dirstate *ds)
{
	unsigned flags = r[25], idlen = r[32];
	size_t sua = 33 + idlen + !(idlen & 1);
	uint64_t lba = le32(r + 2), len = le32(r + 10);
	uint64_t off = (lba + r[1]) * c->bs;
	struct isotree *t = c->tree;
	struct rrinfo *ri;
	struct isotree_entry *e;
	char *name, *path;
	size_t plen;
	int is_dir = (flags & 0x02) != 0;

	if (ds->pending) {
		/* A further extent of a multi-extent file. */
		if (!is_dir && add_extent(&t->entries[ds->pending - 1], off, len) < 0)
			t->skipped++;
		if (!(flags & 0x80))
			ds->pending = 0;
		return;
	}
	if (flags & 0x04) /* associated file */
		return;
	ri = calloc(1, sizeof(*ri));
	if (!ri) {
		t->skipped++;
		return;
	}
	if (c->rr && sua + c->skp < rlen)
		parse_susp(c, r + sua + c->skp, rlen - sua - c->skp, ri);
	if (ri->relocated) {
		free(ri);
		return;
	}
	if (ri->has_cl) {
		unsigned char dot[64];

		is_dir = 1;
		lba = ri->cl_lba;
		/* The size of a relocated directory is in its "." record. */
		if (blksrc_read_clamped(c->src, lba * c->bs, dot, sizeof(dot), c->err) < 34) {
			free(ri);
			t->skipped++;
			return;
		}
		len = le32(dot + 10);
		off = lba * c->bs;
	}
	name = record_name(c, r + 33, idlen, ri, is_dir);
	if (!name) {
		free(ri);
		t->skipped++;
		return;
	}
	plen = strlen(parent) + 1 + strlen(name) + 1;
	e = plen <= ISOTREE_MAX_PATH ? new_entry(t) : NULL;
	path = e ? malloc(plen) : NULL;
	if (!path) {
		if (e)
			t->n--;
		free(name);
		free(ri);
		t->skipped++;
		return;
	}
	snprintf(path, plen, "%s/%s", parent, name);
	free(name);
	e->path = path;
	e->mode = ri->has_px ? ri->mode : is_dir ? (S_IFDIR | 0555) : (S_IFREG | 0444);
	e->nlink = ri->has_px ? ri->nlink : 1;
	e->uid = ri->uid;
	e->gid = ri->gid;
	e->mtime = ri->has_tf ? ri->mtime : date7(r + 18);
	if (ri->has_sl) {
		e->link_target = strdup(ri->link);
		if (!ri->has_px)
			e->mode = S_IFLNK | 0777;
	}
	free(ri);
	if (is_dir) {
		e->size = len;
		if (ds->nsub == ds->capsub) {
			size_t cap = ds->capsub ? ds->capsub * 2 : 16;
			struct subdir *ns = realloc(ds->sub, cap * sizeof(*ns));

			if (!ns) {
				t->skipped++;
				return;
			}
			ds->sub = ns;
			ds->capsub = cap;
		}
		ds->sub[ds->nsub].lba = lba;
		ds->sub[ds->nsub].len = len;
		ds->sub[ds->nsub].idx = t->n - 1;
		ds->nsub++;
		return;
	}
	if (add_extent(e, off, len) < 0)
		t->skipped++;
	if (flags & 0x80)
		ds->pending = t->n;
}

static void read_dir(struct ctx *c, uint64_t lba, uint64_t size, const char *parent, int depth)
{
	struct dirstate ds = {NULL, 0, 0, 0};
	unsigned char *buf;
	uint64_t pos;
	size_t i;
	int64_t got;
	int isnew;

	if (depth > ISOTREE_MAX_DEPTH || c->failed) {
		c->tree->skipped++;
		return;
	}
	isnew = seen_add(&c->seen, lba);
	if (isnew <= 0) {
		if (isnew < 0)
			c->tree->skipped++;
		return;
	}
	if (size > ISOTREE_MAX_DIR_BYTES)
		size = ISOTREE_MAX_DIR_BYTES;
	/* Only what the source holds: no buffer for a directory that a
	 * hostile record claims runs far past the end. */
	if (lba > c->src->size / c->bs)
		size = 0;
	else if (size > c->src->size - lba * c->bs)
		size = c->src->size - lba * c->bs;
	buf = malloc(size ? size : 1);
	if (!buf) {
		c->tree->skipped++;
		return;
	}
	got = blksrc_read_clamped(c->src, lba * c->bs, buf, size, c->err);
	if (got < 0) {
		c->failed = 1;
		free(buf);
		return;
	}
	pos = 0;
	while (pos < size) {
		const unsigned char *r = buf + pos;
		uint64_t sector_end = (pos / SECTOR + 1) * SECTOR;
		size_t rlen = r[0];

		if (sector_end > size)
			sector_end = size;
		if (rlen == 0 || rlen < 34 || pos + rlen > sector_end || 33u + r[32] > rlen) {
			if (rlen != 0)
				c->tree->skipped++;
			pos = sector_end;
			continue;
		}
		if (!(r[32] == 1 && (r[33] == 0 || r[33] == 1)))
			handle_record(c, r, rlen, parent, &ds);
		pos += rlen;
	}
	free(buf);
	for (i = 0; i < ds.nsub && !c->failed; i++) {
		const char *path = c->tree->entries[ds.sub[i].idx].path;

		read_dir(c, ds.sub[i].lba, ds.sub[i].len, path, depth + 1);
	}
	free(ds.sub);
}

/* Paths compared with '/' lowest, so the sorted list is a depth-first,
 * name-ordered walk: "/a", "/a/b", "/a.txt". */
static int path_cmp(const void *a, const void *b)
{
	const unsigned char *p = (const unsigned char *)((const struct isotree_entry *)a)->path;
	const unsigned char *q = (const unsigned char *)((const struct isotree_entry *)b)->path;

	for (; *p && *p == *q; p++, q++)
		;
	if (*p == *q)
		return 0;
	if (*p == '/')
		return *q ? -1 : 1;
	if (*q == '/')
		return *p ? 1 : -1;
	return *p < *q ? -1 : 1;
}

const char *isotree_names_str(enum isotree_names names)
{
	switch (names) {
	case ISOTREE_NAMES_ROCKRIDGE:
		return "rockridge";
	case ISOTREE_NAMES_JOLIET:
		return "joliet";
	default:
		return "iso9660";
	}
}

/* Does the root's "." record carry a SUSP "SP" entry? Sets the skip. */
static int detect_rr(struct ctx *c, uint64_t root_lba)
{
	unsigned char r[256];
	size_t sua;

	if (blksrc_read_clamped(c->src, root_lba * c->bs, r, sizeof(r), c->err) < 34)
		return 0;
	if (r[0] < 34 || r[32] != 1 || r[33] != 0)
		return 0;
	sua = 33 + 1 + 0; /* name length 1 is odd: no pad byte */
	if (sua + 7 > r[0])
		return 0;
	if (r[sua] != 'S' || r[sua + 1] != 'P' || r[sua + 2] < 7 || r[sua + 4] != 0xbe ||
	    r[sua + 5] != 0xef)
		return 0;
	c->skp = r[sua + 6];
	return 1;
}

int isotree_read(const struct blksrc *src, uint64_t session_lba, enum isotree_names names,
		 struct isotree *tree, struct dv_error *err)
{
	struct dv_error local = DV_ERROR_INIT;
	struct ctx c;
	unsigned char vd[SECTOR], pvd[SECTOR], svd[SECTOR];
	int have_pvd = 0, have_svd = 0, i;
	const unsigned char *root;

	*tree = (struct isotree)ISOTREE_INIT;
	memset(&c, 0, sizeof(c));
	c.src = src;
	c.err = err ? err : &local;
	c.tree = tree;
	if (session_lba > UINT32_MAX)
		return dv_error_set(c.err, DV_ERR_USAGE, "session start %llu out of range",
				    (unsigned long long)session_lba);
	for (i = 0; i < 64; i++) {
		int64_t got = blksrc_read_clamped(src, (session_lba + 16 + (uint64_t)i) * SECTOR,
						  vd, sizeof(vd), c.err);

		if (got < 0)
			return -1;
		if (got < (int64_t)sizeof(vd) || memcmp(vd + 1, "CD001", 5) != 0)
			break;
		if (vd[0] == 1 && !have_pvd) {
			memcpy(pvd, vd, sizeof(pvd));
			have_pvd = 1;
		} else if (vd[0] == 2 && !have_svd && vd[88] == 0x25 && vd[89] == 0x2f &&
			   (vd[90] == 0x40 || vd[90] == 0x43 || vd[90] == 0x45)) {
			memcpy(svd, vd, sizeof(svd));
			have_svd = 1;
		} else if (vd[0] == 255) {
			break;
		}
	}
	if (!have_pvd)
		return dv_error_set(c.err, DV_ERR_NOTFOUND,
				    "no ISO 9660 primary volume descriptor");
	c.bs = (uint32_t)(pvd[130] | pvd[131] << 8); /* LE half of both-endian */
	if (c.bs != 512 && c.bs != 1024 && c.bs != 2048)
		c.bs = SECTOR;
	tree->block_size = c.bs;

	root = pvd + 156;
	if (names == ISOTREE_NAMES_AUTO || names == ISOTREE_NAMES_ROCKRIDGE) {
		c.rr = detect_rr(&c, le32(root + 2));
		if (c.rr)
			names = ISOTREE_NAMES_ROCKRIDGE;
		else if (names == ISOTREE_NAMES_ROCKRIDGE)
			return dv_error_set(c.err, DV_ERR_NOTFOUND, "no Rock Ridge extensions");
		else
			names = have_svd ? ISOTREE_NAMES_JOLIET : ISOTREE_NAMES_ISO;
	}
	if (names == ISOTREE_NAMES_JOLIET) {
		if (!have_svd)
			return dv_error_set(c.err, DV_ERR_NOTFOUND, "no Joliet volume descriptor");
		c.joliet = 1;
		root = svd + 156;
	}
	tree->names = names;
	if (root[0] < 34)
		return dv_error_set(c.err, DV_ERR_FAIL, "bad root directory record");
	read_dir(&c, le32(root + 2), le32(root + 10), "", 0);
	free(c.seen.v);
	if (c.failed)
		return -1;
	if (tree->n > 1)
		qsort(tree->entries, tree->n, sizeof(tree->entries[0]), path_cmp);
	return 0;
}

void isotree_release(struct isotree *tree)
{
	size_t i;

	for (i = 0; i < tree->n; i++) {
		free(tree->entries[i].path);
		free(tree->entries[i].link_target);
		free(tree->entries[i].extents);
	}
	free(tree->entries);
	*tree = (struct isotree)ISOTREE_INIT;
}

const struct isotree_entry *isotree_find(const struct isotree *tree, const char *path)
{
	size_t i;

	for (i = 0; i < tree->n; i++)
		if (strcmp(tree->entries[i].path, path) == 0)
			return &tree->entries[i];
	return NULL;
}

int64_t isotree_read_file(const struct blksrc *src, const struct isotree_entry *e, uint64_t off,
			  void *buf, size_t len, struct dv_error *err)
{
	unsigned char *out = buf;
	uint64_t base = 0;
	size_t done = 0, i;

	if (off >= e->size)
		return 0;
	for (i = 0; i < e->n_extents && done < len; i++) {
		const struct isotree_extent *x = &e->extents[i];
		uint64_t pos, want;
		int64_t got;

		if (off + done >= base + x->length) {
			base += x->length;
			continue;
		}
		pos = off + done - base;
		want = x->length - pos;
		if (want > len - done)
			want = len - done;
		got = blksrc_read_clamped(src, x->offset + pos, out + done, (size_t)want, err);
		if (got < 0)
			return -1;
		if ((uint64_t)got < want)
			return dv_error_set(err, DV_ERR_FAIL,
					    "'%s' extends past the end of the image", e->path);
		done += (size_t)want;
		base += x->length;
	}
	return (int64_t)done;
}
