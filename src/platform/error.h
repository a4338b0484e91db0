/*
 * error.h - the error object lower layers fill instead of printing.
 *
 * Every function below cli/ that can fail returns -1 (or a negative status)
 * and describes the failure in a caller-owned struct dv_error. Only cli/
 * prints the message and chooses the exit code.
 */
#ifndef DV_ERROR_H
#define DV_ERROR_H

#include <stdarg.h>

enum dv_errcode {
	DV_OK = 0,
	DV_ERR_FAIL = 1,        /* generic failure */
	DV_ERR_MISMATCH = 2,    /* data differs from what was expected */
	DV_ERR_USAGE = 3,       /* bad arguments or input */
	DV_ERR_NOSPACE = 4,     /* output or medium too small */
	DV_ERR_NOTFOUND = 5,    /* file, drive or disc missing */
	DV_ERR_INTERRUPTED = 130,
};

struct dv_error {
	int code;
	char msg[1024];
};

#define DV_ERROR_INIT { 0, "" }

/* Set code and message (printf-style). Returns -1 so callers can
 * `return dv_error_set(...)`. */
int dv_error_set(struct dv_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(errnum)". */
int dv_error_errno(struct dv_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix an existing message with more context ("ctx: old message"). */
int dv_error_prefix(struct dv_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void dv_error_clear(struct dv_error *err);

#endif
