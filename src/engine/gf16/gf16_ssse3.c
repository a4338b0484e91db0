/*
 * gf16_ssse3.c - GF(2^16) multiply-add with SSSE3 nibble shuffles (128-bit). Built with
 * -mssse3 only; the fallback for x86-64 CPUs without AVX2.
 *
 * Per 32 bytes (16 words) the low bytes and high bytes are split into two
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

static void ssse3_prepare(void *tbl, uint16_t c)
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

static void ssse3_muladd_multi(void *dst, const void *const *src, size_t off,
			      const void *tbls, unsigned n, size_t len)
{
	const uint8_t *tb = tbls;
	uint8_t *d = dst;
	const __m128i mlo = _mm_set1_epi16(0x00ff);
	const __m128i m4 = _mm_set1_epi8(0x0f);
	size_t i = 0;

	for (; i + 32 <= len; i += 32) {
		__m128i acc_lo = _mm_setzero_si128();
		__m128i acc_hi = _mm_setzero_si128();

		for (unsigned j = 0; j < n; j++) {
			const uint8_t *s = (const uint8_t *)src[j] + off + i;
			const __m128i *t = (const __m128i *)(tb + (size_t)j * TBL_SIZE);
			__m128i a = _mm_loadu_si128((const __m128i *)s);
			__m128i b = _mm_loadu_si128((const __m128i *)(s + 16));
			__m128i lo = _mm_packus_epi16(_mm_and_si128(a, mlo),
							 _mm_and_si128(b, mlo));
			__m128i hi = _mm_packus_epi16(_mm_srli_epi16(a, 8),
							 _mm_srli_epi16(b, 8));
			__m128i n0 = _mm_and_si128(lo, m4);
			__m128i n1 = _mm_and_si128(_mm_srli_epi16(lo, 4), m4);
			__m128i n2 = _mm_and_si128(hi, m4);
			__m128i n3 = _mm_and_si128(_mm_srli_epi16(hi, 4), m4);

			acc_lo = _mm_xor_si128(acc_lo, _mm_xor_si128(
				_mm_xor_si128(_mm_shuffle_epi8(_mm_loadu_si128(t + 0), n0),
						 _mm_shuffle_epi8(_mm_loadu_si128(t + 4), n1)),
				_mm_xor_si128(_mm_shuffle_epi8(_mm_loadu_si128(t + 8), n2),
						 _mm_shuffle_epi8(_mm_loadu_si128(t + 12), n3))));
			acc_hi = _mm_xor_si128(acc_hi, _mm_xor_si128(
				_mm_xor_si128(_mm_shuffle_epi8(_mm_loadu_si128(t + 2), n0),
						 _mm_shuffle_epi8(_mm_loadu_si128(t + 6), n1)),
				_mm_xor_si128(_mm_shuffle_epi8(_mm_loadu_si128(t + 10), n2),
						 _mm_shuffle_epi8(_mm_loadu_si128(t + 14), n3))));
		}
		__m128i da = _mm_loadu_si128((const __m128i *)(d + i));
		__m128i db = _mm_loadu_si128((const __m128i *)(d + i + 16));

		_mm_storeu_si128((__m128i *)(d + i), _mm_xor_si128(da,
				    _mm_unpacklo_epi8(acc_lo, acc_hi)));
		_mm_storeu_si128((__m128i *)(d + i + 16), _mm_xor_si128(db,
				    _mm_unpackhi_epi8(acc_lo, acc_hi)));
	}
	if (i < len)
		for (unsigned j = 0; j < n; j++) {
			uint16_t c;

			memcpy(&c, tb + (size_t)j * TBL_SIZE + 256, sizeof(c));
			gf16_muladd_ref(d + i, (const uint8_t *)src[j] + off + i,
					len - i, c);
		}
}

const struct gf16_kernel gf16_kernel_ssse3 = {
	.name = "ssse3",
	.tbl_size = TBL_SIZE,
	.ideal_chunk = 16384,
	.prepare = ssse3_prepare,
	.muladd_multi = ssse3_muladd_multi,
};
