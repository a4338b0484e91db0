/*
 * create.h - `discvault create` below the CLI: prepare (check the name and
 * the chain, scan, sample, size, check space) and run (dar with a per-slice
 * hook, SHA-512 sidecars from dar, PAR2 per slice in-process overlapping
 * with dar, one ISO image per disc, the set file). The set stays
 * recognisably incomplete until the set file is committed last.
 *
 * Outputs in OUT, for NAME and generation G (PFX = NAME-genG):
 *   PFX.set.json                 the set: discs, labels, images, sizes, SHA-256
 *   PFX.discIIII.iso             one image per disc
 *   PFX-catalog.0001.dar(.sha512) the isolated catalog (--base of the next gen)
 *   PFX.INCOMPLETE               present only while a run is under way
 */
#ifndef DV_ARCHIVE_CREATE_H
#define DV_ARCHIVE_CREATE_H

#include <stdint.h>
#include <time.h>

#include "archive/plan.h"
#include "platform/error.h"

struct create_opts {
	const char *source;
	const char *name;
	const char *out;
	const char *work;          /* NULL: OUT/.discvault-work */
	const char *base;          /* previous generation's catalog, or NULL */
	const char *compression;   /* default "zstd" */
	int level;                 /* -1: default (3 for zstd) */
	unsigned redundancy;       /* PAR2 percent, default 5 */
	uint64_t capacity;         /* bytes per disc */
	uint64_t max_slice;        /* 0: just below 4 GiB */
	unsigned min_last_fill;    /* percent, 0: off */
};

struct create_ctx {
	struct create_opts o;
	char src[4096], out[4096], work[4096], prefix[128];
	char base_ref[4096];       /* base catalog without ".0001.dar" */
	unsigned gen, base_gen;
	time_t base_time, when;
	struct scan_result scan;
	struct plan plan;
	uint64_t sampled;
	unsigned char *deferred;
	uint64_t out_free, work_free;
	int same_fs;
	char leftovers;            /* an interrupted run left files */
};

struct create_progress {
	void (*scan)(void *ctx, uint64_t files, uint64_t bytes);
	void *ctx;
};

int create_prepare(struct create_ctx *c, const struct create_opts *o,
		   const struct create_progress *pg, struct dv_error *err);

struct create_result {
	unsigned discs, slices;
	uint64_t archive_bytes, images_bytes;
	int files_changed;         /* dar saw files change while reading */
	long unsaved;              /* entries dar could not read (not in the archive) */
	char unsaved_example[1024];
	char set_path[4200];
	double t_dar, t_images;
};

int create_run(struct create_ctx *c, struct create_result *r, struct dv_error *err);
void create_release(struct create_ctx *c);

/* "NAME_Ggg_iiii" with the name cut to fit 32 characters. */
void create_label(char *buf, size_t cap, const char *name, unsigned gen, unsigned disc);

#endif
