/*
 * par2_hash.c - the hashes PAR2 uses: MD5 (OpenSSL EVP) and CRC-32
 * (slice-by-8), plus the sliding-window CRC that verify uses to find blocks
 * at shifted offsets.
 */
#include "engine/par2/par2_internal.h"
#include "engine/hash/crc32_clmul.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

#include "platform/banned.h"

int p2_md5_init(struct p2_md5 *m)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	m->ctx = c;
	if (!c || !EVP_DigestInit_ex(c, EVP_md5(), NULL)) {
		EVP_MD_CTX_free(c);
		m->ctx = NULL;
		return -1;
	}
	return 0;
}

void p2_md5_update(struct p2_md5 *m, const void *p, size_t n)
{
	if (m->ctx && n)
		EVP_DigestUpdate(m->ctx, p, n);
}

void p2_md5_final(struct p2_md5 *m, uint8_t out[16])
{
	unsigned len = 16;

	memset(out, 0, 16);
	if (m->ctx)
		EVP_DigestFinal_ex(m->ctx, out, &len);
	p2_md5_release(m);
}

void p2_md5_release(struct p2_md5 *m)
{
	EVP_MD_CTX_free(m->ctx);
	m->ctx = NULL;
}

void p2_md5(const void *p, size_t n, uint8_t out[16])
{
	unsigned len = 16;

	memset(out, 0, 16);
	EVP_Digest(p, n, out, &len, EVP_md5(), NULL);
}

static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static int crc_clmul;     /* use crc32_clmul_raw() */

static void crc_build(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^
					crc_tab[0][crc_tab[t - 1][i] & 0xff];
#if defined(__x86_64__)
	crc_clmul = crc32_clmul_usable();
#endif
}

static uint32_t crc_update_raw(uint32_t c, const uint8_t *p, size_t n)
{
#if defined(__x86_64__)
	if (crc_clmul && n >= 64) {
		c = crc32_clmul_raw(c, p, n & ~(size_t)15);
		p += n & ~(size_t)15;
		n &= 15;
	}
#endif
	while (n && ((uintptr_t)p & 7)) {
		c = (c >> 8) ^ crc_tab[0][(c ^ *p++) & 0xff];
		n--;
	}
	while (n >= 8) {
		uint32_t a = c ^ p2_get32(p), b = p2_get32(p + 4);

		c = crc_tab[7][a & 0xff] ^ crc_tab[6][(a >> 8) & 0xff] ^
		    crc_tab[5][(a >> 16) & 0xff] ^ crc_tab[4][a >> 24] ^
		    crc_tab[3][b & 0xff] ^ crc_tab[2][(b >> 8) & 0xff] ^
		    crc_tab[1][(b >> 16) & 0xff] ^ crc_tab[0][b >> 24];
		p += 8;
		n -= 8;
	}
	while (n--)
		c = (c >> 8) ^ crc_tab[0][(c ^ *p++) & 0xff];
	return c;
}

uint32_t p2_crc32(uint32_t crc, const void *p, size_t n)
{
	pthread_once(&crc_once, crc_build);
	return crc_update_raw(crc ^ 0xffffffffu, p, n) ^ 0xffffffffu;
}

uint32_t p2_crc_raw(const void *p, size_t n)
{
	pthread_once(&crc_once, crc_build);
	return crc_update_raw(0xffffffffu, p, n);
}

/* GF(2) 32x32 matrices as 32 column vectors: mat[k] is the image of bit k. */
static uint32_t mat_times(const uint32_t *mat, uint32_t v)
{
	uint32_t r = 0;

	for (int k = 0; v; k++, v >>= 1)
		if (v & 1)
			r ^= mat[k];
	return r;
}

static void mat_mul(uint32_t *out, const uint32_t *a, const uint32_t *b)
{
	uint32_t t[32];

	for (int k = 0; k < 32; k++)
		t[k] = mat_times(a, b[k]);
	memcpy(out, t, sizeof(t));
}

/*
 * For a window of n bytes, the raw register after dropping the oldest byte
 * x and appending y is: update(raw, y) ^ T(x) ^ K, where T(x) is the CRC
 * (register started at 0) of x followed by n zero bytes, and K accounts for
 * the initial value: K = A^n(init) ^ A^(n+1)(init), A being one zero byte.
 * A^n is built by squaring (O(log n)), so any window size is cheap.
 */
void p2_crc_window_init(struct p2_crc_window *w, uint64_t n)
{
	uint32_t p[32], r[32], bit[8], k0;

	pthread_once(&crc_once, crc_build);
	w->n = n;
	for (int k = 0; k < 32; k++) {
		uint32_t c = 1u << k;

		p[k] = (c >> 8) ^ crc_tab[0][c & 0xff];   /* one zero byte */
		r[k] = c;                                   /* identity */
	}
	for (uint64_t e = n; e; e >>= 1) {
		if (e & 1)
			mat_mul(r, p, r);
		mat_mul(p, p, p);
	}
	for (int b = 0; b < 8; b++)
		bit[b] = mat_times(r, crc_tab[0][1u << b]);
	k0 = mat_times(r, 0xffffffffu);
	k0 ^= (k0 >> 8) ^ crc_tab[0][k0 & 0xff];
	for (uint32_t x = 0; x < 256; x++) {
		uint32_t t = 0;

		for (int b = 0; b < 8; b++)
			if (x >> b & 1)
				t ^= bit[b];
		w->out[x] = t ^ k0;
	}
}

uint32_t p2_crc_roll(const struct p2_crc_window *w, uint32_t raw,
		     uint8_t out_byte, uint8_t in_byte)
{
	return (raw >> 8) ^ crc_tab[0][(raw ^ in_byte) & 0xff] ^ w->out[out_byte];
}
