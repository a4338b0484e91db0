/*
 * discimage.h - one disc of an archive set as an ISO image file, built
 * with libisofs: ISO 9660 level 3, Rock Ridge, Joliet (long names), AAIP
 * with session MD5 tags (the slices' own checksums are the .sha512
 * sidecars), every timestamp, mode and owner
 * pinned so the same inputs give the same bytes. The SHA-256 of the image
 * is computed while it is written, then checked again by reading the file
 * back before the caller may delete the inputs.
 */
#ifndef DV_ARCHIVE_DISCIMAGE_H
#define DV_ARCHIVE_DISCIMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "platform/error.h"

struct discimage_file {
	const char *name;      /* name inside the directory on the disc */
	const char *path;      /* absolute path of the file to put there */
};

struct discimage_spec {
	const char *label;     /* volume ID, at most 32 characters */
	const char *dir;       /* the one top-level directory */
	const struct discimage_file *files;
	size_t nfiles;
	time_t when;           /* every timestamp in the image */
	uint64_t capacity;     /* fail when the image would be larger (0: no limit) */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
};

/* Write the image to out_path (through a temporary name). On success
 * *size and sha256_hex (65 bytes) describe the image file. */
int discimage_build(const struct discimage_spec *spec, const char *out_path,
		    uint64_t *size, char sha256_hex[65], struct dv_error *err);

#endif
