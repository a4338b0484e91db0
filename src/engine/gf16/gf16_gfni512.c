/*
 * gf16_gfni512.c - the GFNI kernel of gf16_gfni.c on 512-bit vectors.
 * Built with -mavx512f -mavx512bw -mgfni only; used when the CPU has
 * AVX512BW and GFNI and the OS saves ZMM state. Sums use VPTERNLOGQ.
 */
#include "engine/gf16/gf16.h"

#include <immintrin.h>
#include <string.h>

#include "platform/banned.h"

#define VB 64
#define TBL_SIZE 320            /* 4 matrices x 64 bytes, then the constant */
#define LOADV(p) _mm512_loadu_si512((const void *)(p))
#define STOREV(p, v) _mm512_storeu_si512((void *)(p), (v))

static void gfni512_prepare(void *tbl, uint16_t c)
{
	uint64_t m[4];
	uint8_t *o = tbl;

	gf16_affine_matrices(m, c);
	for (int k = 0; k < 4; k++)
		for (int r = 0; r < 8; r++)
			memcpy(o + 64 * k + 8 * r, &m[k], 8);
	memset(o + 256, 0, TBL_SIZE - 256);
	memcpy(o + 256, &c, sizeof(c));
}

static inline void split(const uint8_t *s, __m512i *lo, __m512i *hi)
{
	const __m512i mlo = _mm512_set1_epi16(0x00ff);
	__m512i a = LOADV(s), b = LOADV(s + VB);

	*lo = _mm512_packus_epi16(_mm512_and_si512(a, mlo), _mm512_and_si512(b, mlo));
	*hi = _mm512_packus_epi16(_mm512_srli_epi16(a, 8), _mm512_srli_epi16(b, 8));
}

static inline void mul_acc(__m512i lo, __m512i hi, const uint8_t *t,
			   __m512i *acc_lo, __m512i *acc_hi)
{
	*acc_lo = _mm512_ternarylogic_epi64(*acc_lo,
		_mm512_gf2p8affine_epi64_epi8(lo, LOADV(t), 0),
		_mm512_gf2p8affine_epi64_epi8(hi, LOADV(t + 64), 0), 0x96);
	*acc_hi = _mm512_ternarylogic_epi64(*acc_hi,
		_mm512_gf2p8affine_epi64_epi8(lo, LOADV(t + 128), 0),
		_mm512_gf2p8affine_epi64_epi8(hi, LOADV(t + 192), 0), 0x96);
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

static void gfni512_muladd_multi(void *dst, const void *const *src, size_t off,
			      const void *tbls, unsigned n, size_t len)
{
	const uint8_t *tb = tbls;
	uint8_t *d = dst;
	size_t i = 0;

	for (; i + 2 * VB <= len; i += 2 * VB) {
		__m512i acc_lo = _mm512_setzero_si512();
		__m512i acc_hi = _mm512_setzero_si512();

		for (unsigned j = 0; j < n; j++) {
			__m512i lo, hi;

			split((const uint8_t *)src[j] + off + i, &lo, &hi);
			mul_acc(lo, hi, tb + (size_t)j * TBL_SIZE, &acc_lo, &acc_hi);
		}
		STOREV(d + i, _mm512_xor_si512(LOADV(d + i),
			_mm512_unpacklo_epi8(acc_lo, acc_hi)));
		STOREV(d + i + VB, _mm512_xor_si512(LOADV(d + i + VB),
			_mm512_unpackhi_epi8(acc_lo, acc_hi)));
	}
	if (i < len)
		tail_ref(d, src, off, tb, n, i, len);
}

static void gfni512_pack(void *dst, const void *src, size_t len)
{
	const uint8_t *s = src;
	uint8_t *d = dst;
	size_t i = 0;

	for (; i + 2 * VB <= len; i += 2 * VB) {
		__m512i lo, hi;

		split(s + i, &lo, &hi);
		STOREV(d + i, lo);
		STOREV(d + i + VB, hi);
	}
	if (i < len && d != s)
		memmove(d + i, s + i, len - i);
}

static void gfni512_unpack(void *dst, const void *src, size_t len)
{
	const uint8_t *s = src;
	uint8_t *d = dst;
	size_t i = 0;

	for (; i + 2 * VB <= len; i += 2 * VB) {
		__m512i lo = LOADV(s + i), hi = LOADV(s + i + VB);

		STOREV(d + i, _mm512_unpacklo_epi8(lo, hi));
		STOREV(d + i + VB, _mm512_unpackhi_epi8(lo, hi));
	}
	if (i < len && d != s)
		memmove(d + i, s + i, len - i);
}

/*
 * Two units (256 bytes) per step: each input's four matrices are loaded
 * once for both, and the two units give the core independent work.
 */
static void gfni512_muladd_packed(void *dst, const void *const *src, size_t off,
			       const void *tbls, unsigned n, size_t len)
{
	const uint8_t *tb = tbls;
	uint8_t *d = dst;
	size_t i = 0;

	for (; i + 4 * VB <= len; i += 4 * VB) {
		__m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;

		for (unsigned j = 0; j < n; j++) {
			const uint8_t *s = (const uint8_t *)src[j] + off + i;
			const uint8_t *t = tb + (size_t)j * TBL_SIZE;
			__m512i m0 = LOADV(t), m1 = LOADV(t + 64);
			__m512i m2 = LOADV(t + 128), m3 = LOADV(t + 192);
			__m512i lo = LOADV(s), hi = LOADV(s + VB);
			__m512i lo2 = LOADV(s + 2 * VB), hi2 = LOADV(s + 3 * VB);

			a0 = _mm512_ternarylogic_epi64(a0, _mm512_gf2p8affine_epi64_epi8(lo, m0, 0),
						       _mm512_gf2p8affine_epi64_epi8(hi, m1, 0), 0x96);
			a1 = _mm512_ternarylogic_epi64(a1, _mm512_gf2p8affine_epi64_epi8(lo, m2, 0),
						       _mm512_gf2p8affine_epi64_epi8(hi, m3, 0), 0x96);
			a2 = _mm512_ternarylogic_epi64(a2, _mm512_gf2p8affine_epi64_epi8(lo2, m0, 0),
						       _mm512_gf2p8affine_epi64_epi8(hi2, m1, 0), 0x96);
			a3 = _mm512_ternarylogic_epi64(a3, _mm512_gf2p8affine_epi64_epi8(lo2, m2, 0),
						       _mm512_gf2p8affine_epi64_epi8(hi2, m3, 0), 0x96);
		}
		STOREV(d + i, _mm512_xor_si512(LOADV(d + i), a0));
		STOREV(d + i + VB, _mm512_xor_si512(LOADV(d + i + VB), a1));
		STOREV(d + i + 2 * VB, _mm512_xor_si512(LOADV(d + i + 2 * VB), a2));
		STOREV(d + i + 3 * VB, _mm512_xor_si512(LOADV(d + i + 3 * VB), a3));
	}
	for (; i + 2 * VB <= len; i += 2 * VB) {
		__m512i acc_lo = _mm512_setzero_si512();
		__m512i acc_hi = _mm512_setzero_si512();

		for (unsigned j = 0; j < n; j++) {
			const uint8_t *s = (const uint8_t *)src[j] + off + i;

			mul_acc(LOADV(s), LOADV(s + VB), tb + (size_t)j * TBL_SIZE,
				&acc_lo, &acc_hi);
		}
		STOREV(d + i, _mm512_xor_si512(LOADV(d + i), acc_lo));
		STOREV(d + i + VB, _mm512_xor_si512(LOADV(d + i + VB), acc_hi));
	}
	if (i < len)
		tail_ref(d, src, off, tb, n, i, len);
}

const struct gf16_kernel gf16_kernel_gfni512 = {
	.name = "gfni512",
	.tbl_size = TBL_SIZE,
	.ideal_chunk = 16384,
	.prepare = gfni512_prepare,
	.muladd_multi = gfni512_muladd_multi,
	.packed_unit = 2 * VB,
	.pack = gfni512_pack,
	.unpack = gfni512_unpack,
	.muladd_packed = gfni512_muladd_packed,
};
