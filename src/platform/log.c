/*
 * log.c - diagnostics to stderr and optionally to a log file.
 */
#include "platform/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform/banned.h"

static FILE *log_file;
static int log_verbose;
static int log_quiet;

int log_open_file(const char *path, struct dv_error *err)
{
	int fd;
	FILE *f;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return dv_error_errno(err, errno, "cannot write log file '%s'", path);
	f = fdopen(fd, "a");
	if (!f) {
		close(fd);
		return dv_error_errno(err, errno, "cannot write log file '%s'", path);
	}
	setvbuf(f, NULL, _IOLBF, 0);
	log_close_file();
	log_file = f;
	return 0;
}

void log_close_file(void)
{
	if (log_file) {
		fclose(log_file);
		log_file = NULL;
	}
}

void log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

void log_set_quiet(int quiet)
{
	log_quiet = quiet;
}

static const char *level_tag(enum log_level level)
{
	switch (level) {
	case LOG_DEBUG: return "[ DBG]";
	case LOG_INFO: return "[INFO]";
	case LOG_OK: return "[  OK]";
	case LOG_WARN: return "[WARN]";
	case LOG_ERROR: return "[ ERR]";
	}
	return "[INFO]";
}

/* Colours only on a terminal, and never when NO_COLOR is set
 * (https://no-color.org). */
static int use_color(void)
{
	static int cached = -1;
	const char *nc;

	if (cached < 0) {
		nc = getenv("NO_COLOR");
		cached = isatty(STDERR_FILENO) && !(nc && *nc);
	}
	return cached;
}

static const char *level_color(enum log_level level)
{
	switch (level) {
	case LOG_OK: return "\033[32m";
	case LOG_WARN: return "\033[33m";
	case LOG_ERROR: return "\033[31m";
	case LOG_INFO: return "\033[36m";
	default: return "";
	}
}

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_DEBUG: return "DEBUG";
	case LOG_INFO: return "INFO";
	case LOG_OK: return "SUCCESS";
	case LOG_WARN: return "WARNING";
	case LOG_ERROR: return "ERROR";
	}
	return "INFO";
}

static void file_line(const char *level, const char *fmt, va_list ap)
{
	char stamp[64];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(log_file, "%s \xe2\x96\xb6 %s \xe2\x96\xb6 ", stamp, level);
	vfprintf(log_file, fmt, ap);
	fputc('\n', log_file);
	fflush(log_file);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == LOG_DEBUG && !log_verbose && !log_file)
		return;
	if (log_file) {
		va_start(ap, fmt);
		file_line(level_name(level), fmt, ap);
		va_end(ap);
	}
	if ((level == LOG_DEBUG && !log_verbose) ||
	    (log_quiet && level < LOG_WARN))
		return;
	va_start(ap, fmt);
	if (use_color())
		fprintf(stderr, "%s%s\033[0m ", level_color(level), level_tag(level));
	else
		fprintf(stderr, "%s ", level_tag(level));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void log_file_only(const char *fmt, ...)
{
	va_list ap;

	if (!log_file)
		return;
	va_start(ap, fmt);
	file_line("DETAIL", fmt, ap);
	va_end(ap);
}

void log_step(const char *title)
{
	if (log_file)
		fprintf(log_file, "\n\xe2\x94\x80\xe2\x94\x80 %s \xe2\x94\x80\xe2\x94\x80\n", title);
	if (!log_quiet)
		fprintf(stderr, "\n\xe2\x94\x80\xe2\x94\x80 %s \xe2\x94\x80\xe2\x94\x80\n", title);
}
