/*
 * extract.h - restoring an archive chain from its discs, inserted in any
 * order, repairing damaged slices with their PAR2 files as they arrive.
 *
 * extract_collect() reads one disc: it identifies it (chain, generation,
 * disc i of n, from the disc's identity JSON or, for discs made by the
 * original bd-archive, from the slice names), refuses another chain, skips
 * a disc already read, and stages every slice not yet staged with its
 * SHA-512 checked; a damaged slice gets its PAR2 files from the same disc
 * and is repaired in staging; the generation's catalog is staged from the
 * first disc where it is intact. extract_restore() then runs dar for each
 * generation in order and lists what could not be restored.
 */
#ifndef DV_EXTRACT_H
#define DV_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "platform/error.h"

#define EXTRACT_MAX_GENS 256

struct extract_gen {
	unsigned gen;
	unsigned discs;               /* 0: not known yet */
	unsigned base_gen;            /* the generation this one builds on */
	unsigned char *read;          /* read[i] for disc i+1 */
	size_t nread_cap;
	int catalog_ok;
	unsigned slices;              /* staged and intact */
	unsigned max_slice;           /* highest slice number seen */
	char labels[64][40];          /* first 64 discs' labels, for messages */
	unsigned per_disc;            /* data slices per disc, once known */
	/* partial restore: the discs that hold the asked paths (and the last
	 * disc, whose last slice dar always reads) */
	int need_known;               /* 1 once computed from the catalog */
	int need_none;                /* the paths have no data in this generation */
	unsigned need_lo, need_hi;    /* disc range */
};

struct extract_ctx {
	char work[4096];
	char out[4096];
	char chain[256];
	size_t ngens;
	struct extract_gen gens[EXTRACT_MAX_GENS];
	/* slices that stayed damaged after PAR2, for corrupted-files.txt */
	char **bad_slices;
	size_t nbad;
	unsigned discs_read;
	/* partial restore */
	const char *const *paths;
	size_t npaths;
};

enum extract_disc_result {
	EXTRACT_DISC_USED = 0,        /* read and staged */
	EXTRACT_DISC_ALREADY = 1,     /* already read */
	EXTRACT_DISC_FOREIGN = 2,     /* another chain */
	EXTRACT_DISC_EMPTY = 3,       /* no archive on it */
	EXTRACT_DISC_NOT_NEEDED = 4,  /* partial restore: holds none of the paths */
};

int extract_init(struct extract_ctx *x, const char *out, const char *work, struct dv_error *err);
void extract_release(struct extract_ctx *x);

struct discview;
/* Read one disc (opened by the caller on a drive, an image or a directory). */
int extract_collect(struct extract_ctx *x, struct discview *v, enum extract_disc_result *res,
		    char *what, size_t what_len, struct dv_error *err);

/* "disc 2 of 3 (fam_G01_0002) of generation 1, ..." of what is still
 * missing; returns 0 when nothing is known to be missing. */
int extract_missing(const struct extract_ctx *x, char *buf, size_t len);

/* dar -x for each generation in order into out (only paths, when given).
 * *unclean is set when some file or slice could not be restored (then
 * OUT/corrupted-files.txt lists them). */
int extract_restore(struct extract_ctx *x, const char *const *paths, size_t npaths,
		    int *unclean, struct dv_error *err);

#endif
