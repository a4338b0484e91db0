/*
 * cli.h - helpers shared by the subcommands: error printing, common
 * option values, waiting for a disc.
 */
#ifndef DV_CLI_H
#define DV_CLI_H

#include <stdint.h>

#include "engine/drive/drive.h"
#include "platform/error.h"

/* "discvault: <msg>" on stderr and in the log file. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_report(const struct dv_error *err);

/* Parse "4", "4x" (times the media's 1x speed) or "8000k" (kB/s) or
 * "max". Returns 0 and fills *factor or *kbps (one of them non-zero, or
 * both zero for max). */
int cli_parse_speed(const char *s, int *factor, int *kbps);
int cli_speed_kbps(int factor, int kbps, enum media_kind media);

/* Parse a size with an optional K/M/G/T suffix (powers of 1024) or
 * kB/MB/GB/TB (powers of 1000). */
int cli_parse_size(const char *s, uint64_t *out);

/* Seconds between polls of a drive: 3, or $DISCVAULT_POLL_MS for tests. */
unsigned cli_poll_ms(void);

/* Sleep ms, waking early on Ctrl-C. Returns -1 when interrupted. */
int cli_sleep_ms(unsigned ms);

/* Finish stdout: a failed flush (full disk, closed pipe) is an error. */
int cli_finish_stdout(int rc);

#endif
