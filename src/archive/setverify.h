/*
 * setverify.h - checking the archive slices on one disc (or image, or
 * directory): each slice's SHA-512 against its sidecar, and PAR2 only where
 * a slice is damaged, to tell repairable from broken. For intact slices
 * the PAR2 files are still read, so the report gives the margin: how many
 * more damaged blocks each slice could lose and still be repaired.
 */
#ifndef DV_SETVERIFY_H
#define DV_SETVERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "platform/error.h"

enum slice_status { SLICE_OK = 0, SLICE_REPAIRABLE = 1, SLICE_BROKEN = 2 };

struct slice_check {
	char path[1024];            /* on the disc */
	uint64_t size;
	char sha512_expected[129];  /* "" without a sidecar */
	char sha512_actual[129];    /* "" when it could not be read in full */
	uint64_t unreadable_bytes;
	int par2_found;
	uint32_t blocks_total, blocks_missing, recovery_available;
	int64_t margin;             /* recovery_available - blocks_missing */
	enum slice_status status;
	char note[256];
};

struct set_check {
	char target[4096];
	char identity[1024];        /* "NAME gen G, disc i of n" when known */
	size_t nslices;
	struct slice_check *slices;
	enum slice_status worst;
};

/* work_dir: where damaged slices are staged for PAR2 (NULL: $TMPDIR). */
int set_verify(const char *target, const char *work_dir, struct set_check *out,
	       struct dv_error *err);
void set_check_release(struct set_check *c);

#endif
