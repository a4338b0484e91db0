/*
 * progress.h - a one-line progress display on stderr: bytes done and total,
 * percent, speed and ETA. Redrawn at most ~6 times a second, only when
 * stderr is a terminal; NO_COLOR is respected. Not thread-safe: one thread
 * updates a given display.
 */
#ifndef DV_PROGRESS_H
#define DV_PROGRESS_H

#include <stdint.h>

struct progress;

/* total 0 means unknown. Never returns NULL. */
struct progress *progress_new(const char *label, uint64_t total);
void progress_set_total(struct progress *p, uint64_t total);
void progress_update(struct progress *p, uint64_t done);
/* Final line (always printed on a TTY), then free. Accepts NULL. */
void progress_finish(struct progress *p);
/* Erase the line without a summary (on error), then free. Accepts NULL. */
void progress_abort(struct progress *p);

/* Force progress on/off (tests); default: isatty(2). */
void progress_set_enabled(int enabled);

/* "1.5 GiB", "512 B" into buf. */
const char *human_bytes(uint64_t n, char *buf, unsigned size);
/* "1:02:03" into buf. */
const char *human_duration(double seconds, char *buf, unsigned size);
double now_monotonic(void);

#endif
