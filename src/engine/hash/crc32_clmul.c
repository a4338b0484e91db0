/*
 * crc32_clmul.c - CRC-32 by carry-less multiplication (see the header).
 * Built with -mpclmul -msse4.1 only; callers check crc32_clmul_usable().
 *
 * The 128-bit lanes are folded forward by x^(512+-32) and x^(128+-32)
 * mod P (bit-reflected), the last 128 bits reduced to 64 and then 32
 * bits, and a Barrett reduction gives the remainder.
 */
#include "engine/hash/crc32_clmul.h"

#include <immintrin.h>

#include "platform/banned.h"

/* x^(4*128+32) and x^(4*128-32) mod P: fold four lanes 512 bits ahead */
#define K1 0x154442bd4ull
#define K2 0x1c6e41596ull
/* x^(128+32) and x^(128-32) mod P: fold one lane 128 bits ahead */
#define K3 0x1751997d0ull
#define K4 0x0ccaa009eull
/* x^64 mod P: 64 -> 32 bits */
#define K5 0x163cd6124ull
/* Barrett: P' and mu = x^64 / P */
#define POLY 0x1db710641ull
#define MU 0x1f7011641ull

int crc32_clmul_usable(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

static inline __m128i fold(__m128i x, __m128i k, __m128i next)
{
	return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00),
					   _mm_clmulepi64_si128(x, k, 0x11)), next);
}

#define LOAD(p) _mm_loadu_si128((const __m128i *)(p))

uint32_t crc32_clmul_raw(uint32_t raw, const uint8_t *p, size_t n)
{
	const __m128i k12 = _mm_set_epi64x((long long)K2, (long long)K1);
	const __m128i k34 = _mm_set_epi64x((long long)K4, (long long)K3);
	const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
	__m128i x1 = _mm_xor_si128(LOAD(p), _mm_cvtsi32_si128((int)raw));
	__m128i x2 = LOAD(p + 16), x3 = LOAD(p + 32), x4 = LOAD(p + 48), t;

	p += 64;
	n -= 64;
	for (; n >= 64; p += 64, n -= 64) {
		x1 = fold(x1, k12, LOAD(p));
		x2 = fold(x2, k12, LOAD(p + 16));
		x3 = fold(x3, k12, LOAD(p + 32));
		x4 = fold(x4, k12, LOAD(p + 48));
	}
	x1 = fold(x1, k34, x2);
	x1 = fold(x1, k34, x3);
	x1 = fold(x1, k34, x4);
	for (; n >= 16; p += 16, n -= 16)
		x1 = fold(x1, k34, LOAD(p));

	/* 128 -> 64 bits: the low half times x^(128-32)... plus the high half */
	t = _mm_clmulepi64_si128(x1, k34, 0x10);
	x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), t);
	/* 64 -> 32 bits */
	t = _mm_srli_si128(x1, 4);
	x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32),
				  _mm_set_epi64x(0, (long long)K5), 0x00);
	x1 = _mm_xor_si128(x1, t);
	/* Barrett reduction */
	t = x1;
	x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32),
				  _mm_set_epi64x((long long)MU, (long long)POLY), 0x10);
	x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32),
				  _mm_set_epi64x((long long)MU, (long long)POLY), 0x00);
	x1 = _mm_xor_si128(x1, t);
	return (uint32_t)_mm_extract_epi32(x1, 1);
}
