/*
 * plan.h - what `create` will do before it does it: the source scan, the
 * compression ratio from a sample, slice and disc sizing, the last disc's
 * fill, deferral of the newest files (--min-last-disc-fill) and the
 * staging space check.
 */
#ifndef DV_ARCHIVE_PLAN_H
#define DV_ARCHIVE_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "platform/error.h"

#define MIB (1024ull * 1024ull)
/* Room left free at the end of a disc, and for README, disc JSON, ISO
 * metadata and PAR2 critical packets (the seed's constants). */
#define PLAN_END_MARGIN (1 * MIB)
#define PLAN_MISC_OVERHEAD (4 * MIB)
/* dar's per-entry bookkeeping inside the archive, beyond the catalog. */
#define PLAN_ENTRY_OVERHEAD 64u
/* Slices stay below 4 GiB: plain ISO 9660 files, one extent each. */
#define PLAN_MAX_SLICE (4096 * MIB - 1 * MIB)

struct scan_entry {
	char *path;            /* relative to the source root */
	uint64_t size;
	time_t mtime;          /* max(mtime, ctime): "changed since" */
};

struct scan_result {
	uint64_t files, dirs, others, bytes;
	uint64_t catalog_est;  /* the seed's 64 KiB + sum(256 + len(path)) */
	uint64_t unreadable;   /* entries we could not open or list */
	char first_unreadable[1024];
	uint64_t odd_names;    /* names with newlines or invalid UTF-8 */
	/* what the archive will hold: everything, or for an incremental the
	 * files changed since the base (set by the caller; 0,0 = everything) */
	uint64_t save_files, save_bytes;
	struct scan_entry *ent;   /* regular files */
	size_t nent, capent;
};

typedef void (*scan_progress_fn)(void *ctx, uint64_t files, uint64_t bytes);

/* Walk src (an absolute directory) without following symlinks. Fails when
 * src is missing, not a directory or unreadable; unreadable entries below
 * it are counted. */
int scan_source(const char *src, struct scan_result *sr, scan_progress_fn fn,
		void *ctx, struct dv_error *err);
void scan_result_release(struct scan_result *sr);

/* Compressed size / original size, measured by compressing up to about
 * 32 MiB taken from files spread over the tree with dar itself, in a
 * scratch directory below workdir (removed afterwards). */
int plan_sample_ratio(const char *src, const struct scan_result *sr,
		      const char *compression, int level, const char *workdir,
		      double *ratio, uint64_t *sampled, struct dv_error *err);

struct plan {
	uint64_t capacity;         /* bytes per disc */
	unsigned redundancy;       /* PAR2 percent */
	double ratio;
	uint64_t est_archive;      /* dar output, bytes */
	uint64_t slice_size;
	unsigned slices_per_disc;
	unsigned slices;
	unsigned discs;
	double last_fill;          /* 0..1 */
	double disc_fill;          /* of a full disc */
	uint64_t staging_needed;   /* peak bytes on the output filesystem */
	uint64_t work_needed;      /* peak bytes on the work filesystem if separate */
	/* deferral */
	uint64_t deferred_files, deferred_bytes;
	time_t deferred_oldest;
	unsigned discs_before_defer;
};

/* Size slices and discs for an archive of sr's files at ratio. Fails when
 * a disc cannot hold even one megabyte of data. max_slice 0: PLAN_MAX_SLICE. */
int plan_compute(struct plan *p, const struct scan_result *sr, double ratio,
		 uint64_t capacity, unsigned redundancy, uint64_t max_slice,
		 struct dv_error *err);

/* Files and bytes changed after `since` (an incremental saves those). */
void scan_changed_since(const struct scan_result *sr, time_t since, uint64_t *files,
			uint64_t *bytes);

/* Estimated archive bytes for file bytes and entry count. */
uint64_t plan_estimate_archive(uint64_t bytes, uint64_t entries, uint64_t catalog_est,
			       double ratio);

/* --min-last-disc-fill: mark the newest files changed after `since`
 * (all files when since is 0) as deferred until the last disc is at least
 * pct % full. deferred[i] is set to 1 for deferred entries (array of
 * sr->nent). Recomputes *p. */
int plan_defer(struct plan *p, const struct scan_result *sr, time_t since,
	       unsigned pct, uint64_t max_slice, unsigned char *deferred,
	       struct dv_error *err);

#endif
