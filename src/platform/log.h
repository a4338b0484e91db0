/*
 * log.h - diagnostics to stderr and, with --logfile, to a file with
 * timestamps.
 *
 * Levels print as the seed tools did: "[INFO]", "[  OK]", "[WARN]",
 * "[ ERR]". The log file gets "YYYY-MM-DD HH:MM:SS UTC ▶ LEVEL ▶ message"
 * lines, flushed as they are written so a crash loses nothing.
 */
#ifndef DV_LOG_H
#define DV_LOG_H

#include "platform/error.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_OK, LOG_WARN, LOG_ERROR };

/* Open (append) FILE as the log file; fails if it cannot be written. */
int log_open_file(const char *path, struct dv_error *err);
void log_close_file(void);
void log_set_verbose(int verbose);
void log_set_quiet(int quiet);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Only to the log file (commands, details not worth a terminal line). */
void log_file_only(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A "── title ──" step heading. */
void log_step(const char *title);

#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_ok(...)    log_msg(LOG_OK, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
