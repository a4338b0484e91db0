/*
 * blksrc.h - a read-only source of bytes with a known size: an image file,
 * a block device, a buffer in memory, or (later) a drive read through the
 * drive layer. The structure parsers (inspect.h) and the ISO 9660 tree
 * reader (isotree.h) read only through this interface.
 *
 * Contract for implementations: read() is called only with
 * off + len <= size and len > 0; it fills all len bytes and returns 0, or
 * returns -1 with err filled. It never writes to the source.
 */
#ifndef DV_ISO_BLKSRC_H
#define DV_ISO_BLKSRC_H

#include <stddef.h>
#include <stdint.h>

#include "platform/error.h"

struct blksrc {
	int (*read)(void *ctx, uint64_t off, void *buf, size_t len, struct dv_error *err);
	void (*close)(void *ctx); /* may be NULL */
	uint64_t size;		  /* bytes readable from offset 0 */
	void *ctx;
};

#define BLKSRC_INIT                                                                                \
	{                                                                                          \
		NULL, NULL, 0, NULL                                                                \
	}

/* Open a regular file or a block device read-only (O_CLOEXEC). The size
 * comes from fstat, or BLKGETSIZE64 for a block device. */
int blksrc_open_path(struct blksrc *src, const char *path, struct dv_error *err);

/* A source over caller-owned memory (tests, fuzzing); nothing to close,
 * but blksrc_close() is harmless. */
void blksrc_init_mem(struct blksrc *src, const void *data, size_t len);

/* A source over a reader of whole 2048-byte sectors (a drive: libburn's
 * burn_read_data, the simulated drive). read_sectors must fill
 * count * 2048 bytes at buf with sectors lba.. or return -1 with err
 * filled; it is called with lba + count <= nsectors and count <= 32.
 * Unaligned reads are served through a 64 KiB cache. close_ctx (may be
 * NULL) is called on ctx by blksrc_close(). */
typedef int (*blksrc_sector_fn)(void *ctx, uint64_t lba, uint32_t count, void *buf,
				struct dv_error *err);
int blksrc_init_sectors(struct blksrc *src, blksrc_sector_fn read_sectors,
			void (*close_ctx)(void *ctx), uint64_t nsectors, void *ctx,
			struct dv_error *err);

/* Close and reset to BLKSRC_INIT. Accepts a source never opened. */
void blksrc_close(struct blksrc *src);

/* Read up to len bytes at off, clamped to the source's end; the part of
 * buf past the end is zero-filled. Returns the number of bytes that came
 * from the source (0 when off >= size), or -1 on a read error. */
int64_t blksrc_read_clamped(const struct blksrc *src, uint64_t off, void *buf, size_t len,
			    struct dv_error *err);

#endif
