/*
 * hash.c - several EVP digests over one stream.
 */
#include "engine/hash/hash.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "platform/banned.h"

static const EVP_MD *alg_md(int i)
{
	switch (i) {
	case 0: return EVP_md5();
	case 1: return EVP_sha1();
	case 2: return EVP_sha256();
	default: return EVP_sha512();
	}
}

static int alg_index(enum hash_alg alg)
{
	switch (alg) {
	case HASH_MD5: return 0;
	case HASH_SHA1: return 1;
	case HASH_SHA256: return 2;
	case HASH_SHA512: return 3;
	}
	return -1;
}

const char *hash_alg_name(enum hash_alg alg)
{
	switch (alg) {
	case HASH_MD5: return "md5";
	case HASH_SHA1: return "sha1";
	case HASH_SHA256: return "sha256";
	case HASH_SHA512: return "sha512";
	}
	return "?";
}

int hashset_init(struct hashset *hs, unsigned mask, struct dv_error *err)
{
	memset(hs, 0, sizeof(*hs));
	hs->mask = mask;
	for (int i = 0; i < HASH_NALGS; i++) {
		EVP_MD_CTX *c;
		if (!(mask & (1u << i)))
			continue;
		c = EVP_MD_CTX_new();
		if (!c || !EVP_DigestInit_ex(c, alg_md(i), NULL)) {
			EVP_MD_CTX_free(c);
			hashset_release(hs);
			return dv_error_set(err, DV_ERR_FAIL, "cannot initialize a digest");
		}
		hs->ctx[i] = c;
	}
	return 0;
}

void hashset_update(struct hashset *hs, const void *data, size_t len)
{
	for (int i = 0; i < HASH_NALGS; i++)
		if (hs->ctx[i])
			EVP_DigestUpdate(hs->ctx[i], data, len);
}

int hashset_final(struct hashset *hs, struct dv_error *err)
{
	for (int i = 0; i < HASH_NALGS; i++) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int n = 0;
		if (!hs->ctx[i])
			continue;
		if (!EVP_DigestFinal_ex(hs->ctx[i], md, &n))
			return dv_error_set(err, DV_ERR_FAIL, "cannot finish a digest");
		for (unsigned j = 0; j < n; j++)
			snprintf(hs->hex[i] + 2 * j, 3, "%02x", md[j]);
		EVP_MD_CTX_free(hs->ctx[i]);
		hs->ctx[i] = NULL;
	}
	return 0;
}

const char *hashset_hex(const struct hashset *hs, enum hash_alg alg)
{
	int i = alg_index(alg);

	return i < 0 ? "" : hs->hex[i];
}

void hashset_release(struct hashset *hs)
{
	for (int i = 0; i < HASH_NALGS; i++) {
		EVP_MD_CTX_free(hs->ctx[i]);
		hs->ctx[i] = NULL;
	}
}
