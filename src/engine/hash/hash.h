/*
 * hash.h - several digests over one stream, through OpenSSL EVP (which
 * uses SHA-NI / AVX2 where the CPU has them).
 */
#ifndef DV_HASH_H
#define DV_HASH_H

#include <stddef.h>

#include "platform/error.h"

enum hash_alg {
	HASH_MD5 = 1u << 0,
	HASH_SHA1 = 1u << 1,
	HASH_SHA256 = 1u << 2,
	HASH_SHA512 = 1u << 3,
};

#define HASH_NALGS 4
#define HASH_HEX_MAX 129

struct hashset {
	unsigned mask;
	void *ctx[HASH_NALGS];       /* EVP_MD_CTX *, NULL when not in mask */
	char hex[HASH_NALGS][HASH_HEX_MAX];
};

int hashset_init(struct hashset *hs, unsigned mask, struct dv_error *err);
void hashset_update(struct hashset *hs, const void *data, size_t len);
/* Finish; the hex digests are then in hashset_hex(). */
int hashset_final(struct hashset *hs, struct dv_error *err);
const char *hashset_hex(const struct hashset *hs, enum hash_alg alg);
void hashset_release(struct hashset *hs);

const char *hash_alg_name(enum hash_alg alg);   /* "md5", "sha256", ... */

/* n bytes as 2n lowercase hex digits and a NUL in out. */
void hash_hex(const unsigned char *md, size_t n, char *out);

/* The hex digest of a whole file with one algorithm (hex: 129 bytes). */
int hash_file(const char *path, enum hash_alg alg, char hex[HASH_HEX_MAX], struct dv_error *err);



/*
 * A hashset updated by a background thread, so hashing overlaps the I/O
 * of the caller. submit() hands over a buffer the caller promises not to
 * modify until the next submit() or wait() returns; it first waits for the
 * previous buffer to be done.
 */
struct hash_worker;

int hash_worker_start(struct hash_worker **out, struct hashset *hs, struct dv_error *err);
void hash_worker_submit(struct hash_worker *w, const void *buf, size_t len);
void hash_worker_wait(struct hash_worker *w);
/* Waits, stops the thread, frees; the hashset stays the caller's. Accepts NULL. */
void hash_worker_stop(struct hash_worker *w);
#endif
