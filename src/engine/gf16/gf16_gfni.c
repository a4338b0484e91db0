/*
 * gf16_gfni.c - GF(2^16) multiply-add with GF2P8AFFINEQB on 256-bit vectors.
 * Built with -mavx2 -mgfni only.
 *
 * Multiplying by a constant is linear over GF(2): a 16x16 bit matrix split
 * into four 8x8 blocks (gf16_affine_matrices). With the words' low and high
 * bytes split into two vectors as in the shuffle kernel, a product is four
 * affine transforms and two XORs.
 */
#include "engine/gf16/gf16.h"

#include <immintrin.h>
#include <string.h>

#include "platform/banned.h"

#define TBL_SIZE 192            /* 4 matrices x 32 bytes, then the constant */

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

static void gfni_muladd_multi(void *dst, const void *const *src, size_t off,
			      const void *tbls, unsigned n, size_t len)
{
	const uint8_t *tb = tbls;
	uint8_t *d = dst;
	const __m256i mlo = _mm256_set1_epi16(0x00ff);
	size_t i = 0;

	for (; i + 64 <= len; i += 64) {
		__m256i acc_lo = _mm256_setzero_si256();
		__m256i acc_hi = _mm256_setzero_si256();

		for (unsigned j = 0; j < n; j++) {
			const uint8_t *s = (const uint8_t *)src[j] + off + i;
			const __m256i *t = (const __m256i *)(tb + (size_t)j * TBL_SIZE);
			__m256i a = _mm256_loadu_si256((const __m256i *)s);
			__m256i b = _mm256_loadu_si256((const __m256i *)(s + 32));
			__m256i lo = _mm256_packus_epi16(_mm256_and_si256(a, mlo),
							 _mm256_and_si256(b, mlo));
			__m256i hi = _mm256_packus_epi16(_mm256_srli_epi16(a, 8),
							 _mm256_srli_epi16(b, 8));

			acc_lo = _mm256_xor_si256(acc_lo, _mm256_xor_si256(
				_mm256_gf2p8affine_epi64_epi8(lo, _mm256_loadu_si256(t + 0), 0),
				_mm256_gf2p8affine_epi64_epi8(hi, _mm256_loadu_si256(t + 1), 0)));
			acc_hi = _mm256_xor_si256(acc_hi, _mm256_xor_si256(
				_mm256_gf2p8affine_epi64_epi8(lo, _mm256_loadu_si256(t + 2), 0),
				_mm256_gf2p8affine_epi64_epi8(hi, _mm256_loadu_si256(t + 3), 0)));
		}
		__m256i da = _mm256_loadu_si256((const __m256i *)(d + i));
		__m256i db = _mm256_loadu_si256((const __m256i *)(d + i + 32));

		_mm256_storeu_si256((__m256i *)(d + i), _mm256_xor_si256(da,
				    _mm256_unpacklo_epi8(acc_lo, acc_hi)));
		_mm256_storeu_si256((__m256i *)(d + i + 32), _mm256_xor_si256(db,
				    _mm256_unpackhi_epi8(acc_lo, acc_hi)));
	}
	if (i < len)
		for (unsigned j = 0; j < n; j++) {
			uint16_t c;

			memcpy(&c, tb + (size_t)j * TBL_SIZE + 128, sizeof(c));
			gf16_muladd_ref(d + i, (const uint8_t *)src[j] + off + i,
					len - i, c);
		}
}

const struct gf16_kernel gf16_kernel_gfni = {
	.name = "gfni",
	.tbl_size = TBL_SIZE,
	.ideal_chunk = 16384,
	.prepare = gfni_prepare,
	.muladd_multi = gfni_muladd_multi,
};
