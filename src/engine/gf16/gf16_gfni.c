/*
 * gf16_gfni.c - GF(2^16) multiply-add with GF2P8AFFINEQB on 256-bit vectors.
 * Built with -mavx2 -mgfni only.
 *
 * Multiplying by a constant is linear over GF(2): a 16x16 bit matrix split
 * into four 8x8 blocks (gf16_affine_matrices). With the words' low and high
 * bytes split into two vectors as in the shuffle kernel, a product is four
 * affine transforms and two XORs. The packed layout is the AVX2 kernel's.
 */
#include "engine/gf16/gf16.h"

#include <immintrin.h>
#include <string.h>

#include "platform/banned.h"

#define VB 32
#define TBL_SIZE 192            /* 4 matrices x 32 bytes, then the constant */
#define LOADV(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define STOREV(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))

static void gfni_prepare(void *tbl, uint16_t c)
{
	uint64_t m[4];
	uint8_t *o = tbl;

	gf16_affine_matrices(m, c);
	for (int k = 0; k < 4; k++)
		for (int r = 0; r < 4; r++)
			memcpy(o + 32 * k + 8 * r, &m[k], 8);
	memset(o + 128, 0, TBL_SIZE - 128);
	memcpy(o + 128, &c, sizeof(c));
}

static inline void split(const uint8_t *s, __m256i *lo, __m256i *hi)
{
	const __m256i mlo = _mm256_set1_epi16(0x00ff);
	__m256i a = LOADV(s), b = LOADV(s + VB);

	*lo = _mm256_packus_epi16(_mm256_and_si256(a, mlo), _mm256_and_si256(b, mlo));
	*hi = _mm256_packus_epi16(_mm256_srli_epi16(a, 8), _mm256_srli_epi16(b, 8));
}

static inline void mul_acc(__m256i lo, __m256i hi, const uint8_t *t,
			   __m256i *acc_lo, __m256i *acc_hi)
{
	*acc_lo = _mm256_xor_si256(*acc_lo, _mm256_xor_si256(
		_mm256_gf2p8affine_epi64_epi8(lo, LOADV(t), 0),
		_mm256_gf2p8affine_epi64_epi8(hi, LOADV(t + 32), 0)));
	*acc_hi = _mm256_xor_si256(*acc_hi, _mm256_xor_si256(
		_mm256_gf2p8affine_epi64_epi8(lo, LOADV(t + 64), 0),
		_mm256_gf2p8affine_epi64_epi8(hi, LOADV(t + 96), 0)));
}

static void tail_ref(uint8_t *d, const void *const *src, size_t off,
		     const uint8_t *tb, unsigned n, size_t i, size_t len)
{
	for (unsigned j = 0; j < n; j++) {
		uint16_t c;

		memcpy(&c, tb + (size_t)j * TBL_SIZE + 128, sizeof(c));
		gf16_muladd_ref(d + i, (const uint8_t *)src[j] + off + i, len - i, c);
	}
}

static void gfni_muladd_multi(void *dst, const void *const *src, size_t off,
			      const void *tbls, unsigned n, size_t len)
{
	const uint8_t *tb = tbls;
	uint8_t *d = dst;
	size_t i = 0;

	for (; i + 2 * VB <= len; i += 2 * VB) {
		__m256i acc_lo = _mm256_setzero_si256();
		__m256i acc_hi = _mm256_setzero_si256();

		for (unsigned j = 0; j < n; j++) {
			__m256i lo, hi;

			split((const uint8_t *)src[j] + off + i, &lo, &hi);
			mul_acc(lo, hi, tb + (size_t)j * TBL_SIZE, &acc_lo, &acc_hi);
		}
		STOREV(d + i, _mm256_xor_si256(LOADV(d + i),
			_mm256_unpacklo_epi8(acc_lo, acc_hi)));
		STOREV(d + i + VB, _mm256_xor_si256(LOADV(d + i + VB),
			_mm256_unpackhi_epi8(acc_lo, acc_hi)));
	}
	if (i < len)
		tail_ref(d, src, off, tb, n, i, len);
}

static void gfni_pack(void *dst, const void *src, size_t len)
{
	const uint8_t *s = src;
	uint8_t *d = dst;
	size_t i = 0;

	for (; i + 2 * VB <= len; i += 2 * VB) {
		__m256i lo, hi;

		split(s + i, &lo, &hi);
		STOREV(d + i, lo);
		STOREV(d + i + VB, hi);
	}
	if (i < len && d != s)
		memmove(d + i, s + i, len - i);
}

static void gfni_unpack(void *dst, const void *src, size_t len)
{
	const uint8_t *s = src;
	uint8_t *d = dst;
	size_t i = 0;

	for (; i + 2 * VB <= len; i += 2 * VB) {
		__m256i lo = LOADV(s + i), hi = LOADV(s + i + VB);

		STOREV(d + i, _mm256_unpacklo_epi8(lo, hi));
		STOREV(d + i + VB, _mm256_unpackhi_epi8(lo, hi));
	}
	if (i < len && d != s)
		memmove(d + i, s + i, len - i);
}

static void gfni_muladd_packed(void *dst, const void *const *src, size_t off,
			       const void *tbls, unsigned n, size_t len)
{
	const uint8_t *tb = tbls;
	uint8_t *d = dst;
	size_t i = 0;

	for (; i + 2 * VB <= len; i += 2 * VB) {
		__m256i acc_lo = _mm256_setzero_si256();
		__m256i acc_hi = _mm256_setzero_si256();

		for (unsigned j = 0; j < n; j++) {
			const uint8_t *s = (const uint8_t *)src[j] + off + i;

			mul_acc(LOADV(s), LOADV(s + VB), tb + (size_t)j * TBL_SIZE,
				&acc_lo, &acc_hi);
		}
		STOREV(d + i, _mm256_xor_si256(LOADV(d + i), acc_lo));
		STOREV(d + i + VB, _mm256_xor_si256(LOADV(d + i + VB), acc_hi));
	}
	if (i < len)
		tail_ref(d, src, off, tb, n, i, len);
}

const struct gf16_kernel gf16_kernel_gfni = {
	.name = "gfni",
	.tbl_size = TBL_SIZE,
	.ideal_chunk = 16384,
	.prepare = gfni_prepare,
	.muladd_multi = gfni_muladd_multi,
	.packed_unit = 2 * VB,
	.pack = gfni_pack,
	.unpack = gfni_unpack,
	.muladd_packed = gfni_muladd_packed,
};
