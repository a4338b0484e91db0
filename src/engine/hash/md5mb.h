/*
 * md5mb.h - MD5 of several independent messages at once.
 *
 * One MD5 is a chain of dependent 32-bit operations, so a single stream
 * leaves most of a modern core idle. Running 8 (AVX2) or 16 (AVX-512)
 * messages in the lanes of vector registers costs little more than one:
 * PAR2 hashes every block and every recovery packet, and a rip hashes
 * each file while it also hashes the whole image.
 *
 * The kernel is chosen at run time from CPUID and XGETBV; DV_MD5_KERNEL
 * ("scalar", "avx2", "avx512") or md5mb_set_kernel() overrides it for
 * tests and benchmarks. The scalar kernel is the portable reference.
 */
#ifndef DV_MD5MB_H
#define DV_MD5MB_H

#include <stddef.h>
#include <stdint.h>

struct md5mb_ctx {
	uint32_t h[4];
	uint64_t nbytes;          /* bytes given so far */
	uint8_t buf[64];          /* nbytes % 64 bytes not yet compressed */
};

void md5mb_init(struct md5mb_ctx *c);
/* One message (the scalar kernel; use several contexts together for speed). */
void md5mb_update(struct md5mb_ctx *c, const void *p, size_t n);
void md5mb_final(struct md5mb_ctx *c, uint8_t out[16]);

/*
 * Advance n contexts together: c[i] gets len[i] bytes at p[i]. Any n,
 * any lengths (zero included); the bulk of equal-length runs goes through
 * the vector kernel, lane by lane the result is that of md5mb_update().
 * The n contexts must be distinct (one context twice in a call gives a
 * wrong digest).
 */
void md5mb_update_many(struct md5mb_ctx *const *c, const void *const *p,
		       const size_t *len, unsigned n);

/* out[i] = MD5 of the len bytes at p[i], for i < n. */
void md5mb_digest_many(const void *const *p, size_t len, uint8_t (*out)[16],
		       unsigned n);

/* The kernel in use ("scalar", "avx2", "avx512"). */
const char *md5mb_kernel_name(void);
/* Select a kernel by name; -1 if unknown or not supported by this CPU. */
int md5mb_set_kernel(const char *name);

#endif
