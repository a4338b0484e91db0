/*
 * burnjob.h - burning one image file and proving it by reading it back.
 *
 * image_check() validates an image before any drive is touched;
 * burn_image_file() streams it to the drive, hashing exactly the bytes
 * sent; readback_digest() reads exactly that many bytes back from the disc
 * and hashes them. The caller compares the two.
 */
#ifndef DV_BURNJOB_H
#define DV_BURNJOB_H

#include <stdint.h>

#include "engine/drive/drive.h"
#include "platform/error.h"

/* A regular, readable, non-empty file whose size is a whole number of
 * 2048-byte sectors. Fills *size. *looks_iso is set to 1 when an ISO 9660
 * or UDF signature is at sector 16. */
int image_check(const char *path, uint64_t *size, int *looks_iso, struct dv_error *err);

struct burn_result {
	char sha256[65];        /* of the bytes sent to the drive */
	double seconds;
};

int burn_image_file(struct drive *d, const char *path, uint64_t size, int speed_kbps,
		    volatile int *cancel, struct burn_result *res, struct dv_error *err);

/* Read size bytes from offset 0 of the disc and hash them with SHA-256.
 * A read error fails with the sector named. */
int readback_sha256(struct drive *d, uint64_t size, volatile int *cancel,
		    char hex[65], double *seconds, struct dv_error *err);

/* SHA-256 of a file (used when the data was not hashed on the way). */
int file_sha256(const char *path, char hex[65], struct dv_error *err);

#endif
