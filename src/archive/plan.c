/*
 * plan.c - source scan, compression sample, slice and disc sizing,
 * deferral of the newest files for --min-last-disc-fill.
 */
#include "archive/plan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "engine/dar/dar.h"
#include "platform/fileio.h"
#include "platform/signals.h"
#include "platform/spawn.h"

#include "platform/banned.h"

static int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n;
		if (*p < 0x80) {
			p++;
			continue;
		} else if ((*p & 0xe0) == 0xc0 && *p >= 0xc2) {
			n = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
		} else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4) {
			n = 3;
		} else {
			return 0;
		}
		p++;
		for (int i = 0; i < n; i++, p++)
			if ((*p & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

struct walk {
	struct scan_result *sr;
	scan_progress_fn fn;
	void *ctx;
	unsigned tick;
};

static void note_unreadable(struct scan_result *sr, const char *rel)
{
	if (!sr->unreadable++)
		snprintf(sr->first_unreadable, sizeof(sr->first_unreadable), "%s", rel);
}

static int add_entry(struct scan_result *sr, const char *rel, const struct stat *st)
{
	struct scan_entry *e;

	if (sr->nent == sr->capent) {
		size_t cap = sr->capent ? sr->capent * 2 : 1024;
		struct scan_entry *ne = realloc(sr->ent, cap * sizeof(*ne));
		if (!ne)
			return -1;
		sr->ent = ne;
		sr->capent = cap;
	}
	e = &sr->ent[sr->nent];
	e->path = strdup(rel);
	if (!e->path)
		return -1;
	e->size = (uint64_t)st->st_size;
	e->mtime = st->st_mtime > st->st_ctime ? st->st_mtime : st->st_ctime;
	sr->nent++;
	return 0;
}

static int walk_dir(struct walk *w, int dfd, const char *rel, struct dv_error *err)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		close(dfd);
		note_unreadable(w->sr, rel);
		return 0;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		struct stat st;
		char *child;
		size_t len;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (signals_interrupted()) {
			rc = dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted while scanning the source");
			break;
		}
		len = strlen(rel) + strlen(de->d_name) + 2;
		child = malloc(len);
		if (!child) {
			rc = dv_error_set(err, DV_ERR_FAIL, "out of memory");
			break;
		}
		snprintf(child, len, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		if (!utf8_valid(de->d_name) || strchr(de->d_name, '\n'))
			w->sr->odd_names++;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			note_unreadable(w->sr, child);
			free(child);
			continue;
		}
		w->sr->catalog_est += 256 + strlen(child);
		if (S_ISDIR(st.st_mode)) {
			int cfd = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			w->sr->dirs++;
			if (cfd < 0)
				note_unreadable(w->sr, child);
			else
				rc = walk_dir(w, cfd, child, err);
		} else if (S_ISREG(st.st_mode)) {
			if (faccessat(dirfd(d), de->d_name, R_OK, AT_EACCESS) < 0)
				note_unreadable(w->sr, child);
			w->sr->files++;
			w->sr->bytes += (uint64_t)st.st_size;
			if (add_entry(w->sr, child, &st) < 0)
				rc = dv_error_set(err, DV_ERR_FAIL, "out of memory");
			if (w->fn && (++w->tick & 255) == 0)
				w->fn(w->ctx, w->sr->files, w->sr->bytes);
		} else {
			w->sr->others++;
		}
		free(child);
		if (rc)
			break;
	}
	closedir(d);
	return rc;
}

int scan_source(const char *src, struct scan_result *sr, scan_progress_fn fn,
		void *ctx, struct dv_error *err)
{
	struct walk w = { sr, fn, ctx, 0 };
	struct stat st;
	int fd;

	memset(sr, 0, sizeof(*sr));
	sr->catalog_est = 64 * 1024;
	if (stat(src, &st) < 0)
		return dv_error_errno(err, errno, "cannot read source '%s'", src);
	if (!S_ISDIR(st.st_mode))
		return dv_error_set(err, DV_ERR_USAGE, "source '%s' is not a directory", src);
	fd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return dv_error_errno(err, errno, "cannot read source '%s'", src);
	{
		/* an unlistable root is a failure, not a warning */
		DIR *probe;
		int pfd = dup(fd);
		probe = pfd >= 0 ? fdopendir(pfd) : NULL;
		if (!probe || (errno = 0, readdir(probe) == NULL && errno)) {
			int e = errno ? errno : EACCES;
			if (probe)
				closedir(probe);
			close(fd);
			return dv_error_errno(err, e, "cannot read source '%s'", src);
		}
		closedir(probe);
		lseek(fd, 0, SEEK_SET);   /* the probe shared the offset */
	}
	if (walk_dir(&w, fd, "", err) < 0)
		return -1;
	if (fn)
		fn(ctx, sr->files, sr->bytes);
	return 0;
}

void scan_result_release(struct scan_result *sr)
{
	for (size_t i = 0; i < sr->nent; i++)
		free(sr->ent[i].path);
	free(sr->ent);
	memset(sr, 0, sizeof(*sr));
}

static int copy_range(const char *from, const char *to, uint64_t off, uint64_t max,
		      uint64_t *copied)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), out;
	uint64_t done = 0;

	*copied = 0;
	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	while (done < max) {
		size_t want = max - done < sizeof(buf) ? (size_t)(max - done) : sizeof(buf);
		ssize_t n = pread_full(in, buf, want, off + done);
		if (n <= 0)
			break;
		if (write_full(out, buf, (size_t)n) < 0) {
			close(in);
			close(out);
			return -1;
		}
		done += (uint64_t)n;
	}
	close(in);
	close(out);
	*copied = done;
	return 0;
}

/*
 * The sample: SAMPLE_POINTS points spread evenly over the concatenation
 * of all files (so each file counts by its bytes), a chunk of
 * chunk bytes at each, whole files when they are smaller.
 */
#define SAMPLE_POINTS 512
#define SAMPLE_CHUNK_MAX (64 * 1024)

int plan_sample_ratio(const char *src, const struct scan_result *sr,
		      const char *compression, int level, const char *workdir,
		      double *ratio, uint64_t *sampled, struct dv_error *err)
{
	char dir[4096], data[4200], base[4200], file[4300], slice[4300];
	uint64_t total = 0, *cum = NULL;
	struct strvec sv = { 0 };
	struct spawn_result res;
	struct stat st;
	struct statvfs vfs;
	size_t last_file = (size_t)-1;
	uint64_t chunk = SAMPLE_CHUNK_MAX;
	int rc = -1;

	*ratio = 1.0;
	*sampled = 0;
	if (!sr->nent || sr->bytes == 0)
		return 0;
	if (!strcmp(compression, "none")) {
		*ratio = 1.0;
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/sample.%d", workdir, (int)getpid());
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(base, sizeof(base), "%s/sample", dir);
	remove_tree(dir);
	/* a sample never takes more than an eighth of the free space */
	if (statvfs(workdir, &vfs) == 0) {
		uint64_t room = (uint64_t)vfs.f_bavail * vfs.f_frsize / 8 / SAMPLE_POINTS;
		if (room < chunk)
			chunk = room < 4096 ? 4096 : room - room % 4096;
	}
	if (mkdir_p(data, 0700, err) < 0)
		return -1;
	cum = malloc((sr->nent + 1) * sizeof(*cum));
	if (!cum) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	cum[0] = 0;
	for (size_t i = 0; i < sr->nent; i++)
		cum[i + 1] = cum[i] + sr->ent[i].size;
	for (unsigned k = 0; k < SAMPLE_POINTS; k++) {
		uint64_t pos = (uint64_t)(((double)k + 0.5) * (double)cum[sr->nent] / SAMPLE_POINTS);
		size_t lo = 0, hi = sr->nent;
		uint64_t off, got;
		char from[8192];

		while (hi - lo > 1) {      /* last i with cum[i] <= pos */
			size_t mid = (lo + hi) / 2;
			if (cum[mid] <= pos)
				lo = mid;
			else
				hi = mid;
		}
		off = pos - cum[lo];
		if (sr->ent[lo].size <= chunk) {
			if (lo == last_file)
				continue;
			off = 0;
		} else if (off + chunk > sr->ent[lo].size) {
			off = sr->ent[lo].size - chunk;
		}
		last_file = lo;
		snprintf(from, sizeof(from), "%s/%s", src, sr->ent[lo].path);
		snprintf(file, sizeof(file), "%s/f%u", data, k);
		if (copy_range(from, file, off, chunk, &got) == 0)
			total += got;
	}
	if (total == 0) {
		rc = 0;
		goto out;
	}
	strvec_push(&sv, "dar");
	strvec_push(&sv, "-c");
	strvec_push(&sv, base);
	strvec_push(&sv, "-R");
	strvec_push(&sv, data);
	strvec_push(&sv, "-Q");
	strvec_push(&sv, "-N");
	if (level >= 0)
		strvec_pushf(&sv, "-z%s:%d", compression, level);
	else
		strvec_pushf(&sv, "-z%s", compression);
	if (spawn_capture((const char *const *)sv.v, &res, err) < 0)
		goto out;
	if (res.exit_code != 0) {
		dv_error_set(err, DV_ERR_FAIL, "dar failed on the compression sample (exit %d: %s)",
			     res.exit_code, dar_exit_meaning(res.exit_code));
		spawn_result_release(&res);
		goto out;
	}
	spawn_result_release(&res);
	snprintf(slice, sizeof(slice), "%s.1.dar", base);
	if (stat(slice, &st) < 0) {
		dv_error_errno(err, errno, "dar wrote no sample archive '%s'", slice);
		goto out;
	}
	/* dar's fixed archive overhead is not part of the ratio */
	*ratio = (double)(st.st_size > 2048 ? st.st_size - 2048 : st.st_size) / (double)total;
	if (*ratio < 0.001)
		*ratio = 0.001;
	if (*ratio > 1.0)
		*ratio = 1.0 + (*ratio - 1.0) / 2;   /* dar stores incompressible data as is, nearly */
	*sampled = total;
	rc = 0;
out:
	free(cum);
	strvec_release(&sv);
	remove_tree(dir);
	return rc;
}

uint64_t plan_estimate_archive(uint64_t bytes, uint64_t entries, uint64_t catalog_est,
			       double ratio)
{
	return (uint64_t)ceil((double)bytes * ratio) + entries * PLAN_ENTRY_OVERHEAD +
	       catalog_est + 4096;
}

static void plan_fill(struct plan *p, uint64_t catalog_est)
{
	uint64_t per_disc = (uint64_t)p->slices_per_disc * p->slice_size;
	uint64_t last;
	double rf = 1.0 + (p->redundancy + 1) / 100.0;

	p->slices = (unsigned)((p->est_archive + p->slice_size - 1) / p->slice_size);
	if (!p->slices)
		p->slices = 1;
	p->discs = (p->slices + p->slices_per_disc - 1) / p->slices_per_disc;
	last = p->est_archive - (uint64_t)(p->discs - 1) * per_disc;
	p->last_fill = ((double)last * rf + (double)catalog_est + PLAN_MISC_OVERHEAD) /
		       (double)p->capacity;
	p->disc_fill = ((double)per_disc * rf + (double)catalog_est + PLAN_MISC_OVERHEAD) /
		       (double)p->capacity;
	{
		uint64_t archive = (uint64_t)((double)p->est_archive * rf) + catalog_est;
		uint64_t one_disc = archive + catalog_est + PLAN_MISC_OVERHEAD;
		if (one_disc > p->capacity)
			one_disc = p->capacity;
		/* same filesystem: slices of the discs not yet imaged + images done,
		 * at worst the archive plus one disc; the catalog stays in OUT */
		p->staging_needed = archive + one_disc + catalog_est;
		p->work_needed = archive;
	}
}

int plan_compute(struct plan *p, const struct scan_result *sr, double ratio,
		 uint64_t capacity, unsigned redundancy, uint64_t max_slice,
		 struct dv_error *err)
{
	uint64_t avail, data;
	unsigned k;

	memset(p, 0, sizeof(*p));
	p->capacity = capacity;
	p->redundancy = redundancy;
	p->ratio = ratio;
	if (!max_slice || max_slice > PLAN_MAX_SLICE)
		max_slice = PLAN_MAX_SLICE;
	if (capacity <= PLAN_END_MARGIN + PLAN_MISC_OVERHEAD + sr->catalog_est + MIB)
		return dv_error_set(err, DV_ERR_NOSPACE,
				    "a disc of %llu bytes cannot hold the catalog (about %llu bytes) and any data",
				    (unsigned long long)capacity, (unsigned long long)sr->catalog_est);
	avail = capacity - PLAN_END_MARGIN - PLAN_MISC_OVERHEAD - sr->catalog_est;
	/* one more percent for the PAR2 packets around the recovery blocks */
	data = avail / (100 + redundancy + 1) * 100;
	data -= data % MIB;
	if (data < MIB)
		return dv_error_set(err, DV_ERR_NOSPACE,
				    "a disc of %llu bytes leaves less than 1 MiB for data",
				    (unsigned long long)capacity);
	k = (unsigned)((data + max_slice - 1) / max_slice);
	p->slices_per_disc = k;
	p->slice_size = data / k;
	p->slice_size -= p->slice_size % (64 * 1024);
	if (sr->save_files || sr->save_bytes)
		p->est_archive = plan_estimate_archive(sr->save_bytes, sr->save_files + sr->dirs,
						       sr->catalog_est, ratio);
	else
		p->est_archive = plan_estimate_archive(sr->bytes, sr->files + sr->dirs + sr->others,
						       sr->catalog_est, ratio);
	plan_fill(p, sr->catalog_est);
	return 0;
}

void scan_changed_since(const struct scan_result *sr, time_t since, uint64_t *files,
			uint64_t *bytes)
{
	*files = *bytes = 0;
	for (size_t i = 0; i < sr->nent; i++)
		if (sr->ent[i].mtime > since) {
			(*files)++;
			*bytes += sr->ent[i].size;
		}
}

static int by_mtime_desc(const void *a, const void *b, void *arg)
{
	const struct scan_entry *ent = arg;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	if (ent[ia].mtime != ent[ib].mtime)
		return ent[ia].mtime < ent[ib].mtime ? 1 : -1;
	return strcmp(ent[ia].path, ent[ib].path);
}

int plan_defer(struct plan *p, const struct scan_result *sr, time_t since,
	       unsigned pct, uint64_t max_slice, unsigned char *deferred,
	       struct dv_error *err)
{
	size_t *idx, n = 0;
	double want = pct / 100.0;
	unsigned discs0 = p->discs;

	p->discs_before_defer = p->discs;

	(void)max_slice;
	if (p->last_fill >= want || p->discs == 0)
		return 0;
	idx = malloc((sr->nent ? sr->nent : 1) * sizeof(*idx));
	if (!idx)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	for (size_t i = 0; i < sr->nent; i++)
		/* names dar cannot take in a listing file stay in */
		if ((!since || sr->ent[i].mtime > since) && !strchr(sr->ent[i].path, '\n'))
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), by_mtime_desc, sr->ent);
	/* once a disc is saved, deferring more only empties the new last disc */
	for (size_t j = 0; j < n && p->last_fill < want && p->discs == discs0; j++) {
		const struct scan_entry *e = &sr->ent[idx[j]];
		uint64_t cut = (uint64_t)((double)e->size * p->ratio) + PLAN_ENTRY_OVERHEAD;
		if (cut + 8192 >= p->est_archive)
			break;
		deferred[idx[j]] = 1;
		p->est_archive -= cut;
		p->deferred_files++;
		p->deferred_bytes += e->size;
		if (!p->deferred_oldest || e->mtime < p->deferred_oldest)
			p->deferred_oldest = e->mtime;
		plan_fill(p, sr->catalog_est);
	}
	free(idx);
	return 0;
}
