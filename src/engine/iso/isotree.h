/*
 * isotree.h - the directory tree of an ISO 9660 file system, read straight
 * from a block source (image, device, drive) without mounting.
 *
 * Names come from Rock Ridge when the volume has it (with POSIX modes,
 * link counts, owners, modification times and symlink targets), else from
 * the Joliet tree, else the plain ISO 9660 names (";1" version and a bare
 * trailing dot removed). Files of several extents (ISO level 3, > 4 GiB)
 * are listed once with all their extents. Relocated deep directories
 * (Rock Ridge CL/RE) appear at their real place.
 *
 * Hostile input is bounded: directory loops are cut (each directory
 * extent is read once), depth, path length, directory size and entry count
 * are capped (ISOTREE_MAX_*), and every read is clamped to the source.
 */
#ifndef DV_ISO_ISOTREE_H
#define DV_ISO_ISOTREE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/iso/blksrc.h"
#include "platform/error.h"

#define ISOTREE_MAX_DEPTH 256
#define ISOTREE_MAX_PATH 4096
#define ISOTREE_MAX_ENTRIES (4u << 20)
#define ISOTREE_MAX_DIR_BYTES (64u << 20)

enum isotree_names {
	ISOTREE_NAMES_AUTO = 0, /* Rock Ridge, else Joliet, else ISO */
	ISOTREE_NAMES_ROCKRIDGE,
	ISOTREE_NAMES_JOLIET,
	ISOTREE_NAMES_ISO,
};

struct isotree_extent {
	uint64_t offset; /* byte offset in the block source */
	uint64_t length; /* bytes */
};

struct isotree_entry {
	char *path;		  /* "/dir/file", UTF-8; the root is not listed */
	uint32_t mode;		  /* st_mode bits: S_IFDIR/S_IFREG/S_IFLNK | perms */
	uint32_t nlink, uid, gid; /* from Rock Ridge PX; 1, 0, 0 without */
	uint64_t size;		  /* bytes (sum of the extents) */
	int64_t mtime;		  /* seconds since the epoch, UTC */
	char *link_target;	  /* Rock Ridge SL target, else NULL */
	size_t n_extents;
	struct isotree_extent *extents;
};

struct isotree {
	enum isotree_names names; /* the namespace actually used */
	uint32_t block_size;	  /* logical block size of the volume */
	size_t n;
	struct isotree_entry *entries; /* depth-first, parents before children */
	size_t cap;
	unsigned skipped; /* malformed records or capped entries skipped */
};

#define ISOTREE_INIT                                                                               \
	{                                                                                          \
		ISOTREE_NAMES_AUTO, 2048, 0, NULL, 0, 0                                            \
	}

/* Read the tree of the volume whose descriptors start at sector
 * session_lba + 16 (0 for a single-session image or disc; extents are
 * absolute, as on the disc). Returns 0, or -1 with err filled when there
 * is no ISO 9660 volume, the asked namespace is absent, or a read fails.
 * Release the tree in every case. */
int isotree_read(const struct blksrc *src, uint64_t session_lba, enum isotree_names names,
		 struct isotree *tree, struct dv_error *err);
void isotree_release(struct isotree *tree);

/* The entry with this path ("/a/b"), or NULL. Linear. */
const struct isotree_entry *isotree_find(const struct isotree *tree, const char *path);

/* Read up to len bytes of a file's content from byte off. Returns the
 * number of bytes read (0 at the end of the file), or -1 with err filled
 * when a read fails or the data lies past the end of the source. */
int64_t isotree_read_file(const struct blksrc *src, const struct isotree_entry *e, uint64_t off,
			  void *buf, size_t len, struct dv_error *err);

/* "rockridge", "joliet", "iso9660". */
const char *isotree_names_str(enum isotree_names names);

#endif
