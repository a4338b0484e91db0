/*
 * dar.h - running dar(1): argv building for archive creation with a
 * per-slice hook, archive-set names, and a streaming runner that reports
 * each finished slice while dar keeps writing the next one.
 *
 * The slice hook never sees a path: dar substitutes only the slice number
 * and the slice context into "echo %N %c >&3", and fd 3 is a pipe back to
 * us. Paths with spaces, quotes or newlines therefore cannot reach a shell.
 */
#ifndef DV_DAR_H
#define DV_DAR_H

#include <stddef.h>
#include <stdint.h>

#include "platform/error.h"

/* Longest archive name accepted (the seed's limit) and the part of it that
 * fits in a volume label "<NAME>_G<gg>_<iiii>" of 32 characters. */
#define DAR_NAME_MAX 27
#define DAR_LABEL_NAME_MAX 23

/* Check an archive name: ^[A-Za-z0-9][A-Za-z0-9._+-]*$, at most
 * DAR_NAME_MAX characters, no "-catalog", no trailing "-gen<digits>". */
int dar_name_check(const char *name, struct dv_error *err);

/* Split a slice or catalog file name "<name>[-gen<G>][-catalog].<N>.dar"
 * (directory part ignored). gen is 1 when the name has no -gen part.
 * Returns 0, or -1 when the name does not have this form. */
int dar_parse_slice_name(const char *path, char *name, size_t name_cap,
			 unsigned *gen, int *is_catalog, unsigned *slice_no);

/* Compression algorithms dar knows, as given to -c. */
int dar_compression_valid(const char *algo);

struct dar_create_args {
	const char *dar;            /* program, default "dar" */
	const char *basename;       /* WORK/NAME-genG (no .N.dar) */
	const char *source;         /* -R */
	const char *catalog;        /* on-the-fly isolated catalog base (-@) */
	const char *reference;      /* -A: previous catalog base, or NULL */
	const char *exclude_list;   /* -]: file of paths to leave out, or NULL */
	const char *compression;    /* "zstd", ..., "none" */
	int level;                  /* -1: dar's default */
	uint64_t slice_size;        /* -s, bytes */
	int hook;                   /* add the "-E echo %N %c >&3" hook */
};

struct strvec {
	char **v;
	size_t n, cap;
};

void strvec_push(struct strvec *sv, const char *s);
void strvec_pushf(struct strvec *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strvec_release(struct strvec *sv);

/* Fill sv (NULL-terminated) with dar's argv for a create. */
void dar_create_argv(const struct dar_create_args *a, struct strvec *sv);

/* Streaming run: on_slice(ctx, number, last) for every finished slice as
 * the hook reports it; tick(ctx) about five times a second (return
 * non-zero to stop dar: it gets SIGTERM, then SIGKILL). The tail of dar's
 * output is kept for the error message. Returns 0 with *exit_code set
 * when dar ran, -1 when it could not be started. */
struct dar_run_cb {
	void (*on_slice)(void *ctx, unsigned number, int last);
	int (*tick)(void *ctx);
	void *ctx;
};

int dar_run(const char *const argv[], const struct dar_run_cb *cb, int *exit_code,
	    char *tail, size_t tail_cap, struct dv_error *err);

/* From dar's output: N of " N inode(s) failed to be saved", or -1. */
long dar_failed_inodes(const char *out);
/* The first line of dar's output that reads like an error (not the
 * summary table), copied to buf; "" when there is none. */
void dar_first_error(const char *out, char *buf, size_t cap);

/* Meaning of dar's exit codes 0..11 (dar(1) EXIT CODES). */
const char *dar_exit_meaning(int code);

#endif
