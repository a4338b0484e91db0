/*
 * gf16_gfni512.c - the GFNI kernel of gf16_gfni.c on 512-bit vectors.
 * Built with -mavx512f -mavx512bw -mgfni only; used when the CPU has
 * AVX512BW and GFNI and the OS saves ZMM state.
 */
#include "engine/gf16/gf16.h"

#include <immintrin.h>
#include <string.h>

#include "platform/banned.h"

#define TBL_SIZE 320            /* 4 matrices x 64 bytes, then the constant */

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

static void gfni512_muladd_multi(void *dst, const void *const *src, size_t off,
				 const void *tbls, unsigned n, size_t len)
{
	const uint8_t *tb = tbls;
	uint8_t *d = dst;
	const __m512i mlo = _mm512_set1_epi16(0x00ff);
	size_t i = 0;

	for (; i + 128 <= len; i += 128) {
		__m512i acc_lo = _mm512_setzero_si512();
		__m512i acc_hi = _mm512_setzero_si512();

		for (unsigned j = 0; j < n; j++) {
			const uint8_t *s = (const uint8_t *)src[j] + off + i;
			const uint8_t *t = tb + (size_t)j * TBL_SIZE;
			__m512i a = _mm512_loadu_si512(s);
			__m512i b = _mm512_loadu_si512(s + 64);
			__m512i lo = _mm512_packus_epi16(_mm512_and_si512(a, mlo),
							 _mm512_and_si512(b, mlo));
			__m512i hi = _mm512_packus_epi16(_mm512_srli_epi16(a, 8),
							 _mm512_srli_epi16(b, 8));

			acc_lo = _mm512_ternarylogic_epi64(acc_lo,
				_mm512_gf2p8affine_epi64_epi8(lo, _mm512_loadu_si512(t), 0),
				_mm512_gf2p8affine_epi64_epi8(hi, _mm512_loadu_si512(t + 64), 0),
				0x96);
			acc_hi = _mm512_ternarylogic_epi64(acc_hi,
				_mm512_gf2p8affine_epi64_epi8(lo, _mm512_loadu_si512(t + 128), 0),
				_mm512_gf2p8affine_epi64_epi8(hi, _mm512_loadu_si512(t + 192), 0),
				0x96);
		}
		__m512i da = _mm512_loadu_si512(d + i);
		__m512i db = _mm512_loadu_si512(d + i + 64);

		_mm512_storeu_si512(d + i, _mm512_xor_si512(da,
				    _mm512_unpacklo_epi8(acc_lo, acc_hi)));
		_mm512_storeu_si512(d + i + 64, _mm512_xor_si512(db,
				    _mm512_unpackhi_epi8(acc_lo, acc_hi)));
	}
	if (i < len)
		for (unsigned j = 0; j < n; j++) {
			uint16_t c;

			memcpy(&c, tb + (size_t)j * TBL_SIZE + 256, sizeof(c));
			gf16_muladd_ref(d + i, (const uint8_t *)src[j] + off + i,
					len - i, c);
		}
}

const struct gf16_kernel gf16_kernel_gfni512 = {
	.name = "gfni512",
	.tbl_size = TBL_SIZE,
	.ideal_chunk = 16384,
	.prepare = gfni512_prepare,
	.muladd_multi = gfni512_muladd_multi,
};
