/*
 * rip.h - `discvault rip` below the command line: image a disc through the
 * drive layer into <dir>/<name>/ with the rescue reader, hash it in one
 * pass, verify it (image read back, optional second read of the disc,
 * libisofs MD5 tags), analyse it (inspect), list its files, and write the
 * log and manifest. Nothing here prompts or prints results; progress and
 * steps go through platform/log.
 */
#ifndef DV_IMAGING_RIP_H
#define DV_IMAGING_RIP_H

#include <stddef.h>
#include <stdint.h>

#include "engine/drive/drive.h"
#include "engine/hash/hash.h"
#include "engine/iso/inspect.h"
#include "engine/iso/isotree.h"
#include "imaging/mapfile.h"
#include "imaging/rescue.h"
#include "platform/error.h"

#define RIP_MAX_EVENTS 48
#define RIP_MAX_RANGES 64

/* What is known about the disc before the rip (for prompts and dry runs). */
struct rip_probe {
	struct drive_info info;
	int have_pvd;
	char volume_id[64];	/* PVD volume identifier, trimmed; "" if none */
	uint64_t fs_size;	/* PVD volume space size x block size; 0 if none */
	char pvd_error[256];	/* why the PVD could not be read, if so */
};

struct rip_opts {
	const char *device;
	const char *out_root;		/* --dir */
	const char *name;		/* --filename */
	const char *operator_name;
	const char *cmdline;
	unsigned hash_mask;		/* HASH_MD5 | HASH_SHA1 | HASH_SHA256 [| HASH_SHA512] */
	int verify;			/* read the image file back and compare */
	int second_read;		/* read the disc a second time and compare */
	int retries;
	int eject;
	int dry_run;
	int overwrite;			/* remove a previous complete set first */
	size_t chunk;			/* bytes per large read */
};

/* A PREMIS-style event and a line of the log's OPERATION DETAILS. */
struct rip_event {
	char when[32];			/* ISO 8601 UTC */
	char type[40];			/* PREMIS eventType or an operation name */
	char detail[512];
	char outcome[16];		/* success, failure, warning, skipped */
	char outcome_detail[512];
	int premis;			/* one of PREMIS capture/digest/fixity/validation */
};

#define RIP_MAX_MARKS 4

struct rip_digests {
	unsigned mask;			/* algorithms present */
	char hex[HASH_NALGS][HASH_HEX_MAX];	/* by bit index: md5, sha1, sha256, sha512 */
	/* MD5 of the stream's first mark_at[i] bytes (libisofs tag ranges) */
	size_t n_marks;
	uint64_t mark_at[RIP_MAX_MARKS];
	char mark_md5[RIP_MAX_MARKS][33];
};

struct rip_tag {			/* a libisofs MD5 checksum tag */
	int type;			/* 1 session, 2 superblock, 3 tree */
	uint32_t pos, start, blocks;
	char recorded[33], computed[33];
	int match;
	int from_stream;		/* computed while reading the disc, not from the file */
};

/*
 * A file whose MD5 is computed from the stream, next to the whole image's
 * (rip_files.c plans them from the file tree read off the first sectors;
 * the stream hasher advances them in md5mb lanes). Its extents are in
 * increasing order, do not overlap, and all lie ahead of the stream.
 */
struct rip_filelane {
	const struct isotree_extent *ext;
	size_t n_ext;
	uint64_t start;			/* offset of its first byte */
	size_t entry;			/* index in the stream's tree */
	/* the hasher's */
	size_t cur;			/* the extent being hashed */
	int state;			/* RIP_LANE_* */
	unsigned char md5[16];
};

enum { RIP_LANE_WAITING, RIP_LANE_ACTIVE, RIP_LANE_DONE, RIP_LANE_SKIPPED };

/* rip_files.c: the per-file MD5s of the stream pass. */
struct rip_files {
	int state;			/* RIP_FILES_* */
	uint64_t need;			/* the tree wants the bytes up to here */
	uint64_t last_have;		/* bytes there at the last attempt */
	unsigned attempts;
	char why[160];			/* why there is no plan, if so */
	struct isotree tree;		/* read from the prefix of the stream */
	uint64_t known_at;		/* stream offset when it was read */
	size_t n;			/* files planned in lanes, by start */
	struct rip_filelane *lanes;
	size_t *lane_of;		/* per tree entry: lane, or RIP_FILES_* */
	size_t n_empty;			/* regular files of 0 bytes */
};

enum { RIP_FILES_WAITING, RIP_FILES_PLANNED, RIP_FILES_FAILED };
#define RIP_FILES_NONE ((size_t)-1)	/* lane_of: not hashed in the stream */
#define RIP_FILES_EMPTY ((size_t)-2)	/* lane_of: a file of 0 bytes */

struct rip {
	struct rip_opts o;
	struct rip_probe probe;
	char run_id[128], uuid[40];
	char started[32], finished[32];	/* ISO 8601 UTC */
	double t0, t_read, t_verify, t_total;	/* seconds */

	char dir[4096];			/* <out_root>/<name> */
	char iso[4200], part[4200], map[4200], log[4200], manifest[4200];
	char tree[4200], ixml[4200], ijson[4200];

	/* reading */
	uint64_t size;			/* medium readable size = image size */
	int resumed;
	struct mapfile map_state;
	struct rescue_stats rs;
	uint64_t bad_bytes;
	size_t n_ranges;		/* bad ranges (first RIP_MAX_RANGES) */
	uint64_t range_pos[RIP_MAX_RANGES], range_len[RIP_MAX_RANGES];
	size_t n_ranges_total;
	int complete;
	int tail_only;			/* all unreadable bytes lie after the file system */

	/* hashes */
	int streamed;			/* stream hashes cover the whole image */
	struct rip_digests stream;	/* of the bytes as read from the disc */
	struct rip_digests image;	/* of the image (= stream when streamed) */
	struct rip_digests back;	/* SHA-256 of the image file read back */
	struct rip_readback *readback;	/* the read-back under way, or NULL */
	int back_streamed;		/* read back while the disc was read */
	int verify_done, verify_match;
	char verify_note[512];
	struct rip_digests second;	/* second read of the disc */
	int second_done, second_match;
	char second_note[256];
	size_t n_tags;
	struct rip_tag tags[3];
	int tags_match;

	/* analysis */
	int inspect_ok;
	struct inspect_report rep;
	int have_rep;
	int tree_ok;
	char tree_error[256];
	uint64_t tree_files, tree_dirs, tree_bytes, tree_damaged;
	struct rip_files *files;	/* per-file MD5s from the stream, or NULL */
	uint64_t md5_stream, md5_image;	/* per-file MD5s from each source */
	void *file_list;		/* json_t array of files with md5 */
	char tree_names[16];

	/* mounts */
	int was_mounted, remounted;
	char mount_point[1024], mount_fs[64], mount_src[256];
	char mount_note[1400];

	int ejected;
	char eject_note[256];
	int interrupted;
	int exit_code;			/* 0, 1, 2, 130 */
	char status_msg[512];

	size_t n_events;
	struct rip_event ev[RIP_MAX_EVENTS];
};

/* Open-drive facts and the PVD (label, file system size). */
int rip_probe_drive(struct drive *d, struct rip_probe *p, struct dv_error *err);

/* The outputs' paths for opts (no file is touched). */
int rip_paths(struct rip *r, struct dv_error *err);

/* 1 when <dir>/<name>/ already holds a finished image or manifest, 0 when
 * not (an unfinished mapfile is a resume, not an overwrite). */
int rip_outputs_exist(const struct rip *r);

/* Image the disc in d. Returns the exit code (0, 1, 2, 130) and fills r;
 * err says why on 1 and 130. Release r with rip_release in every case. */
int rip_run(struct rip *r, struct drive *d, struct dv_error *err);
void rip_release(struct rip *r);

/* An event (also logged). */
void rip_event(struct rip *r, int premis, const char *type, const char *outcome,
	       const char *detail, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* rip_report.c: the log text and manifest JSON, written atomically. */
int rip_write_log(struct rip *r, struct dv_error *err);
int rip_write_manifest(struct rip *r, struct dv_error *err);

/* rip_listing.c: the file tree of the image (tree text and, with MD5s,
 * r->file_list); files touching bad sectors are flagged. */
int rip_write_listing(struct rip *r, struct dv_error *err);

/* rip_mount.c: unmount a mounted device (Linux), remount it later. Quiet
 * no-ops for addresses that are not block devices. */
int rip_unmount(struct rip *r, struct dv_error *err);
void rip_remount(struct rip *r);

/* rip_hash.c: the hashes of one stream on worker threads (the algorithms
 * split so that no worker is the bottleneck on two cores; the image's MD5
 * and the files' MD5s share md5mb lanes). The caller goes round nbuf
 * buffers (2 to RIP_HASH_MAX_BUF): submit() hands one over, which must
 * stay unchanged until nbuf - 1 more submit()s or finish() have returned
 * (the workers may lag that far behind the caller and each other). */
#define RIP_HASH_MAX_BUF 8
struct rip_hasher;
int rip_hasher_start(struct rip_hasher **h, unsigned mask, unsigned nbuf,
		     struct dv_error *err);
void rip_hasher_submit(struct rip_hasher *h, const void *buf, size_t len);
/* Also record the MD5 of the first `at` bytes (before any submit). */
void rip_hasher_mark(struct rip_hasher *h, uint64_t at);
/* Bytes submitted so far. */
uint64_t rip_hasher_offset(const struct rip_hasher *h);
/* Hash these files from the stream too (with MD5 in the mask): n lanes
 * sorted by start, none starting before rip_hasher_offset(). They are
 * updated by the hasher until finish(); lanes it could not follow (too
 * many overlapping at once) end RIP_LANE_SKIPPED. Once per hasher. */
void rip_hasher_files(struct rip_hasher *h, struct rip_filelane *lanes, size_t n);
/* Wait, fill out, free. Accepts NULL (then out is left alone). */
int rip_hasher_finish(struct rip_hasher *h, struct rip_digests *out,
		      struct dv_error *err);
/* The digests of size bytes of a file, or of a drive (d != NULL); stops
 * with DV_ERR_INTERRUPTED on Ctrl-C. */
int rip_hash_source(const char *path, struct drive *d, uint64_t size,
		    unsigned mask, size_t chunk, const char *label,
		    struct rip_digests *out, struct dv_error *err);
/* Check the libisofs MD5 tags (superblock, tree, session) of the image
 * file; fills r->tags, r->n_tags, r->tags_match. */
int rip_check_md5_tags(struct rip *r, const char *path, struct dv_error *err);
/* Where the disc's tags say their ranges end, read from the disc before
 * the rip (a few sectors), as marks for the stream hasher. */
size_t rip_find_tag_marks(struct drive *d, uint64_t size, uint64_t *marks, size_t max);
int rip_digests_equal(const struct rip_digests *a, const struct rip_digests *b);

/* rip_readback.c: the image file read back and hashed (SHA-256) while the
 * disc is still being read: each range once it is written, flushed to
 * storage and dropped from the page cache, on a thread of its own. */
struct rip_readback;
int rip_readback_start(struct rip_readback **rb, const char *path, uint64_t size,
		       struct dv_error *err);
/* Bytes [0, upto) of the file are written. */
void rip_readback_written(struct rip_readback *rb, uint64_t upto);
/* complete: wait until all size bytes are read back and fill out (err on
 * a read error); else stop early. Frees rb; accepts NULL. */
int rip_readback_finish(struct rip_readback *rb, int complete, struct rip_digests *out,
			struct dv_error *err);

/* rip_files.c: read the file tree from the part of the image written so
 * far, and plan the files whose MD5 the stream pass can compute. */
void rip_files_init(struct rip_files *f);
/* In the reader, between two chunks: bytes [0, have) are in fd, the
 * hasher is at `hashed`. Returns 1 when a plan is ready (hand f->lanes to
 * the hasher), 0 while waiting or after giving up. */
int rip_files_poll(struct rip_files *f, int fd, uint64_t size, uint64_t have,
		   uint64_t hashed);
/* The stream's MD5 of entry i of a tree read later from the image: 1 and
 * hex in out when the stream's tree has the same entry (path, size,
 * extents) at i and its MD5 was completed, else 0. */
int rip_files_md5(const struct rip_files *f, size_t i, const struct isotree_entry *e,
		  char out[33]);
void rip_files_release(struct rip_files *f);

void rip_iso_time(char *buf, size_t len);
const char *rip_hex(const struct rip_digests *d, enum hash_alg alg);

#endif
