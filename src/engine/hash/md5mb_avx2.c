/*
 * md5mb_avx2.c - 8 MD5 messages in the lanes of 256-bit registers.
 * Built with -mavx2 only; md5mb.c calls it when the CPU and the OS
 * support AVX2.
 */
#include <stdint.h>

#include "engine/hash/md5mb_rounds.h"

#include <immintrin.h>

#include "platform/banned.h"

#define LANES 8

#define V_XOR _mm256_xor_si256
#define V_F(b, c, d) V_XOR(d, _mm256_and_si256(b, V_XOR(c, d)))
#define V_G(b, c, d) V_XOR(c, _mm256_and_si256(d, V_XOR(b, c)))
#define V_H(b, c, d) V_XOR(V_XOR(b, c), d)
#define V_I(b, c, d) V_XOR(c, _mm256_or_si256(b, V_XOR(d, ones)))
#define V_ROTL(x, s) _mm256_or_si256(_mm256_slli_epi32(x, s), _mm256_srli_epi32(x, 32 - (s)))

#define V_STEP(fn, a, b, c, d, i, k, s) { \
	__m256i t_ = _mm256_add_epi32(a, _mm256_add_epi32(m[i], _mm256_set1_epi32((int)(k)))); \
	t_ = _mm256_add_epi32(t_, V_##fn(b, c, d)); \
	a = _mm256_add_epi32(b, V_ROTL(t_, s)); }

/* r[l] holds 8 words of lane l; afterwards r[w] holds word w of each lane. */
static inline void transpose8(__m256i r[8])
{
	__m256i t[8], u[8];

	for (int i = 0; i < 8; i += 2) {
		t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);
		t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);
	}
	for (int i = 0; i < 8; i += 4) {
		u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);
		u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);
		u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);
		u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
	}
	/* u[4g + j]: 128-bit lane q holds word 4q + j of rows 4g..4g+3 */
	for (int j = 0; j < 4; j++) {
		r[j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x20);
		r[4 + j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x31);
	}
}

void md5mb_blocks_avx2(uint32_t *const *h, const uint8_t *const *p,
		       unsigned n, size_t nblocks)
{
	const __m256i ones = _mm256_set1_epi32(-1);
	const uint8_t *src[LANES];
	uint32_t st[4][LANES];
	__m256i a, b, c, d, m[16];

	for (unsigned l = 0; l < LANES; l++) {
		unsigned from = l < n ? l : 0;

		src[l] = p[from];
		for (int w = 0; w < 4; w++)
			st[w][l] = h[from][w];
	}
	a = _mm256_loadu_si256((const __m256i *)st[0]);
	b = _mm256_loadu_si256((const __m256i *)st[1]);
	c = _mm256_loadu_si256((const __m256i *)st[2]);
	d = _mm256_loadu_si256((const __m256i *)st[3]);
	for (size_t blk = 0; blk < nblocks; blk++) {
		__m256i a0 = a, b0 = b, c0 = c, d0 = d;

		for (unsigned l = 0; l < LANES; l++) {
			m[l] = _mm256_loadu_si256((const __m256i *)(src[l] + 64 * blk));
			m[8 + l] = _mm256_loadu_si256((const __m256i *)(src[l] + 64 * blk + 32));
		}
		transpose8(m);
		transpose8(m + 8);
		MD5_ROUNDS(V_STEP, a, b, c, d)
		a = _mm256_add_epi32(a, a0);
		b = _mm256_add_epi32(b, b0);
		c = _mm256_add_epi32(c, c0);
		d = _mm256_add_epi32(d, d0);
	}
	_mm256_storeu_si256((__m256i *)st[0], a);
	_mm256_storeu_si256((__m256i *)st[1], b);
	_mm256_storeu_si256((__m256i *)st[2], c);
	_mm256_storeu_si256((__m256i *)st[3], d);
	for (unsigned l = 0; l < n; l++)
		for (int w = 0; w < 4; w++)
			h[l][w] = st[w][l];
}
