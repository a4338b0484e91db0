/*
 * cli_util.c - helpers shared by the subcommands.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/log.h"
#include "platform/signals.h"
#include "platform/banned.h"

void cli_error(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "discvault: %s\n", msg);
	log_file_only("ERROR: %s", msg);
}

void cli_report(const struct dv_error *err)
{
	cli_error("%s", err->msg[0] ? err->msg : "unknown error");
}

int cli_parse_speed(const char *s, int *factor, int *kbps)
{
	char *end;
	long v;

	*factor = 0;
	*kbps = 0;
	if (!strcmp(s, "max") || !strcmp(s, "0"))
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v <= 0 || v > 1000000 || end == s)
		return -1;
	if (!*end || !strcmp(end, "x") || !strcmp(end, "X")) {
		if (v > 64)
			return -1;
		*factor = (int)v;
		return 0;
	}
	if (!strcmp(end, "k") || !strcmp(end, "kB/s") || !strcmp(end, "kbps")) {
		*kbps = (int)v;
		return 0;
	}
	return -1;
}

int cli_speed_kbps(int factor, int kbps, enum media_kind media)
{
	if (kbps)
		return kbps;
	if (factor)
		return factor * media_speed_1x_kbps(media);
	return 0;
}

int cli_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	if (*s == '-')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (!*end || !strcmp(end, "B"))
		mul = 1;
	else if (!strcasecmp(end, "K") || !strcasecmp(end, "KiB"))
		mul = 1ull << 10;
	else if (!strcasecmp(end, "M") || !strcasecmp(end, "MiB"))
		mul = 1ull << 20;
	else if (!strcasecmp(end, "G") || !strcasecmp(end, "GiB"))
		mul = 1ull << 30;
	else if (!strcasecmp(end, "T") || !strcasecmp(end, "TiB"))
		mul = 1ull << 40;
	else if (!strcasecmp(end, "kB"))
		mul = 1000ull;
	else if (!strcasecmp(end, "MB"))
		mul = 1000000ull;
	else if (!strcasecmp(end, "GB"))
		mul = 1000000000ull;
	else if (!strcasecmp(end, "TB"))
		mul = 1000000000000ull;
	else
		return -1;
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

unsigned cli_poll_ms(void)
{
	const char *s = getenv("DISCVAULT_POLL_MS");
	long v;

	if (s && *s && (v = strtol(s, NULL, 10)) > 0 && v < 600000)
		return (unsigned)v;
	return 3000;
}

int cli_sleep_ms(unsigned ms)
{
	while (ms) {
		unsigned step = ms < 100 ? ms : 100;
		struct timespec ts = { 0, (long)step * 1000000L };
		if (signals_interrupted())
			return -1;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return signals_interrupted() ? -1 : 0;
}

int cli_finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "discvault: cannot write to standard output: %s\n", strerror(errno));
		return rc ? rc : 1;
	}
	return rc;
}
