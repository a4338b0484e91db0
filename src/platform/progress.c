/*
 * progress.c - the one-line progress display.
 *
 * "label  1.2 GiB / 4.0 GiB  30.0%  210.4 MiB/s  ETA 0:00:14", redrawn with
 * a carriage return at most six times a second. Nothing is drawn when
 * stderr is not a terminal, so logs and CI output stay clean.
 */
#include "platform/progress.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform/banned.h"

#define REDRAW_INTERVAL (1.0 / 6.0)

struct progress {
	char label[64];
	uint64_t total, done;
	double start, last_draw;
	int drawn;
};

static int progress_enabled = -1;

void progress_set_enabled(int enabled)
{
	progress_enabled = enabled;
}

static int enabled(void)
{
	if (progress_enabled < 0)
		progress_enabled = isatty(STDERR_FILENO);
	return progress_enabled;
}

double now_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *human_bytes(uint64_t n, char *buf, unsigned size)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	unsigned u = 0;

	while (v >= 1024.0 && u < 5) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%" PRIu64 " B", n);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}

const char *human_duration(double seconds, char *buf, unsigned size)
{
	unsigned long s = seconds > 0 ? (unsigned long)(seconds + 0.5) : 0;

	snprintf(buf, size, "%lu:%02lu:%02lu", s / 3600, (s / 60) % 60, s % 60);
	return buf;
}

struct progress *progress_new(const char *label, uint64_t total)
{
	struct progress *p = calloc(1, sizeof(*p));

	if (!p)
		abort();
	snprintf(p->label, sizeof(p->label), "%s", label);
	p->total = total;
	p->start = now_monotonic();
	return p;
}

void progress_set_total(struct progress *p, uint64_t total)
{
	p->total = total;
}

static void draw(struct progress *p, double now, int final)
{
	char d[32], t[32], sp[32], eta[32], line[256];
	double elapsed = now - p->start;
	double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
	int n;

	human_bytes(p->done, d, sizeof(d));
	human_bytes((uint64_t)rate, sp, sizeof(sp));
	if (p->total) {
		double pct = 100.0 * (double)p->done / (double)p->total;
		human_bytes(p->total, t, sizeof(t));
		if (final)
			human_duration(elapsed, eta, sizeof(eta));
		else if (rate > 0 && p->total > p->done)
			human_duration((double)(p->total - p->done) / rate, eta, sizeof(eta));
		else
			snprintf(eta, sizeof(eta), "--:--");
		n = snprintf(line, sizeof(line), "%s  %s / %s  %5.1f%%  %s/s  %s %s",
			     p->label, d, t, pct > 100 ? 100 : pct, sp,
			     final ? "took" : "ETA", eta);
	} else {
		human_duration(elapsed, eta, sizeof(eta));
		n = snprintf(line, sizeof(line), "%s  %s  %s/s  %s",
			     p->label, d, sp, eta);
	}
	(void)n;
	fprintf(stderr, "\r\033[K%s%s", line, final ? "\n" : "");
	fflush(stderr);
	p->drawn = 1;
	p->last_draw = now;
}

void progress_update(struct progress *p, uint64_t done)
{
	double now;

	p->done = done;
	if (!enabled())
		return;
	now = now_monotonic();
	if (p->drawn && now - p->last_draw < REDRAW_INTERVAL)
		return;
	draw(p, now, 0);
}

void progress_finish(struct progress *p)
{
	if (!p)
		return;
	if (enabled())
		draw(p, now_monotonic(), 1);
	free(p);
}

void progress_abort(struct progress *p)
{
	if (!p)
		return;
	if (enabled() && p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	free(p);
}
