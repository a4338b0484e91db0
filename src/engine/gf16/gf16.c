/*
 * gf16.c - GF(2^16) tables and scalar arithmetic, the PAR2 input constants,
 * the reference (scalar) region kernel, and run-time kernel selection.
 */
#include "engine/gf16/gf16.h"

#include <cpuid.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "platform/banned.h"

static uint16_t gf_log[65536];
static uint16_t gf_exp[2 * 65535];
static pthread_once_t gf_once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
	uint32_t b = 1;

	for (uint32_t n = 0; n < GF16_ORDER; n++) {
		gf_exp[n] = (uint16_t)b;
		gf_exp[n + GF16_ORDER] = (uint16_t)b;
		gf_log[b] = (uint16_t)n;
		b <<= 1;
		if (b & 0x10000)
			b ^= GF16_POLY;
	}
	gf_log[0] = 0;
}

void gf16_init(void)
{
	pthread_once(&gf_once, build_tables);
}

uint16_t gf16_mul(uint16_t a, uint16_t b)
{
	gf16_init();
	if (!a || !b)
		return 0;
	return gf_exp[gf_log[a] + gf_log[b]];
}

uint16_t gf16_div(uint16_t a, uint16_t b)
{
	gf16_init();
	if (!a)
		return 0;
	return gf_exp[gf_log[a] + GF16_ORDER - gf_log[b]];
}

uint16_t gf16_inv(uint16_t a)
{
	return gf16_div(1, a);
}

uint16_t gf16_exp(uint32_t n)
{
	gf16_init();
	return gf_exp[n % GF16_ORDER];
}

uint16_t gf16_log(uint16_t a)
{
	gf16_init();
	return gf_log[a];
}

uint16_t gf16_pow(uint16_t a, uint32_t n)
{
	gf16_init();
	if (!n)
		return 1;
	if (!a)
		return 0;
	return gf_exp[(uint32_t)(((uint64_t)gf_log[a] * n) % GF16_ORDER)];
}

int gf16_input_logs(uint16_t *logs, uint32_t n)
{
	uint32_t l = 0;

	if (n > 32768)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		do
			l++;
		while (l % 3 == 0 || l % 5 == 0 || l % 17 == 0 || l % 257 == 0);
		logs[i] = (uint16_t)l;
	}
	return 0;
}

void gf16_muladd_ref(void *dst, const void *src, size_t len, uint16_t c)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	for (size_t i = 0; i + 1 < len; i += 2) {
		uint16_t w = (uint16_t)(s[i] | s[i + 1] << 8);
		uint16_t p = gf16_mul(w, c);

		d[i] ^= (uint8_t)p;
		d[i + 1] ^= (uint8_t)(p >> 8);
	}
}

/* c * 2^j for j < 16, by repeated doubling (no table look-ups). */
static void doubles(uint16_t col[16], uint16_t c)
{
	uint32_t x = c;

	for (int j = 0; j < 16; j++) {
		col[j] = (uint16_t)x;
		x <<= 1;
		if (x & 0x10000)
			x ^= GF16_POLY;
	}
}

void gf16_nibble_tables(uint8_t out[8][16], uint16_t c)
{
	uint16_t col[16];

	doubles(col, c);
	for (int k = 0; k < 4; k++)
		for (int v = 0; v < 16; v++) {
			uint16_t p = 0;

			for (int b = 0; b < 4; b++)
				if (v >> b & 1)
					p ^= col[4 * k + b];
			out[2 * k][v] = (uint8_t)p;
			out[2 * k + 1][v] = (uint8_t)(p >> 8);
		}
}

/* Transpose an 8x8 bit matrix held as 8 bytes (Hacker's Delight 7-3). */
static uint64_t transpose8(uint64_t x)
{
	uint64_t t;

	t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAull;
	x = x ^ t ^ (t << 7);
	t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCull;
	x = x ^ t ^ (t << 14);
	t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0ull;
	return x ^ t ^ (t << 28);
}

/*
 * The map x -> c*x is linear over GF(2), a 16x16 bit matrix made of four 8x8
 * blocks (low/high byte in, low/high byte out). GF2P8AFFINEQB computes
 * result bit i as the parity of (matrix byte 7-i) AND x, so row i of a block
 * goes in byte 7-i. out[0]: lo<-lo, out[1]: lo<-hi, out[2]: hi<-lo,
 * out[3]: hi<-hi. Column j of the big matrix is c * 2^j; a block is the
 * transpose of its eight column bytes, byte-reversed.
 */
void gf16_affine_matrices(uint64_t out[4], uint16_t c)
{
	uint16_t col[16];

	doubles(col, c);
	for (int ob = 0; ob < 2; ob++)
		for (int ib = 0; ib < 2; ib++) {
			uint64_t x = 0;

			for (int j = 0; j < 8; j++)
				x |= (uint64_t)((col[8 * ib + j] >> (8 * ob)) & 0xff) << (8 * j);
			out[2 * ob + ib] = __builtin_bswap64(transpose8(x));
		}
}

/* The scalar kernel: two 256-entry product tables per constant. */
static void scalar_prepare(void *tbl, uint16_t c)
{
	uint16_t *t = tbl;

	for (int v = 0; v < 256; v++) {
		t[v] = gf16_mul(c, (uint16_t)v);
		t[256 + v] = gf16_mul(c, (uint16_t)(v << 8));
	}
}

static void scalar_muladd_multi(void *dst, const void *const *src, size_t off,
				const void *tbls, unsigned n, size_t len)
{
	uint8_t *d = dst;

	for (unsigned j = 0; j < n; j++) {
		const uint16_t *t = (const uint16_t *)((const uint8_t *)tbls +
						       (size_t)j * 1024);
		const uint8_t *s = (const uint8_t *)src[j] + off;

		for (size_t i = 0; i + 1 < len; i += 2) {
			uint16_t p = t[s[i]] ^ t[256 + s[i + 1]];

			d[i] ^= (uint8_t)p;
			d[i + 1] ^= (uint8_t)(p >> 8);
		}
	}
}

static void scalar_pack(void *dst, const void *src, size_t len)
{
	if (dst != src)
		memmove(dst, src, len);
}

const struct gf16_kernel gf16_kernel_scalar = {
	.name = "scalar",
	.tbl_size = 1024,
	.ideal_chunk = 16384,
	.prepare = scalar_prepare,
	.muladd_multi = scalar_muladd_multi,
	.packed_unit = 2,
	.pack = scalar_pack,
	.unpack = scalar_pack,
	.muladd_packed = scalar_muladd_multi,
};

/* ---- CPU detection ---- */

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

unsigned gf16_cpu_features(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d, f = 0;
	uint64_t xcr0 = 0;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (c & bit_SSSE3)
		f |= GF16_CPU_SSSE3;
	if (!(c & bit_OSXSAVE) || !(c & bit_AVX))
		return f;
	xcr0 = xgetbv0();
	if ((xcr0 & 6) != 6)            /* SSE and AVX state enabled */
		return f;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return f;
	if (b & bit_AVX2)
		f |= GF16_CPU_AVX2;
	if ((f & GF16_CPU_AVX2) && (c & bit_GFNI))
		f |= GF16_CPU_GFNI;
	if ((xcr0 & 0xe6) == 0xe6 && (b & bit_AVX512F) && (b & bit_AVX512BW))
		f |= GF16_CPU_AVX512BW;
	return f;
#else
	return 0;
#endif
}

struct kernel_entry {
	const struct gf16_kernel *k;
	unsigned needs;
};

static const struct kernel_entry kernels[] = {
	{ &gf16_kernel_scalar, 0 },
#if defined(__x86_64__)
	{ &gf16_kernel_ssse3, GF16_CPU_SSSE3 },
	{ &gf16_kernel_avx2, GF16_CPU_AVX2 },
	{ &gf16_kernel_gfni, GF16_CPU_AVX2 | GF16_CPU_GFNI },
	{ &gf16_kernel_gfni512, GF16_CPU_GFNI | GF16_CPU_AVX512BW },
#endif
};

unsigned gf16_kernel_list(const struct gf16_kernel **out, unsigned max)
{
	unsigned f = gf16_cpu_features(), n = 0;

	for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++)
		if ((kernels[i].needs & f) == kernels[i].needs && n < max)
			out[n++] = kernels[i].k;
	return n;
}

const struct gf16_kernel *gf16_kernel_get(const char *name)
{
	const struct gf16_kernel *list[8];
	unsigned n = gf16_kernel_list(list, 8);

	for (unsigned i = 0; i < n; i++)
		if (!strcmp(list[i]->name, name))
			return list[i];
	return NULL;
}

const struct gf16_kernel *gf16_kernel_default(void)
{
	const struct gf16_kernel *list[8];
	const char *env = getenv("DV_GF16_KERNEL");
	unsigned n;

	gf16_init();
	if (env && *env) {
		const struct gf16_kernel *k = gf16_kernel_get(env);

		if (k)
			return k;
	}
	n = gf16_kernel_list(list, 8);
	/* The list runs slowest first; on the Zen 5 hosts this project runs on
	 * the 512-bit GFNI kernel measured fastest (docs/benchmarks/par2.md). */
	return list[n - 1];
}
