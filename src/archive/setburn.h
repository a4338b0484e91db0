/*
 * setburn.h - burning an archive set (the images `create` made), disc by
 * disc, resumably.
 *
 * The set is OUT/<NAME>-gen<G>.set.json (format "discvault-archive-set",
 * docs/archive-set.md). Progress is kept beside it in
 * OUT/<NAME>-gen<G>.burn.json, rewritten atomically after every disc:
 * { "format": "discvault-burn-state", "discs": [ { "disc": 1,
 *   "burned": true, "verified": true, "when": "..." }, ... ] }
 * so a rerun continues where the last one stopped, without arithmetic.
 */
#ifndef DV_SETBURN_H
#define DV_SETBURN_H

#include <stddef.h>
#include <stdint.h>

#include "platform/error.h"

struct set_disc {
	unsigned disc;
	char label[64];
	char image[8192];       /* path of the image file */
	uint64_t size;
	char sha256[65];
	int burned, verified;   /* from the burn state */
};

struct archive_set {
	char path[4096];        /* the .set.json */
	char state_path[4200];  /* the .burn.json */
	char name[256];
	unsigned generation;
	size_t ndiscs;
	struct set_disc *discs;
	uint64_t largest;
};

/* Find and load the set in OUT (a directory holding one .set.json, or the
 * .set.json itself) with its burn state. Refuses an incomplete set. */
int archive_set_load(struct archive_set *s, const char *out, struct dv_error *err);
void archive_set_release(struct archive_set *s);
int archive_set_save_state(const struct archive_set *s, struct dv_error *err);

#endif
