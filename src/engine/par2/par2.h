/*
 * par2.h - the native PAR 2.0 engine: create, verify and repair recovery
 * files byte-compatible with par2cmdline 0.8.1 (same packets, same file
 * names, same distribution of recovery blocks over volume files).
 *
 * Callers (the archive code per slice, and cli/cmd_par2.c) run everything
 * in-process. Functions return -1 and fill *err on failure; they never print.
 * Progress, when wanted, is reported through a callback.
 */
#ifndef DV_PAR2_H
#define DV_PAR2_H

#include <stddef.h>
#include <stdint.h>

#include "platform/error.h"

/* Called from the calling thread with the bytes processed so far in the
 * current phase ("create", "verify", "repair") and the phase's total. */
typedef void (*par2_progress_fn)(void *ctx, const char *phase, uint64_t done,
				 uint64_t total);

struct par2_options {
	/* create: block size (multiple of 4) or target block count; when both
	 * are 0, 2000 blocks as par2cmdline. */
	uint64_t block_size;
	uint32_t block_count;
	/* create: recovery blocks; when 0, redundancy_pct (default 5) of the
	 * block count, rounded as par2cmdline does. */
	uint32_t recovery_count;
	uint32_t redundancy_pct;
	uint32_t first_exponent;         /* create: first recovery exponent */
	/* create: number of recovery files (0: one per power of two, as
	 * par2cmdline) and whether they all get the same number of blocks. */
	uint32_t recovery_files;
	int uniform;
	/* Worker threads (0: all online CPUs) and memory budget for recovery
	 * and repair buffers in bytes (0: 1/8 of RAM, at least 256 MiB); when
	 * the buffers do not fit, the input is read in several passes. */
	unsigned threads;
	uint64_t memory_limit;
	/* repair: remove the damaged originals instead of keeping them as
	 * NAME.1 (par2cmdline's default is to keep them). */
	int purge_backups;
	par2_progress_fn progress;
	void *progress_ctx;
	/* verify and repair: other files to search for blocks of the set
	 * (renamed or partial copies), as par2cmdline's extra file arguments;
	 * repair copies blocks from them and leaves them as they are. */
	const char *const *extra_files;
	size_t nextra;
};

#define PAR2_OPTIONS_INIT { 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0 }

/* Outcome of verify and repair, the par2cmdline exit codes. */
enum par2_status {
	PAR2_OK = 0,              /* all files complete (or repaired) */
	PAR2_REPAIRABLE = 1,      /* damaged, enough recovery blocks */
	PAR2_UNREPAIRABLE = 2,    /* damaged, not enough recovery blocks */
};

enum par2_file_state {
	PAR2_FILE_OK,             /* present, full MD5 matches */
	PAR2_FILE_DAMAGED,        /* present but differs; some blocks may be found */
	PAR2_FILE_MISSING,        /* absent */
	PAR2_FILE_NODESC,         /* in the main packet but its description was lost */
	PAR2_FILE_REPAIRED,       /* rewritten by repair and verified */
};

struct par2_file_report {
	char *name;               /* as stored: relative to the .par2 directory */
	uint64_t size;
	uint32_t blocks;          /* input blocks of this file */
	uint32_t blocks_found;    /* found intact (possibly shifted or elsewhere) */
	enum par2_file_state state;
};

struct par2_report {
	uint64_t block_size;
	uint32_t nfiles;
	struct par2_file_report *files;
	uint32_t blocks_total;        /* input blocks in the recovery set */
	uint32_t blocks_missing;
	uint32_t recovery_available;  /* intact recovery blocks found */
	uint32_t recovery_used;       /* by repair */
	uint32_t packets_bad;         /* packets rejected (bad MD5, length, set) */
	uint32_t par2_files;          /* .par2 files read */
	uint32_t blocks_in_extra;     /* blocks found only in extra files */
	enum par2_status status;
};

#define PAR2_REPORT_INIT { 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0, PAR2_OK }

/*
 * Create BASE.par2 and BASE.volF+C.par2 next to par2_path for the given
 * files (which must lie in the directory of par2_path or below it; names
 * are stored relative to it). par2_path must end in ".par2".
 */
int par2_create(const char *par2_path, const char *const *files, size_t nfiles,
		const struct par2_options *opt, struct dv_error *err);

/* Verify the recovery set of par2_path (BASE.par2 and every BASE.*.par2).
 * Returns the par2_status (0, 1, 2) and fills *rep, or -1 on error. */
int par2_verify(const char *par2_path, const struct par2_options *opt,
		struct par2_report *rep, struct dv_error *err);

/* Verify, then rebuild every damaged or missing file when possible. A file
 * is replaced only after its new content is complete and its MD5 checked;
 * the damaged original is kept as NAME.1 (or NAME.2, ...). Returns
 * PAR2_OK when everything is intact afterwards, PAR2_UNREPAIRABLE when
 * there were too few recovery blocks, or -1 on error. *rep describes the
 * state found before repair, with repaired files marked. */
int par2_repair(const char *par2_path, const struct par2_options *opt,
		struct par2_report *rep, struct dv_error *err);

void par2_report_release(struct par2_report *rep);

/* Block size par2cmdline picks for a target block count over these file
 * sizes (the smallest multiple of 4 giving at most count blocks). */
uint64_t par2_block_size_for_count(const uint64_t *sizes, size_t n,
				   uint32_t count);

#endif
