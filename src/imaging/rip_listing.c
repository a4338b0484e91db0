/*
 * rip_listing.c - the file listing of a ripped image, read from the image
 * itself (no mount): a `tree -apugD --si`-like text with permissions,
 * owners, sizes and modification times, and for the manifest the same
 * entries with the MD5 of every regular file: those computed while the
 * disc was read (rip_files.c) when that read was one clean pass, the
 * others from the image file here. Files whose extents touch unreadable
 * sectors are flagged as damaged.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "engine/iso/blksrc.h"
#include "engine/iso/isotree.h"
#include "imaging/rip.h"
#include "platform/fileio.h"
#include "platform/progress.h"
#include "platform/signals.h"
#include "platform/banned.h"

static void mode_str(uint32_t mode, char *b)
{
	static const char rwx[] = "rwxrwxrwx";

	b[0] = S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : '-';
	for (int i = 0; i < 9; i++)
		b[1 + i] = mode & (1u << (8 - i)) ? rwx[i] : '-';
	b[10] = '\0';
}

/* tree --si sizes: 300k, 4.1M */
static void si_size(uint64_t n, char *buf, size_t len)
{
	static const char units[] = "kMGTPE";
	double v = (double)n;
	int u = -1;

	if (n < 1000) {
		snprintf(buf, len, "%" PRIu64, n);
		return;
	}
	while (v >= 999.5 && u < 5) {
		v /= 1000.0;
		u++;
	}
	if (v < 9.95)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
}

static int depth_of(const char *path)
{
	int d = 0;

	for (; *path; path++)
		if (*path == '/')
			d++;
	return d;
}

static int damaged(const struct rip *r, const struct isotree_entry *e)
{
	const struct mapfile *m = &r->map_state;

	for (size_t k = 0; k < e->n_extents; k++) {
		uint64_t a = e->extents[k].offset, z = a + e->extents[k].length;

		for (size_t i = 0; i < m->n; i++)
			if (m->b[i].status != MAP_FINISHED && m->b[i].pos < z &&
			    m->b[i].pos + m->b[i].size > a)
				return 1;
	}
	return 0;
}

static int file_md5(const struct blksrc *src, const struct isotree_entry *e,
		    unsigned char *buf, size_t len, char out[33], struct dv_error *err)
{
	struct hashset hs;
	uint64_t off = 0;
	int rc = -1;

	if (hashset_init(&hs, HASH_MD5, err) < 0)
		return -1;
	for (;;) {
		int64_t n = isotree_read_file(src, e, off, buf, len, err);

		if (n < 0)
			goto out;
		if (n == 0)
			break;
		hashset_update(&hs, buf, (size_t)n);
		off += (uint64_t)n;
		if (signals_interrupted()) {
			dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted");
			goto out;
		}
	}
	if (hashset_final(&hs, err) < 0)
		goto out;
	snprintf(out, 33, "%s", hashset_hex(&hs, HASH_MD5));
	rc = 0;
out:
	hashset_release(&hs);
	return rc;
}

/* Per-file MD5s on two threads (the files split by size), so the pass
 * over the image takes half the time on two cores. */
struct md5_job {
	const struct blksrc *src;
	const struct isotree *tree;
	const unsigned char *owner;	/* thread of each entry */
	unsigned char me;
	char (*md5)[33];
	int interrupted;
};

static void *md5_thread(void *arg)
{
	struct md5_job *j = arg;
	unsigned char *buf = malloc(1u << 20);

	for (size_t i = 0; i < j->tree->n && buf; i++) {
		struct dv_error err = DV_ERROR_INIT;

		if (j->owner[i] != j->me)
			continue;
		if (file_md5(j->src, &j->tree->entries[i], buf, 1u << 20, j->md5[i], &err) < 0) {
			if (err.code == DV_ERR_INTERRUPTED) {
				j->interrupted = 1;
				break;
			}
			snprintf(j->md5[i], 33, "unreadable");
		}
	}
	if (!buf)
		for (size_t i = 0; i < j->tree->n; i++)
			if (j->owner[i] == j->me)
				snprintf(j->md5[i], 33, "unreadable");
	free(buf);
	return NULL;
}

/* The MD5 of every regular file that has none yet (md5[i][0] == 0). */
static int all_md5(const struct blksrc *src, const struct isotree *tree,
		   char (*md5)[33], struct dv_error *err)
{
	unsigned char *owner = calloc(tree->n + 1, 1);
	struct md5_job job[2];
	uint64_t load[2] = { 0, 0 };
	pthread_t th;
	int started = 0;

	if (!owner)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	for (size_t i = 0; i < tree->n; i++) {
		if (!S_ISREG(tree->entries[i].mode) || md5[i][0]) {
			owner[i] = 2;	/* nobody */
			continue;
		}
		owner[i] = load[1] < load[0];
		load[owner[i]] += tree->entries[i].size + 2048;
	}
	for (int t = 0; t < 2; t++)
		job[t] = (struct md5_job){ src, tree, owner, (unsigned char)t, md5, 0 };
	if (!load[1]) {
		/* nothing for a second thread */
	} else if (pthread_create(&th, NULL, md5_thread, &job[1]) == 0) {
		started = 1;
	} else {
		for (size_t i = 0; i < tree->n; i++)	/* one thread does all */
			if (owner[i] == 1)
				owner[i] = 0;
	}
	md5_thread(&job[0]);
	if (started)
		pthread_join(th, NULL);
	free(owner);
	if (job[0].interrupted || job[1].interrupted || signals_interrupted())
		return dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted");
	return 0;
}

static json_t *entry_json(const struct isotree_entry *e, const char *md5, int dmg)
{
	char when[32], mode[8];
	time_t t = (time_t)e->mtime;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof(when), "unknown");
	snprintf(mode, sizeof(mode), "%04o", e->mode & 07777);
	return json_pack("{s:s, s:s, s:I, s:s, s:s, s:i, s:i, s:s?, s:s?, s:b}",
		"path", e->path,
		"type", S_ISDIR(e->mode) ? "directory" : S_ISLNK(e->mode) ? "symlink" : "file",
		"size_bytes", (json_int_t)e->size,
		"permissions", mode,
		"modified", when,
		"uid", (int)e->uid, "gid", (int)e->gid,
		"md5", md5,
		"link_target", e->link_target,
		"damaged", dmg);
}

int rip_write_listing(struct rip *r, struct dv_error *err)
{
	struct blksrc src = BLKSRC_INIT;
	struct isotree tree = ISOTREE_INIT;
	struct dv_error terr = DV_ERROR_INIT;
	unsigned char *buf = NULL, *has_next = NULL, seen[ISOTREE_MAX_DEPTH + 2];
	unsigned char open_at[ISOTREE_MAX_DEPTH + 2];
	char (*md5s)[33] = NULL;
	json_t *list = NULL;
	char *text = NULL, total[16];
	size_t tlen = 0;
	FILE *fp = NULL;
	int rc = -1;

	if (blksrc_open_path(&src, r->part, err) < 0)
		return -1;
	fp = open_memstream(&text, &tlen);
	list = json_array();
	buf = malloc(1u << 20);
	if (!fp || !list || !buf) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	if (isotree_read(&src, 0, ISOTREE_NAMES_AUTO, &tree, &terr) < 0) {
		r->tree_ok = 0;
		snprintf(r->tree_error, sizeof(r->tree_error), "%s", terr.msg);
		fprintf(fp, "%s\n\nno ISO 9660 file tree could be read: %s\n", r->iso, terr.msg);
		rip_event(r, 0, "tree listing", "failure", "discvault isotree (read from the image)",
			  "%s", terr.msg);
		rc = 0;
		goto write;
	}
	has_next = calloc(tree.n + 1, 1);
	md5s = calloc(tree.n + 1, sizeof(*md5s));
	if (!has_next || !md5s) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	/* the MD5s computed while reading the disc, when that read was one
	 * clean pass and the image file holds what it read */
	r->md5_stream = r->md5_image = 0;
	if (r->files && r->streamed && !r->resumed && r->rs.read_errors == 0 &&
	    (!r->verify_done || r->verify_match))
		for (size_t i = 0; i < tree.n; i++)
			if (S_ISREG(tree.entries[i].mode) &&
			    rip_files_md5(r->files, i, &tree.entries[i], md5s[i]))
				r->md5_stream++;
	for (size_t i = 0; i < tree.n; i++)
		if (S_ISREG(tree.entries[i].mode) && !md5s[i][0])
			r->md5_image++;
	if (r->md5_image && all_md5(&src, &tree, md5s, err) < 0)
		goto out;
	memset(seen, 0, sizeof(seen));
	for (size_t i = tree.n; i-- > 0;) {
		int d = depth_of(tree.entries[i].path);

		if (d > ISOTREE_MAX_DEPTH)
			d = ISOTREE_MAX_DEPTH;
		has_next[i] = seen[d];
		seen[d] = 1;
		memset(seen + d + 1, 0, sizeof(seen) - (size_t)d - 1);
	}
	snprintf(r->tree_names, sizeof(r->tree_names), "%s", isotree_names_str(tree.names));
	fprintf(fp, "/ (%s%s%snames: %s)\n", r->probe.volume_id[0] ? "volume " : "",
		r->probe.volume_id, r->probe.volume_id[0] ? ", " : "", r->tree_names);
	r->tree_files = r->tree_dirs = r->tree_bytes = r->tree_damaged = 0;
	for (size_t i = 0; i < tree.n; i++) {
		const struct isotree_entry *e = &tree.entries[i];
		const char *name = strrchr(e->path, '/');
		int d = depth_of(e->path), dmg;
		char m[11], when[32], sz[16], md5[33];
		time_t t = (time_t)e->mtime;
		struct tm tm;
		json_t *je;

		if (d > ISOTREE_MAX_DEPTH)
			d = ISOTREE_MAX_DEPTH;
		open_at[d] = has_next[i];
		for (int k = 1; k < d; k++)
			fputs(open_at[k] ? "\xe2\x94\x82   " : "    ", fp);
		fputs(has_next[i] ? "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 " :
		      "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 ", fp);
		mode_str(e->mode, m);
		if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm))
			snprintf(when, sizeof(when), "?");
		si_size(e->size, sz, sizeof(sz));
		dmg = damaged(r, e);
		fprintf(fp, "[%s %-8u %-8u %5s %s]  %s%s%s%s\n", m, e->uid, e->gid, sz, when,
			name ? name + 1 : e->path, e->link_target ? " -> " : "",
			e->link_target ? e->link_target : "", dmg ? "  (DAMAGED: unreadable sectors)" : "");
		md5[0] = '\0';
		if (S_ISDIR(e->mode)) {
			r->tree_dirs++;
		} else {
			r->tree_files++;
			r->tree_bytes += e->size;
			r->tree_damaged += dmg != 0;
			if (S_ISREG(e->mode))
				snprintf(md5, sizeof(md5), "%s", md5s[i]);
		}
		je = entry_json(e, md5[0] ? md5 : NULL, dmg);
		if (!je || json_array_append_new(list, je) < 0) {
			dv_error_set(err, DV_ERR_FAIL, "out of memory");
			goto out;
		}
	}
	si_size(r->tree_bytes, total, sizeof(total));
	fprintf(fp, "\n%s used in %" PRIu64 " directories, %" PRIu64 " files\n", total,
		r->tree_dirs, r->tree_files);
	if (r->tree_damaged)
		fprintf(fp, "%" PRIu64 " file(s) touch unreadable sectors\n", r->tree_damaged);
	r->tree_ok = 1;
	rip_event(r, 0, "tree listing", "success", "discvault isotree (read from the image, no mount)",
		  "%" PRIu64 " directories, %" PRIu64 " files, %" PRIu64 " bytes; per-file MD5 in the manifest (%"
		  PRIu64 " computed while reading the disc, %" PRIu64 " from the image file)",
		  r->tree_dirs, r->tree_files, r->tree_bytes, r->md5_stream, r->md5_image);
	rc = 0;
write:
	if (fclose(fp) != 0) {
		fp = NULL;
		rc = dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	fp = NULL;
	if (rc == 0 && write_file_atomic(r->tree, text, tlen, 0644, err) < 0)
		rc = -1;
	if (rc == 0) {
		r->file_list = list;
		list = NULL;
	}
out:
	if (fp)
		fclose(fp);
	free(text);
	free(buf);
	free(has_next);
	free(md5s);
	json_decref(list);
	isotree_release(&tree);
	blksrc_close(&src);
	return rc;
}
