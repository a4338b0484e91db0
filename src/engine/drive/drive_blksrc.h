/*
 * drive_blksrc.h - a disc in a drive as a block source, so the structure
 * parsers and the ISO tree reader read discs without mounting them.
 */
#ifndef DV_DRIVE_BLKSRC_H
#define DV_DRIVE_BLKSRC_H

#include "engine/iso/blksrc.h"
#include "platform/error.h"

/* 1 when address names a drive (sim:, mac:, stdio:, /dev/sr*), not a file. */
int drive_address_is_drive(const char *address);

/* Open the drive, check it holds a readable disc and make src read it in
 * whole sectors through the drive layer (libburn's burn_read_data on real
 * drives: no page cache, ECC-unit retries). The drive is closed with
 * blksrc_close(). */
int drive_blksrc_open(struct blksrc *src, const char *address, struct dv_error *err);

struct drive;
/* The same over a drive the caller already has open (and keeps: closing
 * the source does not close the drive). */
int drive_blksrc_from(struct blksrc *src, struct drive *d, struct dv_error *err);

#endif
