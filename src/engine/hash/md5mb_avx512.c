/*
 * md5mb_avx512.c - 16 MD5 messages in the lanes of 512-bit registers.
 * Built with -mavx512f only; md5mb.c calls it when the CPU and the OS
 * support AVX-512F. The boolean functions are one VPTERNLOGD each and the
 * rotations one VPROLD.
 */
#include <stdint.h>

#include "engine/hash/md5mb_rounds.h"

#include <immintrin.h>

#include "platform/banned.h"

#define LANES 16

/* ternary-logic truth tables for (b, c, d) */
#define TL_F 0xca       /* (b & c) | (~b & d) */
#define TL_G 0xe4       /* (b & d) | (c & ~d) */
#define TL_H 0x96       /* b ^ c ^ d */
#define TL_I 0x39       /* c ^ (b | ~d) */

#define V_STEP(fn, a, b, c, d, i, k, s) { \
	__m512i t_ = _mm512_add_epi32(a, _mm512_add_epi32(m[i], _mm512_set1_epi32((int)(k)))); \
	t_ = _mm512_add_epi32(t_, _mm512_ternarylogic_epi32(b, c, d, TL_##fn)); \
	a = _mm512_add_epi32(b, _mm512_rol_epi32(t_, s)); }

/* r[l] holds lane l's 16 words; afterwards r[w] holds word w of each lane. */
static inline void transpose16(__m512i r[16])
{
	__m512i t[16], u[16];

	for (int i = 0; i < 16; i += 2) {
		t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
		t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
	}
	for (int i = 0; i < 16; i += 4) {
		u[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
		u[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
		u[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
		u[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
	}
	/* u[4g + j]: 128-bit lane q holds word 4q + j of rows 4g..4g+3 */
	for (int j = 0; j < 4; j++) {
		__m512i v0 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x88);
		__m512i v1 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xdd);
		__m512i w0 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0x88);
		__m512i w1 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0xdd);

		r[j] = _mm512_shuffle_i32x4(v0, w0, 0x88);
		r[8 + j] = _mm512_shuffle_i32x4(v0, w0, 0xdd);
		r[4 + j] = _mm512_shuffle_i32x4(v1, w1, 0x88);
		r[12 + j] = _mm512_shuffle_i32x4(v1, w1, 0xdd);
	}
}

void md5mb_blocks_avx512(uint32_t *const *h, const uint8_t *const *p,
			 unsigned n, size_t nblocks)
{
	const uint8_t *src[LANES];
	uint32_t st[4][LANES];
	__m512i a, b, c, d, m[16];

	for (unsigned l = 0; l < LANES; l++) {
		unsigned from = l < n ? l : 0;

		src[l] = p[from];
		for (int w = 0; w < 4; w++)
			st[w][l] = h[from][w];
	}
	a = _mm512_loadu_si512(st[0]);
	b = _mm512_loadu_si512(st[1]);
	c = _mm512_loadu_si512(st[2]);
	d = _mm512_loadu_si512(st[3]);
	for (size_t blk = 0; blk < nblocks; blk++) {
		__m512i a0 = a, b0 = b, c0 = c, d0 = d;

		for (unsigned l = 0; l < LANES; l++)
			m[l] = _mm512_loadu_si512(src[l] + 64 * blk);
		transpose16(m);
		MD5_ROUNDS(V_STEP, a, b, c, d)
		a = _mm512_add_epi32(a, a0);
		b = _mm512_add_epi32(b, b0);
		c = _mm512_add_epi32(c, c0);
		d = _mm512_add_epi32(d, d0);
	}
	_mm512_storeu_si512(st[0], a);
	_mm512_storeu_si512(st[1], b);
	_mm512_storeu_si512(st[2], c);
	_mm512_storeu_si512(st[3], d);
	for (unsigned l = 0; l < n; l++)
		for (int w = 0; w < 4; w++)
			h[l][w] = st[w][l];
}

/*
 * 4 messages in 128-bit registers (AVX-512VL for VPROLD and VPTERNLOGD on
 * them): for 2 to 4 messages the 16-lane kernel would load and transpose
 * 16 blocks to use a few, while the time goes into the same chain of
 * dependent steps either way.
 */
#define X_STEP(fn, a, b, c, d, i, k, s) { \
	__m128i t_ = _mm_add_epi32(a, _mm_add_epi32(m[i], _mm_set1_epi32((int)(k)))); \
	t_ = _mm_add_epi32(t_, _mm_ternarylogic_epi32(b, c, d, TL_##fn)); \
	a = _mm_add_epi32(b, _mm_rol_epi32(t_, s)); }

static inline void transpose4(__m128i *r0, __m128i *r1, __m128i *r2, __m128i *r3)
{
	__m128i t0 = _mm_unpacklo_epi32(*r0, *r1), t1 = _mm_unpackhi_epi32(*r0, *r1);
	__m128i t2 = _mm_unpacklo_epi32(*r2, *r3), t3 = _mm_unpackhi_epi32(*r2, *r3);

	*r0 = _mm_unpacklo_epi64(t0, t2);
	*r1 = _mm_unpackhi_epi64(t0, t2);
	*r2 = _mm_unpacklo_epi64(t1, t3);
	*r3 = _mm_unpackhi_epi64(t1, t3);
}

void md5mb_blocks_avx512x4(uint32_t *const *h, const uint8_t *const *p,
			   unsigned n, size_t nblocks)
{
	const uint8_t *src[4];
	uint32_t st[4][4];
	__m128i a, b, c, d, m[16];

	for (unsigned l = 0; l < 4; l++) {
		unsigned from = l < n ? l : 0;

		src[l] = p[from];
		for (int w = 0; w < 4; w++)
			st[w][l] = h[from][w];
	}
	a = _mm_loadu_si128((const __m128i *)st[0]);
	b = _mm_loadu_si128((const __m128i *)st[1]);
	c = _mm_loadu_si128((const __m128i *)st[2]);
	d = _mm_loadu_si128((const __m128i *)st[3]);
	for (size_t blk = 0; blk < nblocks; blk++) {
		__m128i a0 = a, b0 = b, c0 = c, d0 = d;

		for (int q = 0; q < 4; q++) {
			for (unsigned l = 0; l < 4; l++)
				m[4 * q + l] = _mm_loadu_si128((const __m128i *)(src[l] + 64 * blk + 16 * q));
			transpose4(&m[4 * q], &m[4 * q + 1], &m[4 * q + 2], &m[4 * q + 3]);
		}
		MD5_ROUNDS(X_STEP, a, b, c, d)
		a = _mm_add_epi32(a, a0);
		b = _mm_add_epi32(b, b0);
		c = _mm_add_epi32(c, c0);
		d = _mm_add_epi32(d, d0);
	}
	_mm_storeu_si128((__m128i *)st[0], a);
	_mm_storeu_si128((__m128i *)st[1], b);
	_mm_storeu_si128((__m128i *)st[2], c);
	_mm_storeu_si128((__m128i *)st[3], d);
	for (unsigned l = 0; l < n; l++)
		for (int w = 0; w < 4; w++)
			h[l][w] = st[w][l];
}
