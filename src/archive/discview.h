/*
 * discview.h - the files of a disc, wherever the disc is: a drive (read
 * without mounting through the ISO tree reader), an image file, or a
 * directory (a mounted disc or copied contents).
 */
#ifndef DV_DISCVIEW_H
#define DV_DISCVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "engine/iso/blksrc.h"
#include "engine/iso/isotree.h"
#include "platform/error.h"

struct discview_file {
	char *path;           /* "/dir/name", relative to the disc's root */
	uint64_t size;
	const struct isotree_entry *entry;   /* ISO 9660 on an image or drive */
};

struct discview {
	char target[4096];
	int is_dir;
	char dir[4096];
	struct blksrc src;
	struct isotree tree;
	int have_tree;
	/* UDF, for discs whose real names are only in UDF (bd-archive's
	 * genisoimage -iso-level 3 -udf discs carry no Rock Ridge or Joliet) */
	void *udf;
	void *udf_input;
	struct discview_file *files;
	size_t nfiles;
};

/* target: a drive address, an image file, or a directory. */
int discview_open(struct discview *v, const char *target, struct dv_error *err);
/* A disc already opened as a block source (taken over: closed with the view). */
int discview_open_src(struct discview *v, const char *name, struct blksrc *src,
		      struct dv_error *err);
void discview_close(struct discview *v);

/* Read up to len bytes of file f at off; returns bytes read (0 at end) or
 * -1 with err filled (an unreadable sector, for instance). */
int64_t discview_read(struct discview *v, const struct discview_file *f, uint64_t off,
		      void *buf, size_t len, struct dv_error *err);

/* Copy file f to path; sectors that cannot be read are zero-filled and
 * counted in *bad_bytes. Fails only when path cannot be written. */
int discview_copy(struct discview *v, const struct discview_file *f, const char *path,
		  uint64_t *bad_bytes, struct dv_error *err);
/* The same, computing the SHA-512 of what was written on the way (on a
 * worker thread, overlapping the reads). */
int discview_copy_sha512(struct discview *v, const struct discview_file *f, const char *path,
			 uint64_t *bad_bytes, char sha512[129], struct dv_error *err);

const struct discview_file *discview_find(const struct discview *v, const char *path);

/* The SHA-512 in the sha512sum-format sidecar "<path>.sha512" beside a
 * file on the disc (lower-case hex). Returns -1 when there is none or it
 * cannot be read. */
int discview_sidecar_sha512(struct discview *v, const char *path, char out[129]);

#endif
