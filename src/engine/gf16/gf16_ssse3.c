/*
 * gf16_ssse3.c - GF(2^16) multiply-add with SSSE3 nibble shuffles. Built with
 * -mssse3 only; the fallback for x86-64 CPUs without AVX2.
 *
 * Per 2*VB bytes (VB = vector bytes) the words' low bytes and high bytes
 * are split into two vectors (PACKUSWB works per 128-bit lane; the matching
 * UNPACK undoes exactly that order). Each 4-bit nibble of a word indexes
 * eight 16-entry tables with PSHUFB, and the products of all sources are
 * accumulated in registers before one read-modify-write of dst. The packed
 * variant keeps regions split, so the split is paid once per region.
 * Generated from gf16_avx2.c (same code at VB = 16); edit that file.
 */
#include "engine/gf16/gf16.h"

#include <immintrin.h>
#include <string.h>

#include "platform/banned.h"

#define VB 16                   /* bytes per vector */
#define TBL_SIZE 320            /* 8 tables x 32 bytes, then the constant */
#define LOADV(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define STOREV(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))

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

/* Low and high bytes of one source unit times the constant, accumulated. */
static inline void mul_acc(__m128i lo, __m128i hi, const uint8_t *t,
			   __m128i *acc_lo, __m128i *acc_hi)
{
	const __m128i m4 = _mm_set1_epi8(0x0f);
	__m128i n0 = _mm_and_si128(lo, m4);
	__m128i n1 = _mm_and_si128(_mm_srli_epi16(lo, 4), m4);
	__m128i n2 = _mm_and_si128(hi, m4);
	__m128i n3 = _mm_and_si128(_mm_srli_epi16(hi, 4), m4);

	*acc_lo = _mm_xor_si128(*acc_lo, _mm_xor_si128(
		_mm_xor_si128(_mm_shuffle_epi8(LOADV(t + 0), n0),
				 _mm_shuffle_epi8(LOADV(t + 64), n1)),
		_mm_xor_si128(_mm_shuffle_epi8(LOADV(t + 128), n2),
				 _mm_shuffle_epi8(LOADV(t + 192), n3))));
	*acc_hi = _mm_xor_si128(*acc_hi, _mm_xor_si128(
		_mm_xor_si128(_mm_shuffle_epi8(LOADV(t + 32), n0),
				 _mm_shuffle_epi8(LOADV(t + 96), n1)),
		_mm_xor_si128(_mm_shuffle_epi8(LOADV(t + 160), n2),
				 _mm_shuffle_epi8(LOADV(t + 224), n3))));
}

static inline void split(const uint8_t *s, __m128i *lo, __m128i *hi)
{
	const __m128i mlo = _mm_set1_epi16(0x00ff);
	__m128i a = LOADV(s), b = LOADV(s + VB);

	*lo = _mm_packus_epi16(_mm_and_si128(a, mlo), _mm_and_si128(b, mlo));
	*hi = _mm_packus_epi16(_mm_srli_epi16(a, 8), _mm_srli_epi16(b, 8));
}

static void tail_ref(uint8_t *d, const void *const *src, size_t off,
		     const uint8_t *tb, unsigned n, size_t i, size_t len)
{
	for (unsigned j = 0; j < n; j++) {
		uint16_t c;

		memcpy(&c, tb + (size_t)j * TBL_SIZE + 256, sizeof(c));
		gf16_muladd_ref(d + i, (const uint8_t *)src[j] + off + i, len - i, c);
	}
}

static void ssse3_muladd_multi(void *dst, const void *const *src, size_t off,
			      const void *tbls, unsigned n, size_t len)
{
	const uint8_t *tb = tbls;
	uint8_t *d = dst;
	size_t i = 0;

	for (; i + 2 * VB <= len; i += 2 * VB) {
		__m128i acc_lo = _mm_setzero_si128();
		__m128i acc_hi = _mm_setzero_si128();

		for (unsigned j = 0; j < n; j++) {
			__m128i lo, hi;

			split((const uint8_t *)src[j] + off + i, &lo, &hi);
			mul_acc(lo, hi, tb + (size_t)j * TBL_SIZE, &acc_lo, &acc_hi);
		}
		STOREV(d + i, _mm_xor_si128(LOADV(d + i),
			_mm_unpacklo_epi8(acc_lo, acc_hi)));
		STOREV(d + i + VB, _mm_xor_si128(LOADV(d + i + VB),
			_mm_unpackhi_epi8(acc_lo, acc_hi)));
	}
	if (i < len)
		tail_ref(d, src, off, tb, n, i, len);
}

static void ssse3_pack(void *dst, const void *src, size_t len)
{
	const uint8_t *s = src;
	uint8_t *d = dst;
	size_t i = 0;

	for (; i + 2 * VB <= len; i += 2 * VB) {
		__m128i lo, hi;

		split(s + i, &lo, &hi);
		STOREV(d + i, lo);
		STOREV(d + i + VB, hi);
	}
	if (i < len && d != s)
		memmove(d + i, s + i, len - i);
}

static void ssse3_unpack(void *dst, const void *src, size_t len)
{
	const uint8_t *s = src;
	uint8_t *d = dst;
	size_t i = 0;

	for (; i + 2 * VB <= len; i += 2 * VB) {
		__m128i lo = LOADV(s + i), hi = LOADV(s + i + VB);

		STOREV(d + i, _mm_unpacklo_epi8(lo, hi));
		STOREV(d + i + VB, _mm_unpackhi_epi8(lo, hi));
	}
	if (i < len && d != s)
		memmove(d + i, s + i, len - i);
}

static void ssse3_muladd_packed(void *dst, const void *const *src, size_t off,
			       const void *tbls, unsigned n, size_t len)
{
	const uint8_t *tb = tbls;
	uint8_t *d = dst;
	size_t i = 0;

	for (; i + 2 * VB <= len; i += 2 * VB) {
		__m128i acc_lo = _mm_setzero_si128();
		__m128i acc_hi = _mm_setzero_si128();

		for (unsigned j = 0; j < n; j++) {
			const uint8_t *s = (const uint8_t *)src[j] + off + i;

			mul_acc(LOADV(s), LOADV(s + VB), tb + (size_t)j * TBL_SIZE,
				&acc_lo, &acc_hi);
		}
		STOREV(d + i, _mm_xor_si128(LOADV(d + i), acc_lo));
		STOREV(d + i + VB, _mm_xor_si128(LOADV(d + i + VB), acc_hi));
	}
	if (i < len)
		tail_ref(d, src, off, tb, n, i, len);
}

const struct gf16_kernel gf16_kernel_ssse3 = {
	.name = "ssse3",
	.tbl_size = TBL_SIZE,
	.ideal_chunk = 16384,
	.prepare = ssse3_prepare,
	.muladd_multi = ssse3_muladd_multi,
	.packed_unit = 2 * VB,
	.pack = ssse3_pack,
	.unpack = ssse3_unpack,
	.muladd_packed = ssse3_muladd_packed,
};
