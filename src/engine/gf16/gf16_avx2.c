/*
 * gf16_avx2.c - GF(2^16) multiply-add with AVX2 nibble shuffles. Built with
 * -mavx2 only; used when CPUID reports AVX2 and the OS saves YMM state.
 *
 * Per 2*VB bytes (VB = vector bytes) the words' low bytes and high bytes
 * are split into two vectors (PACKUSWB works per 128-bit lane; the matching
 * UNPACK undoes exactly that order). Each 4-bit nibble of a word indexes
 * eight 16-entry tables with PSHUFB, and the products of all sources are
 * accumulated in registers before one read-modify-write of dst. The packed
 * variant keeps regions split, so the split is paid once per region.
 * gf16_ssse3.c is generated from this file by the same code at VB = 16.
 */
#include "engine/gf16/gf16.h"

#include <immintrin.h>
#include <string.h>

#include "platform/banned.h"

#define VB 32                   /* bytes per vector */
#define TBL_SIZE 320            /* 8 tables x 32 bytes, then the constant */
#define LOADV(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define STOREV(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))

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

/* Low and high bytes of one source unit times the constant, accumulated. */
static inline void mul_acc(__m256i lo, __m256i hi, const uint8_t *t,
			   __m256i *acc_lo, __m256i *acc_hi)
{
	const __m256i m4 = _mm256_set1_epi8(0x0f);
	__m256i n0 = _mm256_and_si256(lo, m4);
	__m256i n1 = _mm256_and_si256(_mm256_srli_epi16(lo, 4), m4);
	__m256i n2 = _mm256_and_si256(hi, m4);
	__m256i n3 = _mm256_and_si256(_mm256_srli_epi16(hi, 4), m4);

	*acc_lo = _mm256_xor_si256(*acc_lo, _mm256_xor_si256(
		_mm256_xor_si256(_mm256_shuffle_epi8(LOADV(t + 0), n0),
				 _mm256_shuffle_epi8(LOADV(t + 64), n1)),
		_mm256_xor_si256(_mm256_shuffle_epi8(LOADV(t + 128), n2),
				 _mm256_shuffle_epi8(LOADV(t + 192), n3))));
	*acc_hi = _mm256_xor_si256(*acc_hi, _mm256_xor_si256(
		_mm256_xor_si256(_mm256_shuffle_epi8(LOADV(t + 32), n0),
				 _mm256_shuffle_epi8(LOADV(t + 96), n1)),
		_mm256_xor_si256(_mm256_shuffle_epi8(LOADV(t + 160), n2),
				 _mm256_shuffle_epi8(LOADV(t + 224), n3))));
}

static inline void split(const uint8_t *s, __m256i *lo, __m256i *hi)
{
	const __m256i mlo = _mm256_set1_epi16(0x00ff);
	__m256i a = LOADV(s), b = LOADV(s + VB);

	*lo = _mm256_packus_epi16(_mm256_and_si256(a, mlo), _mm256_and_si256(b, mlo));
	*hi = _mm256_packus_epi16(_mm256_srli_epi16(a, 8), _mm256_srli_epi16(b, 8));
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

static void avx2_muladd_multi(void *dst, const void *const *src, size_t off,
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

static void avx2_pack(void *dst, const void *src, size_t len)
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

static void avx2_unpack(void *dst, const void *src, size_t len)
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

static void avx2_muladd_packed(void *dst, const void *const *src, size_t off,
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

const struct gf16_kernel gf16_kernel_avx2 = {
	.name = "avx2",
	.tbl_size = TBL_SIZE,
	.ideal_chunk = 16384,
	.prepare = avx2_prepare,
	.muladd_multi = avx2_muladd_multi,
	.packed_unit = 2 * VB,
	.pack = avx2_pack,
	.unpack = avx2_unpack,
	.muladd_packed = avx2_muladd_packed,
};
