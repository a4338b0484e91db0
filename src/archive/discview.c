/*
 * discview.c - the files of a disc in a drive, an image or a directory.
 */
#include "archive/discview.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <udfread/blockinput.h>
#include <udfread/udfread.h>

#include "engine/drive/drive_blksrc.h"
#include "engine/hash/hash.h"
#include "platform/fileio.h"
#include "platform/banned.h"

#define COPY_CHUNK (1u << 20)
#define SECTOR 2048u

static int add_file(struct discview *v, const char *path, uint64_t size,
		    const struct isotree_entry *e, struct dv_error *err)
{
	struct discview_file *grown = realloc(v->files, (v->nfiles + 1) * sizeof(*grown));

	if (!grown)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	v->files = grown;
	grown[v->nfiles].path = strdup(path);
	if (!grown[v->nfiles].path)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	grown[v->nfiles].size = size;
	grown[v->nfiles].entry = e;
	v->nfiles++;
	return 0;
}

static int walk_dir(struct discview *v, const char *rel, struct dv_error *err)
{
	char abs[PATH_MAX];
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if ((size_t)snprintf(abs, sizeof(abs), "%s%s", v->dir, rel) >= sizeof(abs))
		return dv_error_set(err, DV_ERR_FAIL, "path too long under '%s'", v->dir);
	d = opendir(abs);
	if (!d)
		return dv_error_errno(err, errno, "cannot read directory '%s'", abs);
	while (rc == 0 && (de = readdir(d))) {
		char sub[PATH_MAX], full[PATH_MAX * 2];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name);
		snprintf(full, sizeof(full), "%s%s", v->dir, sub);
		if (lstat(full, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = walk_dir(v, sub, err);
		else if (S_ISREG(st.st_mode))
			rc = add_file(v, sub, (uint64_t)st.st_size, NULL, err);
	}
	closedir(d);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct discview_file *)a)->path,
		      ((const struct discview_file *)b)->path);
}

/* ---- UDF through libudfread, reading our block source ---- */

struct udf_input {
	struct udfread_block_input in;
	const struct blksrc *src;
};

static int udf_in_close(udfread_block_input *in)
{
	return 0;
}

static int udf_in_read(udfread_block_input *in, uint32_t lba, void *buf, uint32_t nblocks, int flags)
{
	struct udf_input *u = (struct udf_input *)in;
	struct dv_error err = DV_ERROR_INIT;
	uint64_t off = (uint64_t)lba * SECTOR, len = (uint64_t)nblocks * SECTOR;

	if (off >= u->src->size)
		return 0;
	if (off + len > u->src->size)
		len = (u->src->size - off) / SECTOR * SECTOR;
	if (!len || u->src->read(u->src->ctx, off, buf, (size_t)len, &err) < 0)
		return -1;
	return (int)(len / SECTOR);
}

static uint32_t udf_in_size(udfread_block_input *in)
{
	struct udf_input *u = (struct udf_input *)in;

	return (uint32_t)(u->src->size / SECTOR);
}

static int walk_udf(struct discview *v, const char *dir, int depth, struct dv_error *err)
{
	UDFDIR *d;
	struct udfread_dirent ent;
	int rc = 0;

	if (depth > 64)
		return 0;
	d = udfread_opendir(v->udf, dir[0] ? dir : "/");
	if (!d)
		return dv_error_set(err, DV_ERR_FAIL, "cannot read UDF directory '%s'", dir[0] ? dir : "/");
	while (rc == 0 && udfread_readdir(d, &ent)) {
		char path[4096];
		if (!strcmp(ent.d_name, ".") || !strcmp(ent.d_name, ".."))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, ent.d_name) >= sizeof(path))
			continue;
		if (ent.d_type == UDF_DT_DIR) {
			rc = walk_udf(v, path, depth + 1, err);
		} else if (ent.d_type == UDF_DT_REG) {
			UDFFILE *f = udfread_file_open(v->udf, path);
			int64_t size = f ? udfread_file_size(f) : -1;
			if (f)
				udfread_file_close(f);
			if (size >= 0)
				rc = add_file(v, path, (uint64_t)size, NULL, err);
		}
	}
	udfread_closedir(d);
	return rc;
}

/* Switch to UDF names when the ISO 9660 side has plain ISO names only and
 * a UDF volume is there. Returns 1 when UDF is used. */
static int try_udf(struct discview *v, struct dv_error *err)
{
	struct udf_input *u = calloc(1, sizeof(*u));
	udfread *udf = udfread_init();

	if (!u || !udf) {
		free(u);
		if (udf)
			udfread_close(udf);
		return 0;
	}
	u->in.close = udf_in_close;
	u->in.read = udf_in_read;
	u->in.size = udf_in_size;
	u->src = &v->src;
	if (udfread_open_input(udf, &u->in) < 0) {
		udfread_close(udf);
		free(u);
		return 0;
	}
	v->udf = udf;
	v->udf_input = u;
	for (size_t i = 0; i < v->nfiles; i++)
		free(v->files[i].path);
	v->nfiles = 0;
	if (walk_udf(v, "", 0, err) < 0)
		return -1;
	return 1;
}

static int read_tree(struct discview *v, struct dv_error *err)
{
	{
		struct isotree init = ISOTREE_INIT;
		v->tree = init;
	}
	v->have_tree = 1;
	if (isotree_read(&v->src, 0, ISOTREE_NAMES_AUTO, &v->tree, err) < 0) {
		dv_error_prefix(err, "cannot read the file tree of '%s'", v->target);
		discview_close(v);
		return -1;
	}
	for (size_t i = 0; i < v->tree.n; i++) {
		const struct isotree_entry *e = &v->tree.entries[i];
		if ((e->mode & S_IFMT) == S_IFREG && add_file(v, e->path, e->size, e, err) < 0) {
			discview_close(v);
			return -1;
		}
	}
	if (v->tree.names == ISOTREE_NAMES_ISO && try_udf(v, err) < 0) {
		discview_close(v);
		return -1;
	}
	qsort(v->files, v->nfiles, sizeof(*v->files), by_path);
	return 0;
}

int discview_open(struct discview *v, const char *target, struct dv_error *err)
{
	struct stat st;
	int rc;

	memset(v, 0, sizeof(*v));
	snprintf(v->target, sizeof(v->target), "%s", target);
	if (!drive_address_is_drive(target) && stat(target, &st) == 0 && S_ISDIR(st.st_mode)) {
		size_t n;
		v->is_dir = 1;
		snprintf(v->dir, sizeof(v->dir), "%s", target);
		n = strlen(v->dir);
		while (n > 1 && v->dir[n - 1] == '/')
			v->dir[--n] = '\0';
		if (walk_dir(v, "", err) < 0) {
			discview_close(v);
			return -1;
		}
		qsort(v->files, v->nfiles, sizeof(*v->files), by_path);
		return 0;
	}
	if (drive_address_is_drive(target))
		rc = drive_blksrc_open(&v->src, target, err);
	else
		rc = blksrc_open_path(&v->src, target, err);
	if (rc < 0)
		return -1;
	return read_tree(v, err);
}

int discview_open_src(struct discview *v, const char *name, struct blksrc *src,
		      struct dv_error *err)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->target, sizeof(v->target), "%s", name);
	v->src = *src;
	return read_tree(v, err);
}

void discview_close(struct discview *v)
{
	for (size_t i = 0; i < v->nfiles; i++)
		free(v->files[i].path);
	free(v->files);
	v->files = NULL;
	v->nfiles = 0;
	if (v->have_tree)
		isotree_release(&v->tree);
	v->have_tree = 0;
	if (v->udf)
		udfread_close(v->udf);
	free(v->udf_input);
	v->udf = NULL;
	v->udf_input = NULL;
	blksrc_close(&v->src);
}

const struct discview_file *discview_find(const struct discview *v, const char *path)
{
	for (size_t i = 0; i < v->nfiles; i++)
		if (!strcmp(v->files[i].path, path))
			return &v->files[i];
	return NULL;
}

int discview_sidecar_sha512(struct discview *v, const char *path, char out[129])
{
	char side[4200], buf[128];
	const struct discview_file *f;
	struct dv_error err = DV_ERROR_INIT;

	out[0] = '\0';
	snprintf(side, sizeof(side), "%s.sha512", path);
	f = discview_find(v, side);
	if (!f || f->size < 128 || discview_read(v, f, 0, buf, 128, &err) != 128)
		return -1;
	for (int i = 0; i < 128; i++) {
		if (!isxdigit((unsigned char)buf[i]))
			return -1;
		out[i] = (char)tolower((unsigned char)buf[i]);
	}
	out[128] = '\0';
	return 0;
}

int64_t discview_read(struct discview *v, const struct discview_file *f, uint64_t off,
		      void *buf, size_t len, struct dv_error *err)
{
	if (v->is_dir) {
		char abs[PATH_MAX * 2];
		ssize_t n;
		int fd;

		snprintf(abs, sizeof(abs), "%s%s", v->dir, f->path);
		fd = open(abs, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return dv_error_errno(err, errno, "cannot open '%s'", abs);
		n = pread_full(fd, buf, len, off);
		if (n < 0)
			dv_error_errno(err, errno, "cannot read '%s'", abs);
		close(fd);
		return n;
	}
	if (v->udf) {
		UDFFILE *uf = udfread_file_open(v->udf, f->path);
		ssize_t n;
		if (!uf)
			return dv_error_set(err, DV_ERR_FAIL, "cannot open '%s' in UDF", f->path);
		if (udfread_file_seek(uf, (int64_t)off, UDF_SEEK_SET) != (int64_t)off) {
			udfread_file_close(uf);
			return dv_error_set(err, DV_ERR_FAIL, "cannot seek in '%s'", f->path);
		}
		n = udfread_file_read(uf, buf, len);
		udfread_file_close(uf);
		if (n < 0)
			return dv_error_set(err, DV_ERR_FAIL, "read error in '%s' at byte %llu", f->path,
					    (unsigned long long)off);
		return n;
	}
	return isotree_read_file(&v->src, f->entry, off, buf, len, err);
}

static int copy_file(struct discview *v, const struct discview_file *f, const char *path,
		     uint64_t *bad_bytes, struct hash_worker *hasher, struct dv_error *err)
{
	struct atomic_file af;
	char *buf = malloc(2 * (size_t)COPY_CHUNK);
	uint64_t off = 0;
	int rc = -1, k = 0;

	*bad_bytes = 0;
	if (!buf)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	if (atomic_open(&af, path, 0644, err) < 0) {
		free(buf);
		return -1;
	}
	while (off < f->size) {
		size_t want = f->size - off < COPY_CHUNK ? (size_t)(f->size - off) : COPY_CHUNK;
		struct dv_error rerr = DV_ERROR_INIT;
		char *b = buf + (size_t)k * COPY_CHUNK;
		int64_t n = discview_read(v, f, off, b, want, &rerr);

		if (n < 0) {
			/* sector by sector through the bad area, zero-filling */
			for (size_t at = 0; at < want; at += SECTOR) {
				size_t part = want - at < SECTOR ? want - at : SECTOR;
				if (discview_read(v, f, off + at, b + at, part, &rerr) != (int64_t)part) {
					memset(b + at, 0, part);
					*bad_bytes += part;
				}
			}
			n = (int64_t)want;
		} else if (n == 0) {
			break;
		}
		if (write_full(af.fd, b, (size_t)n) < 0) {
			dv_error_errno(err, errno, "cannot write '%s'", path);
			atomic_abort(&af);
			goto out;
		}
		if (hasher) {
			hash_worker_submit(hasher, b, (size_t)n);
			k ^= 1;
		}
		off += (uint64_t)n;
	}
	if (hasher)
		hash_worker_wait(hasher);
	rc = atomic_commit(&af, err);
out:
	if (hasher)
		hash_worker_wait(hasher);
	free(buf);
	return rc;
}

int discview_copy(struct discview *v, const struct discview_file *f, const char *path,
		  uint64_t *bad_bytes, struct dv_error *err)
{
	return copy_file(v, f, path, bad_bytes, NULL, err);
}

int discview_copy_sha512(struct discview *v, const struct discview_file *f, const char *path,
			 uint64_t *bad_bytes, char sha512[129], struct dv_error *err)
{
	struct hashset hs;
	struct hash_worker *w = NULL;
	int rc = -1;

	if (hashset_init(&hs, HASH_SHA512, err) < 0)
		return -1;
	if (hash_worker_start(&w, &hs, err) < 0)
		goto out;
	rc = copy_file(v, f, path, bad_bytes, w, err);
	hash_worker_stop(w);
	if (rc == 0 && hashset_final(&hs, err) == 0)
		snprintf(sha512, 129, "%s", hashset_hex(&hs, HASH_SHA512));
	else
		rc = -1;
out:
	hashset_release(&hs);
	return rc;
}
