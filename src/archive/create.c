/*
 * create.c - the create flow: prepare (name, chain, scan, sample, sizing,
 * space) and run (dar + per-slice PAR2 worker, disc images, set file).
 * See create.h for the files it leaves in OUT and docs/archive-set.md
 * for their format.
 */
#include "archive/create.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "archive/discimage.h"
#include "engine/dar/dar.h"
#include "engine/hash/hash.h"
#include "engine/par2/par2.h"
#include "platform/fileio.h"
#include "platform/log.h"
#include "platform/progress.h"
#include "platform/signals.h"
#include "platform/spawn.h"

#include "platform/jsonfile.h"
#include "platform/banned.h"

/* snprintf for paths, without the truncation lint: callers size buffers
 * for PATH_MAX-long inputs, and a cut path only fails the later open. */
static void pathf(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void pathf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

void create_label(char *buf, size_t cap, const char *name, unsigned gen, unsigned disc)
{
	snprintf(buf, cap, "%.*s_G%02u_%04u", DAR_LABEL_NAME_MAX, name, gen, disc);
}

static int path_exists(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

static int fs_free(const char *path, uint64_t *free_bytes, dev_t *dev)
{
	struct statvfs sv;
	struct stat st;

	if (statvfs(path, &sv) < 0 || stat(path, &st) < 0)
		return -1;
	*free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	*dev = st.st_dev;
	return 0;
}

/* Is there a generation newer than `gen` of `name` in dir? Returns it or 0. */
static unsigned newer_generation(const char *dir, const char *name, unsigned gen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned found = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char nm[256];
		unsigned g, sl;
		int cat;
		char mk[4400];
		if (dar_parse_slice_name(de->d_name, nm, sizeof(nm), &g, &cat, &sl) < 0 ||
		    !cat || strcmp(nm, name) != 0 || g <= gen || g <= found)
			continue;
		/* what an interrupted run left does not count */
		pathf(mk, sizeof(mk), "%s/%s-gen%u.INCOMPLETE", dir, name, g);
		if (!path_exists(mk))
			found = g;
	}
	closedir(d);
	return found;
}

static int sha512_of(const char *path, char hex[HASH_HEX_MAX], struct dv_error *err)
{
	struct hashset hs;
	char *buf = malloc(1u << 20);
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;

	if (!buf || fd < 0) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return dv_error_errno(err, errno, "cannot read '%s'", path);
	}
	if (hashset_init(&hs, HASH_SHA512, err) < 0)
		goto out0;
	for (;;) {
		ssize_t n = read_full(fd, buf, 1u << 20);
		if (n < 0) {
			dv_error_errno(err, errno, "cannot read '%s'", path);
			goto out;
		}
		if (!n)
			break;
		hashset_update(&hs, buf, (size_t)n);
	}
	if (hashset_final(&hs, err) < 0)
		goto out;
	pathf(hex, HASH_HEX_MAX, "%s", hashset_hex(&hs, HASH_SHA512));
	rc = 0;
out:
	hashset_release(&hs);
out0:
	close(fd);
	free(buf);
	return rc;
}

/* The hash in a "HEX  NAME" sidecar. */
static int read_sidecar(const char *path, char hex[HASH_HEX_MAX], struct dv_error *err)
{
	char *text;
	size_t len;

	if (read_small_file(path, 4096, &text, &len, err) < 0)
		return -1;
	if (len < 128 || strspn(text, "0123456789abcdef") != 128) {
		free(text);
		return dv_error_set(err, DV_ERR_FAIL, "'%s' is not a SHA-512 sidecar", path);
	}
	memcpy(hex, text, 128);
	hex[128] = '\0';
	free(text);
	return 0;
}

static int check_base(struct create_ctx *c, struct dv_error *err)
{
	char name[256], dir[4096], hex[HASH_HEX_MAX], want[HASH_HEX_MAX], side[4200];
	unsigned g, sl, newer;
	int cat;
	struct stat st;
	char *real;
	size_t n;

	real = realpath(c->o.base, NULL);
	if (!real)
		return dv_error_errno(err, errno, "cannot read base catalog '%s'", c->o.base);
	if (stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
		free(real);
		return dv_error_set(err, DV_ERR_USAGE, "base catalog '%s' is not a file", c->o.base);
	}
	if (dar_parse_slice_name(real, name, sizeof(name), &g, &cat, &sl) < 0 || !cat) {
		free(real);
		return dv_error_set(err, DV_ERR_USAGE,
				    "'%s' is not an archive catalog (expected NAME-genG-catalog.0001.dar)",
				    c->o.base);
	}
	if (strcmp(name, c->o.name) != 0) {
		free(real);
		return dv_error_set(err, DV_ERR_USAGE,
				    "base catalog '%s' belongs to the chain '%s', not '%s': a chain keeps one name for every generation",
				    c->o.base, name, c->o.name);
	}
	/* the isolated catalog's own checksum, when it has one */
	pathf(side, sizeof(side), "%s.sha512", real);
	if (path_exists(side)) {
		if (read_sidecar(side, want, err) < 0 || sha512_of(real, hex, err) < 0) {
			free(real);
			return -1;
		}
		if (strcmp(hex, want) != 0) {
			free(real);
			return dv_error_set(err, DV_ERR_MISMATCH,
					    "base catalog '%s' does not match its SHA-512 sidecar",
					    c->o.base);
		}
	}
	c->base_gen = g;
	c->gen = g + 1;
	c->base_time = st.st_mtime;
	{
		/* a copied catalog has a new mtime: the set file or the disc
		 * identity next to it knows when the base was really made */
		char sj[4400], *text = NULL;
		size_t len;
		struct dv_error e2 = DV_ERROR_INIT;
		const char *slash = strrchr(real, '/');
		int dl = (int)(slash - real);
		pathf(sj, sizeof(sj), "%.*s/%s-gen%u.set.json", dl, real, name, g);
		if (read_small_file(sj, 1 << 20, &text, &len, &e2) < 0) {
			pathf(sj, sizeof(sj), "%.*s/%s-gen%u.disc0001.json", dl, real, name, g);
			dv_error_clear(&e2);
			read_small_file(sj, 1 << 20, &text, &len, &e2);
		}
		if (text) {
			json_t *j = json_loads(text, 0, NULL);
			const char *cr = j ? json_string_value(json_object_get(j, "created")) : NULL;
			struct tm tm;
			memset(&tm, 0, sizeof(tm));
			if (cr && strptime(cr, "%Y-%m-%dT%H:%M:%SZ", &tm))
				c->base_time = timegm(&tm);
			json_decref(j);
			free(text);
		}
	}
	pathf(dir, sizeof(dir), "%s", real);
	*strrchr(dir, '/') = '\0';
	newer = newer_generation(dir, name, g);
	if (!newer)
		newer = newer_generation(c->out, name, g);
	if (newer) {
		free(real);
		return dv_error_set(err, DV_ERR_USAGE,
				    "generation %u of '%s' already exists: --base must be the newest generation's catalog (%s-gen%u-catalog.0001.dar), or the chain would fork",
				    newer, name, name, newer);
	}
	n = strlen(real);
	/* strip ".NNNN.dar" */
	pathf(c->base_ref, sizeof(c->base_ref), "%.*s", (int)(n - 4), real);
	*strrchr(c->base_ref, '.') = '\0';
	free(real);
	return 0;
}

int create_prepare(struct create_ctx *c, const struct create_opts *o,
		   const struct create_progress *pg, struct dv_error *err)
{
	char *real;
	char path[4300];
	dev_t dout, dwork;

	memset(c, 0, sizeof(*c));
	c->o = *o;
	if (!c->o.compression)
		c->o.compression = "zstd";
	if (c->o.level < 0 && !strcmp(c->o.compression, "zstd"))
		c->o.level = 3;
	if (dar_name_check(o->name, err) < 0)
		return -1;
	if (!dar_compression_valid(c->o.compression))
		return dv_error_set(err, DV_ERR_USAGE, "unknown compression '%s'", c->o.compression);
	if (c->o.redundancy > 100)
		return dv_error_set(err, DV_ERR_USAGE, "redundancy %u%% is more than 100%%",
				    c->o.redundancy);
	real = realpath(o->source, NULL);
	if (!real)
		return dv_error_errno(err, errno, "cannot read source '%s'", o->source);
	pathf(c->src, sizeof(c->src), "%s", real);
	free(real);
	{
		/* lexically first, so nothing is ever created inside the source */
		char abs[4096], cwd[2048];
		size_t ls = strlen(c->src);
		if (o->out[0] == '/')
			pathf(abs, sizeof(abs), "%s", o->out);
		else if (getcwd(cwd, sizeof(cwd)))
			pathf(abs, sizeof(abs), "%s/%s", cwd, o->out);
		else
			return dv_error_errno(err, errno, "cannot get the current directory");
		if (!strncmp(abs, c->src, ls) && (abs[ls] == '/' || !abs[ls]))
			return dv_error_set(err, DV_ERR_USAGE,
					    "output directory '%s' is inside the source '%s'", abs, c->src);
	}
	if (mkdir_p(o->out, 0755, err) < 0)
		return -1;
	real = realpath(o->out, NULL);
	if (!real)
		return dv_error_errno(err, errno, "cannot use output directory '%s'", o->out);
	pathf(c->out, sizeof(c->out), "%s", real);
	free(real);
	if (access(c->out, W_OK) < 0)
		return dv_error_errno(err, errno, "cannot write to output directory '%s'", c->out);
	{
		size_t ls = strlen(c->src);
		if (!strncmp(c->out, c->src, ls) && (c->out[ls] == '/' || !c->out[ls]))
			return dv_error_set(err, DV_ERR_USAGE,
					    "output directory '%s' is inside the source '%s'", c->out, c->src);
	}
	c->gen = 1;
	if (o->base && check_base(c, err) < 0)
		return -1;
	pathf(c->prefix, sizeof(c->prefix), "%s-gen%u", o->name, c->gen);
	pathf(path, sizeof(path), "%s/%s.set.json", c->out, c->prefix);
	if (path_exists(path))
		return dv_error_set(err, DV_ERR_USAGE,
				    "'%s' already exists: generation %u of '%s' was already created there",
				    path, c->gen, o->name);
	if (!o->base) {
		unsigned newer = newer_generation(c->out, o->name, 0);
		if (newer)
			return dv_error_set(err, DV_ERR_USAGE,
					    "'%s' already holds generation %u of '%s': pass --base %s/%s-gen%u-catalog.0001.dar for the next generation, or choose another output directory",
					    c->out, newer, o->name, c->out, o->name, newer);
	}
	pathf(path, sizeof(path), "%s/%s.INCOMPLETE", c->out, c->prefix);
	c->leftovers = (char)path_exists(path);
	{
		char wbase[4096];
		if (o->work && o->work[0] == '/') {
			pathf(wbase, sizeof(wbase), "%s", o->work);
		} else if (o->work) {
			char cwd[2048];
			if (!getcwd(cwd, sizeof(cwd)))
				return dv_error_errno(err, errno, "cannot get the current directory");
			pathf(wbase, sizeof(wbase), "%s/%s", cwd, o->work);
		} else {
			pathf(wbase, sizeof(wbase), "%s/.discvault-work", c->out);
		}
		{
			/* before creating anything: never write into the source */
			size_t ls = strlen(c->src);
			if (!strncmp(wbase, c->src, ls) && (wbase[ls] == '/' || !wbase[ls]))
				return dv_error_set(err, DV_ERR_USAGE,
						    "work directory '%s' is inside the source '%s'",
						    wbase, c->src);
		}
		if (mkdir_p(wbase, 0700, err) < 0)
			return -1;
		real = realpath(wbase, NULL);
		if (!real)
			return dv_error_errno(err, errno, "cannot use work directory '%s'", wbase);
		pathf(c->work, sizeof(c->work), "%s/%s", real, c->prefix);
		{
			size_t ls = strlen(c->src);
			int inside = !strncmp(real, c->src, ls) && (real[ls] == '/' || !real[ls]);
			if (inside) {
				dv_error_set(err, DV_ERR_USAGE,
					     "work directory '%s' is inside the source '%s'", real, c->src);
				free(real);
				return -1;
			}
		}
		free(real);
	}
	if (scan_source(c->src, &c->scan, pg ? pg->scan : NULL, pg ? pg->ctx : NULL, err) < 0)
		return -1;
	if (c->scan.files + c->scan.dirs + c->scan.others == 0)
		return dv_error_set(err, DV_ERR_USAGE, "source '%s' is empty", c->src);
	if (o->base) {
		scan_changed_since(&c->scan, c->base_time, &c->scan.save_files, &c->scan.save_bytes);
		/* an unchanged tree still makes a (tiny) generation */
		if (!c->scan.save_files && !c->scan.save_bytes)
			c->scan.save_files = 1;
	}
	{
		double ratio;
		char wdir[4200];
		pathf(wdir, sizeof(wdir), "%s", c->work);
		*strrchr(wdir, '/') = '\0';
		if (plan_sample_ratio(c->src, &c->scan, c->o.compression, c->o.level, wdir,
				      &ratio, &c->sampled, err) < 0)
			return -1;
		if (plan_compute(&c->plan, &c->scan, ratio, o->capacity, o->redundancy,
				 o->max_slice, err) < 0)
			return -1;
	}
	c->deferred = calloc(c->scan.nent ? c->scan.nent : 1, 1);
	if (!c->deferred)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	if (o->min_last_fill &&
	    plan_defer(&c->plan, &c->scan, o->base ? c->base_time : 0, o->min_last_fill,
		       o->max_slice, c->deferred, err) < 0)
		return -1;
	{
		char wdir[4200];
		pathf(wdir, sizeof(wdir), "%s", c->work);
		*strrchr(wdir, '/') = '\0';
		if (fs_free(c->out, &c->out_free, &dout) < 0 || fs_free(wdir, &c->work_free, &dwork) < 0)
			return dv_error_errno(err, errno, "cannot get the free space of '%s'", c->out);
		c->same_fs = dout == dwork;
		if (c->same_fs) {
			if (c->plan.staging_needed > c->out_free)
				return dv_error_set(err, DV_ERR_NOSPACE,
						    "'%s' has %" PRIu64 " bytes free, the set needs about %" PRIu64 " bytes of staging space",
						    c->out, c->out_free, c->plan.staging_needed);
		} else {
			if (c->plan.work_needed > c->work_free)
				return dv_error_set(err, DV_ERR_NOSPACE,
						    "work directory '%s' has %" PRIu64 " bytes free, the archive needs about %" PRIu64,
						    wdir, c->work_free, c->plan.work_needed);
			/* the images all end up in OUT, each with the catalog */
			uint64_t images = c->plan.work_needed +
					  (uint64_t)c->plan.discs * (c->scan.catalog_est + PLAN_MISC_OVERHEAD);
			if (images > c->out_free)
				return dv_error_set(err, DV_ERR_NOSPACE,
						    "'%s' has %" PRIu64 " bytes free, the images need about %" PRIu64,
						    c->out, c->out_free, images);
		}
	}
	return 0;
}

void create_release(struct create_ctx *c)
{
	if (c->work[0]) {
		/* the work directory's parent, when this run left it empty */
		char wdir[4200];
		pathf(wdir, sizeof(wdir), "%s", c->work);
		*strrchr(wdir, '/') = '\0';
		rmdir(wdir);
	}
	scan_result_release(&c->scan);
	free(c->deferred);
	c->deferred = NULL;
}

/* ---- the run ---- */

struct par2_queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned q[4096];
	unsigned head, tail;
	int done, failed, interrupted;
	struct dv_error err;
	const char *work, *prefix;
	unsigned redundancy;
	unsigned finished;        /* slices with PAR2 complete */
};

static void *par2_worker(void *arg)
{
	struct par2_queue *pq = arg;

	for (;;) {
		unsigned no;
		int dar_done;
		char slice[4400], par2p[4400];
		const char *files[1];
		struct par2_options opt = PAR2_OPTIONS_INIT;
		struct dv_error e = DV_ERROR_INIT;

		pthread_mutex_lock(&pq->mu);
		while (pq->head == pq->tail && !pq->done && !pq->failed)
			pthread_cond_wait(&pq->cv, &pq->mu);
		if (pq->failed || pq->head == pq->tail) {
			pthread_mutex_unlock(&pq->mu);
			break;
		}
		no = pq->q[pq->head++ % 4096];
		/* once dar has finished, PAR2 may have every CPU */
		dar_done = pq->done;
		pthread_cond_broadcast(&pq->cv);   /* room in the queue */
		pthread_mutex_unlock(&pq->mu);

		pathf(slice, sizeof(slice), "%s/%s.%04u.dar", pq->work, pq->prefix, no);
		pathf(par2p, sizeof(par2p), "%s.par2", slice);
		files[0] = slice;
		opt.redundancy_pct = pq->redundancy;
		/* while dar (single-threaded) runs it keeps one CPU */
		{
			long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
			opt.threads = dar_done ? 0 : ncpu > 2 ? (unsigned)(ncpu - 1) : 1;
		}
		if (par2_create(par2p, files, 1, &opt, &e) < 0) {
			pthread_mutex_lock(&pq->mu);
			if (!pq->failed) {
				pq->err = e;
				dv_error_prefix(&pq->err, "PAR2 for '%s'", slice);
			}
			pq->failed = 1;
			pthread_cond_broadcast(&pq->cv);
			pthread_mutex_unlock(&pq->mu);
			break;
		}
		pthread_mutex_lock(&pq->mu);
		pq->finished++;
		pthread_mutex_unlock(&pq->mu);
	}
	return NULL;
}

struct dar_watch {
	struct par2_queue *pq;
	struct progress *prog;
	const char *work, *prefix;
	unsigned last_slice, slices_seen;
	int last_seen;
	uint64_t closed_bytes;
};

static void on_slice(void *ctx, unsigned no, int last)
{
	struct dar_watch *w = ctx;
	char p[4400];
	struct stat st;

	pathf(p, sizeof(p), "%s/%s.%04u.dar", w->work, w->prefix, no);
	if (stat(p, &st) == 0)
		w->closed_bytes += (uint64_t)st.st_size;
	w->slices_seen = no;
	if (last)
		w->last_seen = 1;
	pthread_mutex_lock(&w->pq->mu);
	/* a full queue holds dar at its hook until PAR2 catches up */
	while (w->pq->tail - w->pq->head >= 4096 && !w->pq->failed)
		pthread_cond_wait(&w->pq->cv, &w->pq->mu);
	w->pq->q[w->pq->tail++ % 4096] = no;
	pthread_cond_broadcast(&w->pq->cv);
	pthread_mutex_unlock(&w->pq->mu);
}

static int dar_tick(void *ctx)
{
	struct dar_watch *w = ctx;
	char p[4400];
	struct stat st;
	uint64_t cur = 0;
	int failed;

	pathf(p, sizeof(p), "%s/%s.%04u.dar", w->work, w->prefix, w->slices_seen + 1);
	if (stat(p, &st) == 0)
		cur = (uint64_t)st.st_size;
	progress_update(w->prog, w->closed_bytes + cur);
	pthread_mutex_lock(&w->pq->mu);
	failed = w->pq->failed;
	pthread_mutex_unlock(&w->pq->mu);
	return signals_interrupted() || failed;
}

static void remove_outputs(struct create_ctx *c)
{
	DIR *d = opendir(c->out);
	struct dirent *de;
	size_t pl = strlen(c->prefix);

	if (d) {
		while ((de = readdir(d)) != NULL) {
			const char *rest = de->d_name + pl;
			char p[4400];
			if (strncmp(de->d_name, c->prefix, pl) != 0)
				continue;
			/* our images, catalog and temporaries; never the set file */
			if (!strncmp(rest, ".disc", 5) || !strncmp(rest, "-catalog.", 9) ||
			    strstr(rest, ".tmp.")) {
				pathf(p, sizeof(p), "%s/%s", c->out, de->d_name);
				unlink(p);
			}
		}
		closedir(d);
	}
	remove_tree(c->work);
}

static void fmt_time(time_t t, char *buf, size_t cap)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int write_readme(struct create_ctx *c, const char *path, unsigned disc, unsigned discs,
			const char *label, unsigned first, unsigned last, struct dv_error *err)
{
	char when[64], cap[32], comp[64], buf[16384];
	int n;
	const char *p = c->prefix;

	fmt_time(c->when, when, sizeof(when));
	human_bytes(c->plan.capacity, cap, sizeof(cap));
	if (c->o.level >= 0 && strcmp(c->o.compression, "none"))
		pathf(comp, sizeof(comp), "%s level %d", c->o.compression, c->o.level);
	else
		pathf(comp, sizeof(comp), "%s", c->o.compression);
	n = snprintf(buf, sizeof(buf),
"DISCVAULT ARCHIVE | %s | Gen %u | Disc %u/%u | %s | Capacity %s | PAR2 %u%% | %s\n"
"Volume label: %s    Made by discvault %s\n"
"\n"
"This disc holds slices %04u to %04u of the dar archive %s (%u disc%s in all),\n"
"SHA-512 checksums and PAR2 recovery files for each slice, and the isolated\n"
"catalog of the whole generation. Everything below needs only standard tools:\n"
"sha512sum (coreutils), par2 (par2cmdline) and dar.\n"
"\n"
"VERIFY (in this directory, or a copy of it):\n"
"  sha512sum -c %s.*.dar.sha512 %s-catalog.0001.dar.sha512\n"
"  par2 verify %s.NNNN.dar.par2      (for each slice NNNN on this disc)\n"
"\n"
"REPAIR a damaged slice (copy the files to a writable directory first):\n"
"  par2 repair %s.NNNN.dar.par2\n"
"\n"
"RESTORE: copy every slice %s.*.dar of all %u disc%s into one directory DIR, then\n"
"  dar -x DIR/%s -R /target/dir%s\n"
"  dar asks for a missing slice by number; a single file can be restored with\n"
"  dar -x DIR/%s -R /target/dir -g path/inside/archive\n"
"  List the contents (and which slice holds each file) without the slices:\n"
"  dar -l %s-catalog -Tslice\n"
"\n"
"DEPENDS: %s\n"
"CHAIN: '%s', generation %u. Restore generations in order, 1, 2, ..., each\n"
"  with 'dar -x NAME-genG -R /target/dir -w' after the first; a later generation\n"
"  holds only what changed and records deleted files.\n",
		c->o.name, c->gen, disc, discs, when, cap, c->o.redundancy, comp,
		label, DV_VERSION,
		first, last, p, discs, discs == 1 ? "" : "s",
		p, p, p, p, p, discs, discs == 1 ? "" : "s", p,
		c->gen > 1 ? " -w" : "", p, p,
		c->gen > 1 ? "the previous generations of this chain (restore them first)"
			   : "nothing: this is a full archive (generation 1)",
		c->o.name, c->gen);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return dv_error_set(err, DV_ERR_FAIL, "README too long");
	return write_file_atomic(path, buf, (size_t)n, 0644, err);
}

static json_t *slice_json(const char *work, const char *name, struct dv_error *err)
{
	char p[4400], side[4500], hex[HASH_HEX_MAX];
	struct stat st;

	pathf(p, sizeof(p), "%s/%s", work, name);
	pathf(side, sizeof(side), "%s.sha512", p);
	if (stat(p, &st) < 0) {
		dv_error_errno(err, errno, "slice '%s' is missing", p);
		return NULL;
	}
	if (read_sidecar(side, hex, err) < 0)
		return NULL;
	return json_pack("{s:s, s:I, s:s}", "file", name, "size", (json_int_t)st.st_size,
			 "sha512", hex);
}

struct img_prog {
	struct progress *p;
	uint64_t base;
};

static void on_img_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct img_prog *ip = ctx;
	(void)total;
	progress_update(ip->p, ip->base + done);
}

/* Add the PAR2 files of one slice to the list. */
static int list_par2(const char *work, const char *slice, char ***names, size_t *n)
{
	DIR *d = opendir(work);
	struct dirent *de;
	size_t sl = strlen(slice);

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		const char *r = de->d_name + sl;
		size_t rl;
		if (strncmp(de->d_name, slice, sl) != 0)
			continue;
		rl = strlen(r);
		if (rl < 5 || strcmp(r + rl - 5, ".par2") != 0 || r[0] != '.')
			continue;
		if (strcmp(r, ".par2") != 0 && strncmp(r, ".vol", 4) != 0)
			continue;
		*names = realloc(*names, (*n + 1) * sizeof(**names));
		(*names)[(*n)++] = strdup(de->d_name);
	}
	closedir(d);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int build_disc(struct create_ctx *c, unsigned disc, unsigned discs, unsigned nslices,
		      json_t *set_discs, struct progress *prog, uint64_t *prog_base,
		      struct create_result *r, struct dv_error *err)
{
	unsigned k = c->plan.slices_per_disc;
	unsigned first = (disc - 1) * k + 1, last = disc * k;
	char label[40], ddir[4400], readme[4500], djson[4500], image[4500], iname[300];
	char **names = NULL, **paths = NULL;
	size_t n = 0;
	struct discimage_file *files = NULL;
	json_t *dj = NULL, *jslices = json_array();
	char catname[300], catpath[4500], sha[65];
	uint64_t size = 0;
	int rc = -1;

	if (last > nslices)
		last = nslices;
	create_label(label, sizeof(label), c->o.name, c->gen, disc);
	pathf(ddir, sizeof(ddir), "%s/disc%04u", c->work, disc);
	if (mkdir_p(ddir, 0700, err) < 0)
		goto out;
	for (unsigned s = first; s <= last; s++) {
		char nm[300];
		json_t *sj;
		pathf(nm, sizeof(nm), "%s.%04u.dar", c->prefix, s);
		sj = slice_json(c->work, nm, err);
		if (!sj)
			goto out;
		json_array_append_new(jslices, sj);
	}
	pathf(catname, sizeof(catname), "%s-catalog.0001.dar", c->prefix);
	pathf(catpath, sizeof(catpath), "%s/%s", c->out, catname);
	pathf(readme, sizeof(readme), "%s/README.txt", ddir);
	if (write_readme(c, readme, disc, discs, label, first, last, err) < 0)
		goto out;
	{
		char when[64], hex[HASH_HEX_MAX], side[4600];
		struct stat st;
		pathf(side, sizeof(side), "%s.sha512", catpath);
		if (stat(catpath, &st) < 0 || read_sidecar(side, hex, err) < 0) {
			if (!err->msg[0])
				dv_error_errno(err, errno, "catalog '%s' is missing", catpath);
			goto out;
		}
		fmt_time(c->when, when, sizeof(when));
		dj = json_pack("{s:s, s:i, s:s, s:i, s:i, s:i, s:s, s:s, s:s, s:O, s:{s:s, s:I, s:s}, s:i, s:s, s:i}",
			       "format", "discvault-disc", "version", 1,
			       "chain", c->o.name, "generation", (int)c->gen,
			       "disc", (int)disc, "discs", (int)discs,
			       "label", label, "created", when,
			       "tool", "discvault " DV_VERSION,
			       "slices", jslices,
			       "catalog", "file", catname, "size", (json_int_t)st.st_size, "sha512", hex,
			       "par2_redundancy", (int)c->o.redundancy,
			       "compression", c->o.compression, "base_generation", (int)c->base_gen);
	}
	if (!dj) {
		dv_error_set(err, DV_ERR_FAIL, "cannot build the disc JSON");
		goto out;
	}
	pathf(djson, sizeof(djson), "%s/%s.disc%04u.json", ddir, c->prefix, disc);
	if (json_write_atomic(djson, dj, err) < 0)
		goto out;

	/* the file list: README, identity, slices with sidecars and PAR2, catalog */
#define ADD(nm, pth) do { \
		names = realloc(names, (n + 1) * sizeof(*names)); \
		paths = realloc(paths, (n + 1) * sizeof(*paths)); \
		names[n] = strdup(nm); paths[n] = strdup(pth); n++; } while (0)
	ADD("README.txt", readme);
	pathf(iname, sizeof(iname), "%s.disc%04u.json", c->prefix, disc);
	ADD(iname, djson);
	for (unsigned s = first; s <= last; s++) {
		char nm[300], p[4500];
		char **par = NULL;
		size_t np = 0;
		pathf(nm, sizeof(nm), "%s.%04u.dar", c->prefix, s);
		pathf(p, sizeof(p), "%s/%s", c->work, nm);
		ADD(nm, p);
		pathf(nm, sizeof(nm), "%s.%04u.dar.sha512", c->prefix, s);
		pathf(p, sizeof(p), "%s/%s", c->work, nm);
		ADD(nm, p);
		pathf(nm, sizeof(nm), "%s.%04u.dar", c->prefix, s);
		list_par2(c->work, nm, &par, &np);
		if (np == 0) {
			dv_error_set(err, DV_ERR_FAIL, "no PAR2 files for slice '%s'", nm);
			free(par);
			goto out;
		}
		qsort(par, np, sizeof(*par), cmp_str);
		for (size_t i = 0; i < np; i++) {
			pathf(p, sizeof(p), "%s/%s", c->work, par[i]);
			ADD(par[i], p);
			free(par[i]);
		}
		free(par);
	}
	ADD(catname, catpath);
	{
		char side[4600], sn[320];
		pathf(side, sizeof(side), "%s.sha512", catpath);
		pathf(sn, sizeof(sn), "%s.sha512", catname);
		ADD(sn, side);
	}
#undef ADD
	files = calloc(n, sizeof(*files));
	for (size_t i = 0; i < n; i++) {
		files[i].name = names[i];
		files[i].path = paths[i];
	}
	pathf(image, sizeof(image), "%s/%s.disc%04u.iso", c->out, c->prefix, disc);
	{
		struct img_prog ip = { prog, *prog_base };
		struct discimage_spec spec = {
			.label = label, .dir = c->prefix, .files = files, .nfiles = n,
			.when = c->when, .capacity = c->plan.capacity,
			.progress = on_img_progress, .progress_ctx = &ip,
		};
		if (discimage_build(&spec, image, &size, sha, err) < 0)
			goto out;
	}
	*prog_base += size;
	r->images_bytes += size;
	{
		char iso_name[300];
		json_t *ent;
		pathf(iso_name, sizeof(iso_name), "%s.disc%04u.iso", c->prefix, disc);
		ent = json_pack("{s:i, s:s, s:s, s:I, s:s, s:O}",
				"disc", (int)disc, "label", label, "image", iso_name,
				"size", (json_int_t)size, "sha256", sha, "slices", jslices);
		json_array_append_new(set_discs, ent);
	}
	/* the image is complete and read back: its slices may go */
	for (size_t i = 0; i < n; i++)
		if (!strncmp(paths[i], c->work, strlen(c->work)))
			unlink(paths[i]);
	remove_tree(ddir);
	rc = 0;
out:
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		free(paths[i]);
	}
	free(names);
	free(paths);
	free(files);
	json_decref(dj);
	json_decref(jslices);
	return rc;
}

static int write_exclude_list(struct create_ctx *c, char *path, size_t cap, struct dv_error *err)
{
	FILE *f;

	pathf(path, cap, "%s/deferred.list", c->work);
	f = fopen(path, "we");
	if (!f)
		return dv_error_errno(err, errno, "cannot write '%s'", path);
	for (size_t i = 0; i < c->scan.nent; i++)
		if (c->deferred[i])
			fprintf(f, "%s\n", c->scan.ent[i].path);
	if (fclose(f) != 0)
		return dv_error_errno(err, errno, "cannot write '%s'", path);
	return 0;
}

int create_run(struct create_ctx *c, struct create_result *r, struct dv_error *err)
{
	char marker[4300], base[4300], catbase[4300], excl[4400], tail[16384];
	struct par2_queue pq;
	pthread_t th;
	int th_started = 0, rc = -1, exit_code = 0;
	struct strvec sv = { 0 };
	struct dar_watch dw;
	json_t *set = NULL, *discs_j = json_array();
	double t0;
	unsigned nslices, ndiscs;

	memset(r, 0, sizeof(*r));
	memset(&pq, 0, sizeof(pq));
	pthread_mutex_init(&pq.mu, NULL);
	pthread_cond_init(&pq.cv, NULL);
	c->when = time(NULL);
	pathf(marker, sizeof(marker), "%s/%s.INCOMPLETE", c->out, c->prefix);
	if (c->leftovers)
		log_warn("removing what an interrupted run of generation %u left in '%s'",
			 c->gen, c->out);
	remove_outputs(c);
	{
		char text[512];
		int n = snprintf(text, sizeof(text),
				 "This archive set (%s) is incomplete: 'discvault create' has not finished.\n"
				 "Do not burn its images. Run the same create command again.\n",
				 c->prefix);
		if (write_file_atomic(marker, text, (size_t)n, 0644, err) < 0)
			goto out;
	}
	if (mkdir_p(c->work, 0700, err) < 0)
		goto out;

	/* 1. dar, with PAR2 per finished slice on a worker thread */
	pathf(base, sizeof(base), "%s/%s", c->work, c->prefix);
	pathf(catbase, sizeof(catbase), "%s/%s-catalog", c->out, c->prefix);
	{
		struct dar_create_args a = {
			.basename = base, .source = c->src, .catalog = catbase,
			.reference = c->base_ref[0] ? c->base_ref : NULL,
			.compression = c->o.compression, .level = c->o.level,
			.slice_size = c->plan.slice_size, .hook = 1,
		};
		if (c->plan.deferred_files) {
			if (write_exclude_list(c, excl, sizeof(excl), err) < 0)
				goto out;
			a.exclude_list = excl;
		}
		dar_create_argv(&a, &sv);
	}
	{
		char cmd[8192];
		spawn_format_argv((const char *const *)sv.v, cmd, sizeof(cmd));
		log_file_only("running %s", cmd);
	}
	pq.work = c->work;
	pq.prefix = c->prefix;
	pq.redundancy = c->o.redundancy;
	if (pthread_create(&th, NULL, par2_worker, &pq) != 0) {
		dv_error_set(err, DV_ERR_FAIL, "cannot start the PAR2 thread");
		goto out;
	}
	th_started = 1;
	memset(&dw, 0, sizeof(dw));
	dw.pq = &pq;
	dw.work = c->work;
	dw.prefix = c->prefix;
	dw.prog = progress_new("archive", c->plan.est_archive);
	t0 = now_monotonic();
	{
		struct dar_run_cb cb = { on_slice, dar_tick, &dw };
		int drc = dar_run((const char *const *)sv.v, &cb, &exit_code, tail, sizeof(tail), err);
		/* exit 5 with only unreadable source entries still made a whole
		 * archive of everything else: keep it, and say what is missing */
		if (drc == 0 && exit_code == 5 && dar_failed_inodes(tail) > 0 && dw.last_seen) {
			r->unsaved = dar_failed_inodes(tail);
			dar_first_error(tail, r->unsaved_example, sizeof(r->unsaved_example));
			exit_code = 0;
		}
		pthread_mutex_lock(&pq.mu);
		pq.done = 1;
		if (drc < 0 || (exit_code != 0 && exit_code != 11) || signals_interrupted())
			pq.failed = pq.failed ? pq.failed : 2;
		pthread_cond_broadcast(&pq.cv);
		pthread_mutex_unlock(&pq.mu);
		pthread_join(th, NULL);
		th_started = 0;
		if (drc < 0) {
			progress_abort(dw.prog);
			goto out;
		}
	}
	if (signals_interrupted()) {
		progress_abort(dw.prog);
		dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted while dar was writing the archive");
		goto out;
	}
	if (pq.failed == 1) {
		progress_abort(dw.prog);
		*err = pq.err;
		goto out;
	}
	if (exit_code != 0 && exit_code != 11) {
		char first[1024];
		progress_abort(dw.prog);
		dar_first_error(tail, first, sizeof(first));
		{
			uint64_t fr = 0, fo = 0;
			dev_t dv;
			if ((fs_free(c->work, &fr, &dv) == 0 && fr < 4 * MIB) ||
			    (fs_free(c->out, &fo, &dv) == 0 && fo < 4 * MIB)) {
				dv_error_set(err, DV_ERR_NOSPACE,
					     "no space left for the archive in '%s' (dar stopped with exit %d)",
					     fr < 4 * MIB ? c->work : c->out, exit_code);
				goto out;
			}
		}
		dv_error_set(err, DV_ERR_FAIL, "dar failed (exit %d: %s)%s%s", exit_code,
			     dar_exit_meaning(exit_code), first[0] ? ": " : "", first);
		goto out;
	}
	progress_finish(dw.prog);
	r->files_changed = exit_code == 11;
	r->t_dar = now_monotonic() - t0;
	nslices = dw.slices_seen;
	if (!dw.last_seen || nslices == 0) {
		dv_error_set(err, DV_ERR_FAIL, "dar finished without reporting its last slice");
		goto out;
	}
	r->slices = nslices;
	r->archive_bytes = dw.closed_bytes;
	ndiscs = (nslices + c->plan.slices_per_disc - 1) / c->plan.slices_per_disc;
	r->discs = ndiscs;

	/* 2. one image per disc, deleting the slices it took */
	t0 = now_monotonic();
	{
		struct progress *prog = progress_new("images", r->archive_bytes);
		uint64_t pbase = 0;
		for (unsigned d = 1; d <= ndiscs; d++) {
			if (build_disc(c, d, ndiscs, nslices, discs_j, prog, &pbase, r, err) < 0) {
				progress_abort(prog);
				goto out;
			}
			if (signals_interrupted()) {
				progress_abort(prog);
				dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted while building disc images");
				goto out;
			}
		}
		progress_finish(prog);
	}
	r->t_images = now_monotonic() - t0;

	/* 3. the set file, last: its presence means the set is complete */
	{
		char when[64], catname[300], catpath[4500], side[4600], hex[HASH_HEX_MAX];
		struct stat st;
		json_t *basej = json_null();
		pathf(catname, sizeof(catname), "%s-catalog.0001.dar", c->prefix);
		pathf(catpath, sizeof(catpath), "%s/%s", c->out, catname);
		pathf(side, sizeof(side), "%s.sha512", catpath);
		if (stat(catpath, &st) < 0 || read_sidecar(side, hex, err) < 0) {
			if (!err->msg[0])
				dv_error_errno(err, errno, "catalog '%s' is missing", catpath);
			goto out;
		}
		if (c->base_gen) {
			char bn[300];
			pathf(bn, sizeof(bn), "%s-gen%u-catalog.0001.dar", c->o.name, c->base_gen);
			basej = json_pack("{s:i, s:s}", "generation", (int)c->base_gen, "catalog", bn);
		}
		fmt_time(c->when, when, sizeof(when));
		set = json_pack("{s:s, s:i, s:s, s:i, s:o, s:s, s:s, s:b, s:I, s:i, s:s, s:i, s:I, s:i,"
				" s:{s:I, s:I}, s:I, s:{s:I, s:I}, s:{s:s, s:I, s:s}, s:O}",
				"format", "discvault-archive-set", "version", 1,
				"name", c->o.name, "generation", (int)c->gen, "base", basej,
				"created", when, "tool", "discvault " DV_VERSION,
				"complete", 1,
				"capacity", (json_int_t)c->plan.capacity,
				"redundancy", (int)c->o.redundancy,
				"compression", c->o.compression, "level", c->o.level,
				"slice_size", (json_int_t)c->plan.slice_size,
				"slices_per_disc", (int)c->plan.slices_per_disc,
				"source", "files", (json_int_t)c->scan.files, "bytes", (json_int_t)c->scan.bytes,
				"unsaved", (json_int_t)r->unsaved,
				"deferred", "files", (json_int_t)c->plan.deferred_files,
				"bytes", (json_int_t)c->plan.deferred_bytes,
				"catalog", "file", catname, "size", (json_int_t)st.st_size, "sha512", hex,
				"discs", discs_j);
		if (!set) {
			dv_error_set(err, DV_ERR_FAIL, "cannot build the set JSON");
			goto out;
		}
		pathf(r->set_path, sizeof(r->set_path), "%s/%s.set.json", c->out, c->prefix);
		if (json_write_atomic(r->set_path, set, err) < 0)
			goto out;
	}
	unlink(marker);
	fsync_dir_of(marker);
	remove_tree(c->work);
	{
		/* the default work directory goes when nothing else uses it */
		char wdir[4200];
		pathf(wdir, sizeof(wdir), "%s", c->work);
		*strrchr(wdir, '/') = '\0';
		rmdir(wdir);
	}
	rc = 0;
out:
	if (th_started) {
		pthread_mutex_lock(&pq.mu);
		pq.done = 1;
		pq.failed = pq.failed ? pq.failed : 2;
		pthread_cond_broadcast(&pq.cv);
		pthread_mutex_unlock(&pq.mu);
		pthread_join(th, NULL);
	}
	if (rc < 0) {
		remove_outputs(c);
		unlink(marker);
		{
			char wdir[4200];
			pathf(wdir, sizeof(wdir), "%s", c->work);
			*strrchr(wdir, '/') = '\0';
			rmdir(wdir);
		}
	}
	strvec_release(&sv);
	json_decref(set);
	json_decref(discs_j);
	pthread_mutex_destroy(&pq.mu);
	pthread_cond_destroy(&pq.cv);
	return rc;
}
