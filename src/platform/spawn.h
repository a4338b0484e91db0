/*
 * spawn.h - running other programs with an argv array (never a shell
 * string), capturing their output, always reaping them.
 */
#ifndef DV_SPAWN_H
#define DV_SPAWN_H

#include <stddef.h>

#include "platform/error.h"

struct spawn_result {
	int exit_code;        /* exit status, or 128+signal */
	char *out;            /* captured stdout, NUL-terminated (may be NULL) */
	size_t out_len;
	char *err;            /* captured stderr, NUL-terminated (may be NULL) */
	size_t err_len;
};

/* Run argv[0] (searched in PATH) with stdin from /dev/null, capturing up
 * to 16 MiB of each output stream. Returns 0 when the program ran (whatever
 * its exit code), -1 when it could not be started. */
int spawn_capture(const char *const argv[], struct spawn_result *res, struct dv_error *err);
void spawn_result_release(struct spawn_result *res);

/* Full path of a program found in PATH, or NULL. Caller frees. */
char *spawn_which(const char *prog);

/* "prog 'arg one' arg2" for logs and dry runs. */
void spawn_format_argv(const char *const argv[], char *buf, size_t len);

#endif
