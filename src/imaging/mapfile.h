/*
 * mapfile.h - the rescue map of a disc read, in GNU ddrescue's mapfile
 * format, so that a rip can be resumed and the map can be read by
 * ddrescuelog and ddrescueview.
 *
 *   # comment lines
 *   0x00120000     ?               1          current_pos  current_status  current_pass
 *   0x00000000  0x00120000  +                 pos  size  status, contiguous from 0
 *
 * Block status: '?' untried, '*' non-trimmed, '/' non-scraped, '-' bad
 * sector(s), '+' finished. The blocks cover [0, size) without gaps.
 */
#ifndef DV_IMAGING_MAPFILE_H
#define DV_IMAGING_MAPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "platform/error.h"

#define MAP_UNTRIED '?'
#define MAP_NONTRIMMED '*'
#define MAP_NONSCRAPED '/'
#define MAP_BAD '-'
#define MAP_FINISHED '+'

#define MAPFILE_MAX_BLOCKS (1u << 20)

struct map_block {
	uint64_t pos, size;
	char status;
};

struct mapfile {
	uint64_t cur_pos;
	char cur_status;	/* '?' copying, '*' trimming, '/' scraping, '-' retrying, '+' finished */
	int pass;
	size_t n, cap;
	struct map_block *b;
};

#define MAPFILE_INIT { 0, '?', 1, 0, 0, NULL }

/* One untried block of size bytes (none when size is 0). */
int mapfile_init(struct mapfile *m, uint64_t size, struct dv_error *err);
void mapfile_release(struct mapfile *m);

/* Parse ddrescue mapfile text. Blocks must be contiguous from 0 and of
 * known statuses. Returns 0, or -1 with err filled (m then released). */
int mapfile_parse(const char *text, size_t len, struct mapfile *m,
		  struct dv_error *err);

/* The mapfile text (malloc'ed, NUL-terminated), with comment lines naming
 * the tool and command line. Returns NULL on out-of-memory. */
char *mapfile_format(const struct mapfile *m, const char *cmdline);

/* Mark [pos, pos + size) with status, splitting and merging blocks. The
 * range is clamped to the map. Returns 0, or -1 on out-of-memory. */
int mapfile_set(struct mapfile *m, uint64_t pos, uint64_t size, char status,
		struct dv_error *err);

/* Total size the map covers, and bytes in blocks of a status. */
uint64_t mapfile_size(const struct mapfile *m);
uint64_t mapfile_count(const struct mapfile *m, char status);

/* Index of the first block at or after index `from` with the status, or
 * m->n when none. */
size_t mapfile_find(const struct mapfile *m, size_t from, char status);

/* Resize the map to size bytes: a shorter map gets an untried tail, a
 * longer one is cut. */
int mapfile_resize(struct mapfile *m, uint64_t size, struct dv_error *err);

#endif
