/*
 * par2_internal.h - what the files of the PAR2 engine share: packet layout,
 * the recovery-set model the reader builds, hashing helpers, the threaded
 * multiply-add driver and file naming. Not for use outside src/engine/par2.
 */
#ifndef DV_PAR2_INTERNAL_H
#define DV_PAR2_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine/gf16/gf16.h"
#include "engine/par2/par2.h"

#define P2_MAGIC "PAR2\0PKT"
#define P2_HDR 64
#define P2_TYPE_MAIN "PAR 2.0\0Main\0\0\0\0"
#define P2_TYPE_DESC "PAR 2.0\0FileDesc"
#define P2_TYPE_IFSC "PAR 2.0\0IFSC\0\0\0\0"
#define P2_TYPE_RECV "PAR 2.0\0RecvSlic"
#define P2_TYPE_CREATOR "PAR 2.0\0Creator\0"
#define P2_MAX_BLOCKS 32768u

static inline void p2_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void p2_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t p2_get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline uint32_t p2_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* 64-byte aligned memory (the size is rounded up as aligned_alloc wants). */
static inline void *p2_aligned(size_t n)
{
	return aligned_alloc(64, (n + 63) & ~(size_t)63);
}

/* ---- hashing (par2_hash.c) ---- */
struct p2_md5 {
	void *ctx;                /* EVP_MD_CTX */
};
int p2_md5_init(struct p2_md5 *m);
void p2_md5_update(struct p2_md5 *m, const void *p, size_t n);
void p2_md5_final(struct p2_md5 *m, uint8_t out[16]);  /* and release */
void p2_md5_release(struct p2_md5 *m);
void p2_md5(const void *p, size_t n, uint8_t out[16]);

/* CRC-32 as zlib's crc32(): start with 0. */
uint32_t p2_crc32(uint32_t crc, const void *p, size_t n);

/* Sliding CRC over a window of n bytes. The running value is the raw
 * register (no final XOR): start with p2_crc_raw(win, n), roll byte by byte,
 * and compare p2_crc_value(raw) with a CRC-32. */
struct p2_crc_window {
	uint64_t n;
	uint32_t out[256];
};
void p2_crc_window_init(struct p2_crc_window *w, uint64_t n);
uint32_t p2_crc_raw(const void *p, size_t n);
uint32_t p2_crc_roll(const struct p2_crc_window *w, uint32_t raw,
		     uint8_t out_byte, uint8_t in_byte);
static inline uint32_t p2_crc_value(uint32_t raw)
{
	return raw ^ 0xffffffffu;
}

/* ---- the recovery set as read from .par2 files (par2_read.c) ---- */
struct p2_block_hash {
	uint8_t md5[16];
	uint32_t crc;
};

struct p2_file {
	uint8_t id[16];
	int have_desc;
	uint8_t md5[16];
	uint8_t md5_16k[16];
	uint64_t size;
	char *name;
	struct p2_block_hash *ifsc;   /* nblocks entries or NULL */
	uint32_t nblocks;
	uint32_t first_block;         /* global index of block 0 */
};

struct p2_recv {
	uint32_t exponent;
	uint32_t src;                 /* index into p2_set.paths */
	uint64_t offset;              /* of the recovery data in that file */
};

struct p2_set {
	int have_main;
	uint8_t set_id[16];
	uint64_t block_size;
	uint32_t nfiles;
	struct p2_file *files;        /* in main-packet order */
	uint32_t nblocks;             /* sum of nblocks over files with desc */
	uint32_t nrecv;
	struct p2_recv *recv;         /* sorted by exponent, unique */
	uint32_t npaths;
	char **paths;                 /* .par2 files read */
	uint32_t packets_bad;
	uint32_t packets_ok;
	uint32_t par2_files;           /* .par2 files read */
	char *dir;                    /* directory of the .par2 files */
};

/* Accumulates packets from buffers; resolve() picks the set and builds the
 * model. Used by the loader and the fuzz target. */
struct p2_reader;
struct p2_reader *p2_reader_new(void);
/* Parse the packets in buf (the contents of the file paths[src]). The buffer
 * must outlive the reader only for the duration of this call. */
void p2_reader_add(struct p2_reader *r, const uint8_t *buf, size_t len,
		   uint32_t src, int preferred);
/* Fill *set (paths and dir are left to the caller). -1 when no usable main
 * packet was found. */
int p2_reader_resolve(struct p2_reader *r, struct p2_set *set,
		      struct dv_error *err);
void p2_reader_free(struct p2_reader *r);
/* Accept packets without checking their MD5: only for the fuzz target, so
 * that mutations reach the packet body checks behind the hash. */
void p2_reader_skip_md5(struct p2_reader *r, int skip);

/* Find and read BASE.par2 and BASE.*.par2 for par2_path. */
int p2_set_load(struct p2_set *set, const char *par2_path, struct dv_error *err);
void p2_set_release(struct p2_set *set);

/* ---- naming (par2_name.c) ---- */
/* Strip ".par2" and a ".volN+M"/".volN-M" suffix; the result is malloc'd. */
char *p2_base_of(const char *par2_path);
/* Blocks per recovery file, par2cmdline's variable or uniform scheme; fills
 * counts[0..nfiles) and returns nfiles, or -1 when files > recovery. */
int p2_distribute(uint32_t recovery, uint32_t files, int uniform,
		  uint32_t *counts);
/* "BASE.volF+C.par2" with par2cmdline's zero padding. */
char *p2_vol_name(const char *base, uint32_t first, uint32_t count,
		  uint32_t width_first, uint32_t width_count);
uint32_t p2_digits(uint32_t v);

/* ---- threaded multiply-add (par2_mm.c) ---- */
/* out[o][0, len) ^= sum over i < nin of coef[o * nin + i] * (in[i] + off),
 * all regions in the packed layout of mm->k (pack inputs after reading,
 * unpack outputs before use; off a multiple of the chunk size). Runs on
 * worker threads in the background between start and wait. */
struct p2_mm {
	const struct gf16_kernel *k;
	unsigned nthreads;
	uint8_t *tbls;
	size_t tbls_size;
	/* current job */
	uint8_t *const *out;
	unsigned nout;
	const void *const *in;
	unsigned nin;
	size_t off, len;
	size_t chunk;             /* region bytes per work item */
	unsigned group;           /* outputs per work item */
	uint64_t nitems;          /* chunks x output groups */
	uint64_t next;            /* next item to take (atomic) */
	int running;              /* threads started for the job */
	void *threads;            /* pthread_t[nthreads] */
};
/*
 * Blocks read and MD5'd together (in md5mb lanes) by verify and by
 * repair's check of a new file: P2_BATCH_MAX, fewer for blocks so large
 * that would take more than 64 MiB.
 */
#define P2_BATCH_MAX 16
static inline unsigned p2_batch_blocks(uint64_t block_size)
{
	return block_size * P2_BATCH_MAX <= (64u << 20) ? P2_BATCH_MAX :
	       block_size * 4 <= (64u << 20) ? 4 : 1;
}

int p2_mm_init(struct p2_mm *mm, unsigned nthreads, struct dv_error *err);
int p2_mm_start(struct p2_mm *mm, uint8_t *const *out, unsigned nout,
		const void *const *in, unsigned nin, size_t off, size_t len,
		const uint16_t *coef);
void p2_mm_wait(struct p2_mm *mm);
void p2_mm_release(struct p2_mm *mm);
unsigned p2_threads(unsigned requested);
uint64_t p2_memory_limit(uint64_t requested);

/* Run fn(ctx, i) for i < n on up to nthreads threads. */
void p2_parallel_for(unsigned nthreads, uint32_t n,
		     void (*fn)(void *ctx, uint32_t i), void *ctx);

/* Solve: invert the m x m matrix a (row-major) in place; -1 if singular. */
int p2_gf_invert(uint16_t *a, uint32_t m);

/* ---- verify (par2_verify.c), used by repair ---- */
struct p2_found {
	int32_t src;              /* index into p2_scan.targets, -1: missing */
	uint64_t offset;
};

struct p2_scan {
	struct p2_set set;
	struct p2_found *found;   /* per global block */
	char **targets;           /* full paths of the files scanned */
	uint32_t ntargets;
	enum par2_file_state *state;  /* per set file */
	uint32_t missing;
};
/* Load the set and check its files. by_blocks: judge same-size files by
 * their blocks alone, without a whole-file MD5 pass (verify and repair both
 * do; 0 checks the whole-file MD5 first). */
int p2_scan_run(struct p2_scan *s, const char *par2_path,
		const struct par2_options *opt, int by_blocks,
		struct par2_report *rep, struct dv_error *err);
void p2_scan_release(struct p2_scan *s);
char *p2_join(const char *dir, const char *name);
int p2_name_safe(const char *name);

#endif
