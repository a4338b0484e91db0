/*
 * gf16_avx2.c - GF(2^16) multiply-add with AVX2 nibble shuffles. Built with
 * -mavx2 only; used when CPUID reports AVX2 and the OS saves YMM state.
 *
 * Per 64 bytes (32 words) the low bytes and high bytes are split into two
 * vectors (PACKUSWB works per 128-bit lane, and the matching UNPACK at the
 * end undoes exactly that order), each 4-bit nibble of the word indexes
 * eight 16-entry tables with VPSHUFB, and the products of all sources are
 * accumulated in registers before one read-modify-write of dst.
 */
#include "engine/gf16/gf16.h"

#include <immintrin.h>
#include <string.h>

#include "platform/banned.h"

#define TBL_SIZE 320            /* 8 x 32 bytes of tables, then the constant */

static void avx2_prepare(void *tbl, uint16_t c)
{
	uint8_t t[8][16];
	uint8_t *o = tbl;

	gf16_nibble_tables(t, c);
	for (int k = 0; k < 8; k++) {
		memcpy(o + 32 * k, t[k], 16);
		memcpy(o + 32 * k + 16, t[k], 16);
	}
	memset(o + 256, 0, TBL_SIZE - 256);
	memcpy(o + 256, &c, sizeof(c));
}

static void avx2_muladd_multi(void *dst, const void *const *src, size_t off,
			      const void *tbls, unsigned n, size_t len)
{
	const uint8_t *tb = tbls;
	uint8_t *d = dst;
	const __m256i mlo = _mm256_set1_epi16(0x00ff);
	const __m256i m4 = _mm256_set1_epi8(0x0f);
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
			__m256i n0 = _mm256_and_si256(lo, m4);
			__m256i n1 = _mm256_and_si256(_mm256_srli_epi16(lo, 4), m4);
			__m256i n2 = _mm256_and_si256(hi, m4);
			__m256i n3 = _mm256_and_si256(_mm256_srli_epi16(hi, 4), m4);

			acc_lo = _mm256_xor_si256(acc_lo, _mm256_xor_si256(
				_mm256_xor_si256(_mm256_shuffle_epi8(_mm256_loadu_si256(t + 0), n0),
						 _mm256_shuffle_epi8(_mm256_loadu_si256(t + 2), n1)),
				_mm256_xor_si256(_mm256_shuffle_epi8(_mm256_loadu_si256(t + 4), n2),
						 _mm256_shuffle_epi8(_mm256_loadu_si256(t + 6), n3))));
			acc_hi = _mm256_xor_si256(acc_hi, _mm256_xor_si256(
				_mm256_xor_si256(_mm256_shuffle_epi8(_mm256_loadu_si256(t + 1), n0),
						 _mm256_shuffle_epi8(_mm256_loadu_si256(t + 3), n1)),
				_mm256_xor_si256(_mm256_shuffle_epi8(_mm256_loadu_si256(t + 5), n2),
						 _mm256_shuffle_epi8(_mm256_loadu_si256(t + 7), n3))));
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

			memcpy(&c, tb + (size_t)j * TBL_SIZE + 256, sizeof(c));
			gf16_muladd_ref(d + i, (const uint8_t *)src[j] + off + i,
					len - i, c);
		}
}

const struct gf16_kernel gf16_kernel_avx2 = {
	.name = "avx2",
	.tbl_size = TBL_SIZE,
	.ideal_chunk = 16384,
	.prepare = avx2_prepare,
	.muladd_multi = avx2_muladd_multi,
};
