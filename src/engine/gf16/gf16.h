/*
 * gf16.h - arithmetic in GF(2^16) with the PAR2 generator polynomial 0x1100B,
 * and the region multiply-add kernels the PAR2 engine runs on.
 *
 * A kernel computes dst ^= sum_j c_j * src_j over regions of 16-bit
 * little-endian words. Each constant c_j is first turned into a kernel
 * specific table by prepare(); the scalar kernel is the reference the SIMD
 * kernels are tested against. The best kernel the CPU supports is chosen at
 * run time (CPUID + XGETBV) and can be forced with DV_GF16_KERNEL=name.
 */
#ifndef DV_GF16_H
#define DV_GF16_H

#include <stddef.h>
#include <stdint.h>

#define GF16_POLY 0x1100Bu
#define GF16_ORDER 65535u          /* size of the multiplicative group */
#define GF16_TBL_MAX 1024          /* largest per-constant table */

/* Build the log/exp tables (idempotent, thread-safe). Every other function
 * calls it when needed; call it once up front to keep it off hot paths. */
void gf16_init(void);

uint16_t gf16_mul(uint16_t a, uint16_t b);
uint16_t gf16_div(uint16_t a, uint16_t b);    /* b != 0 */
uint16_t gf16_inv(uint16_t a);                /* a != 0 */
uint16_t gf16_exp(uint32_t n);                /* 2^n, n taken mod 65535 */
uint16_t gf16_log(uint16_t a);                /* a != 0 */
/* a^n */
uint16_t gf16_pow(uint16_t a, uint32_t n);

/*
 * PAR2 input constants: block i is multiplied by 2^log[i]^e for recovery
 * exponent e, where log runs over 1, 2, 4, 7, ... (n with gcd(n, 65535) = 1).
 * Fills logs[0..n); returns -1 when n > 32768 (no more constants exist).
 */
int gf16_input_logs(uint16_t *logs, uint32_t n);
/* The coefficient of an input with constant log l in recovery block e. */
static inline uint16_t gf16_coef(uint16_t l, uint32_t e)
{
	return gf16_exp((uint32_t)(((uint64_t)l * e) % GF16_ORDER));
}

/* Reference region multiply-add, one constant, word at a time. */
void gf16_muladd_ref(void *dst, const void *src, size_t len, uint16_t c);

struct gf16_kernel {
	const char *name;
	size_t tbl_size;          /* bytes prepare() writes, a multiple of 64 */
	size_t ideal_chunk;       /* a good region length per call */
	void (*prepare)(void *tbl, uint16_t c);
	/* dst[0, len) ^= sum over j < n of c_j * (src[j] + off)[0, len), where
	 * c_j was prepared into tbls + j * tbl_size. len must be even; no
	 * alignment is required. */
	void (*muladd_multi)(void *dst, const void *const *src, size_t off,
			     const void *tbls, unsigned n, size_t len);
	/*
	 * The same on regions kept in the kernel's own layout, which saves
	 * splitting words into low and high bytes on every pass: pack() a
	 * region once (in place allowed), run muladd_packed() on packed
	 * regions any number of times, unpack() the result. Regions must be
	 * packed and unpacked with the same len and start (offsets passed to
	 * muladd_packed must be multiples of packed_unit). A zero region is
	 * also a packed zero region.
	 */
	size_t packed_unit;
	void (*pack)(void *dst, const void *src, size_t len);
	void (*unpack)(void *dst, const void *src, size_t len);
	void (*muladd_packed)(void *dst, const void *const *src, size_t off,
			      const void *tbls, unsigned n, size_t len);
};

/* The kernel used by default: DV_GF16_KERNEL if set and usable, else the
 * fastest one this CPU supports. */
const struct gf16_kernel *gf16_kernel_default(void);
/* A kernel by name ("scalar", "ssse3", "avx2", "gfni", "gfni512"); NULL if
 * unknown or not supported by this CPU. */
const struct gf16_kernel *gf16_kernel_get(const char *name);
/* All kernels this CPU supports, slowest first; returns the count. */
unsigned gf16_kernel_list(const struct gf16_kernel **out, unsigned max);

/* CPU features the kernels need (CPUID and OS-enabled state via XGETBV). */
enum {
	GF16_CPU_SSSE3 = 1 << 0,
	GF16_CPU_AVX2 = 1 << 1,
	GF16_CPU_GFNI = 1 << 2,      /* GFNI with VEX (256-bit) encoding usable */
	GF16_CPU_AVX512BW = 1 << 3,
};
unsigned gf16_cpu_features(void);

/* Kernel tables, defined in the per-ISA files (do not call directly). */
extern const struct gf16_kernel gf16_kernel_scalar;
extern const struct gf16_kernel gf16_kernel_ssse3;
extern const struct gf16_kernel gf16_kernel_avx2;
extern const struct gf16_kernel gf16_kernel_gfni;
extern const struct gf16_kernel gf16_kernel_gfni512;

/* Helpers the SIMD kernels share (gf16.c). */
void gf16_nibble_tables(uint8_t out[8][16], uint16_t c);
void gf16_affine_matrices(uint64_t out[4], uint16_t c);

#endif
