/*
 * md5mb.c - MD5 of several messages at once: the portable compression
 * function, buffering and padding, and the scheduler that hands runs of
 * equal length to the vector kernel chosen for this CPU.
 */
#include <stdint.h>

#include "engine/hash/md5mb.h"
#include "engine/hash/md5mb_rounds.h"

#include <stdlib.h>
#include <string.h>

#include "platform/banned.h"

#define MAX_LANES 16

static inline uint32_t rotl32(uint32_t x, unsigned s)
{
	return (x << s) | (x >> (32 - s));
}

static inline uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

#define S_F(b, c, d) ((d) ^ ((b) & ((c) ^ (d))))
#define S_G(b, c, d) ((c) ^ ((d) & ((b) ^ (c))))
#define S_H(b, c, d) ((b) ^ (c) ^ (d))
#define S_I(b, c, d) ((c) ^ ((b) | ~(d)))
#define S_STEP(fn, a, b, c, d, i, k, s) \
	{ a += S_##fn(b, c, d) + m[i] + (k); a = rotl32(a, s) + b; }

static void compress_one(uint32_t h[4], const uint8_t *p, size_t nblocks)
{
	uint32_t m[16];

	for (; nblocks; nblocks--, p += 64) {
		uint32_t a = h[0], b = h[1], c = h[2], d = h[3];

		for (int i = 0; i < 16; i++)
			m[i] = load_le32(p + 4 * i);
		MD5_ROUNDS(S_STEP, a, b, c, d)
		h[0] += a;
		h[1] += b;
		h[2] += c;
		h[3] += d;
	}
}

static void blocks_scalar(uint32_t *const *h, const uint8_t *const *p,
			  unsigned n, size_t nblocks)
{
	for (unsigned i = 0; i < n; i++)
		compress_one(h[i], p[i], nblocks);
}

struct kernel {
	const char *name;
	unsigned lanes;
	md5mb_blocks_fn *fn;
	int (*usable)(void);
	/* optional: for 2..small_lanes messages, a narrower kernel */
	unsigned small_lanes;
	md5mb_blocks_fn *small;
};

static int always(void)
{
	return 1;
}

#if defined(__x86_64__)
static int have_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}

static int have_avx512(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
}
#endif

/* slowest first */
static const struct kernel kernels[] = {
	{ "scalar", 1, blocks_scalar, always, 0, NULL },
#if defined(__x86_64__)
	{ "avx2", 8, md5mb_blocks_avx2, have_avx2, 0, NULL },
	{ "avx512", 16, md5mb_blocks_avx512, have_avx512, 4, md5mb_blocks_avx512x4 },
#endif
};
#define NKERNELS (sizeof(kernels) / sizeof(kernels[0]))

static const struct kernel *active;

static const struct kernel *find(const char *name)
{
	for (size_t i = 0; i < NKERNELS; i++)
		if (!strcmp(kernels[i].name, name))
			return kernels[i].usable() ? &kernels[i] : NULL;
	return NULL;
}

/* Threads choosing at once all pick the same kernel; the pointer is
 * loaded and stored atomically. */
static const struct kernel *kernel(void)
{
	const struct kernel *k = __atomic_load_n(&active, __ATOMIC_ACQUIRE);

	if (k)
		return k;
	const char *env = getenv("DV_MD5_KERNEL");

	k = env && *env ? find(env) : NULL;
	for (size_t i = NKERNELS; !k && i-- > 0;)
		if (kernels[i].usable())
			k = &kernels[i];
	__atomic_store_n(&active, k, __ATOMIC_RELEASE);
	return k;
}

int md5mb_set_kernel(const char *name)
{
	const struct kernel *k = find(name);

	if (!k)
		return -1;
	__atomic_store_n(&active, k, __ATOMIC_RELEASE);
	return 0;
}

const char *md5mb_kernel_name(void)
{
	return kernel()->name;
}

void md5mb_init(struct md5mb_ctx *c)
{
	c->h[0] = 0x67452301u;
	c->h[1] = 0xefcdab89u;
	c->h[2] = 0x98badcfeu;
	c->h[3] = 0x10325476u;
	c->nbytes = 0;
}

/* Top up a partly filled buffer; returns the bytes taken from p. */
static size_t fill(struct md5mb_ctx *c, const uint8_t *p, size_t n)
{
	size_t have = (size_t)(c->nbytes % 64), take = 0;

	if (have) {
		take = 64 - have < n ? 64 - have : n;
		memcpy(c->buf + have, p, take);
		c->nbytes += take;
		if (have + take == 64)
			compress_one(c->h, c->buf, 1);
	}
	return take;
}

static void keep_tail(struct md5mb_ctx *c, const uint8_t *p, size_t n)
{
	memcpy(c->buf, p, n);
	c->nbytes += n;
}

void md5mb_update(struct md5mb_ctx *c, const void *data, size_t n)
{
	md5mb_update_many(&c, &data, &n, 1);
}

void md5mb_final(struct md5mb_ctx *c, uint8_t out[16])
{
	uint8_t pad[72] = { 0x80 };
	uint64_t bits = c->nbytes * 8;
	size_t have = (size_t)(c->nbytes % 64);
	size_t padlen = (have < 56 ? 56 : 120) - have;

	for (int i = 0; i < 8; i++)
		pad[padlen + (size_t)i] = (uint8_t)(bits >> (8 * i));
	md5mb_update(c, pad, padlen + 8);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			out[4 * i + j] = (uint8_t)(c->h[i] >> (8 * j));
}

void md5mb_update_many(struct md5mb_ctx *const *c, const void *const *data,
		       const size_t *len, unsigned n)
{
	const struct kernel *k = kernel();
	const uint8_t *p[MAX_LANES];
	uint32_t *h[MAX_LANES];
	size_t left[MAX_LANES];

	/* MAX_LANES messages at a time */
	for (unsigned base = 0; base < n; base += MAX_LANES) {
		unsigned m = n - base < MAX_LANES ? n - base : MAX_LANES;

		for (unsigned i = 0; i < m; i++) {
			size_t t = fill(c[base + i], data[base + i], len[base + i]);

			p[i] = (const uint8_t *)data[base + i] + t;
			left[i] = len[base + i] - t;
		}
		/*
		 * Whole blocks: up to k->lanes messages that still have some,
		 * as many blocks as the shortest of them has; until none has.
		 */
		for (;;) {
			unsigned idx[MAX_LANES], na = 0;
			size_t nb = SIZE_MAX;

			for (unsigned i = 0; i < m && na < k->lanes; i++)
				if (left[i] >= 64) {
					idx[na++] = i;
					if (left[i] / 64 < nb)
						nb = left[i] / 64;
				}
			if (!na)
				break;
			const uint8_t *pp[MAX_LANES];

			for (unsigned j = 0; j < na; j++) {
				h[j] = c[base + idx[j]]->h;
				pp[j] = p[idx[j]];
			}
			if (na == 1)
				compress_one(h[0], pp[0], nb);
			else if (na <= k->small_lanes)
				k->small(h, pp, na, nb);
			else
				k->fn(h, pp, na, nb);
			for (unsigned j = 0; j < na; j++) {
				p[idx[j]] += nb * 64;
				left[idx[j]] -= nb * 64;
				c[base + idx[j]]->nbytes += (uint64_t)nb * 64;
			}
		}
		for (unsigned i = 0; i < m; i++)
			keep_tail(c[base + i], p[i], left[i]);
	}
}

void md5mb_digest_many(const void *const *p, size_t len, uint8_t (*out)[16],
		       unsigned n)
{
	struct md5mb_ctx ctx[MAX_LANES], *cp[MAX_LANES];
	size_t lens[MAX_LANES];

	for (unsigned base = 0; base < n; base += MAX_LANES) {
		unsigned m = n - base < MAX_LANES ? n - base : MAX_LANES;

		for (unsigned i = 0; i < m; i++) {
			md5mb_init(&ctx[i]);
			cp[i] = &ctx[i];
			lens[i] = len;
		}
		md5mb_update_many(cp, p + base, lens, m);
		for (unsigned i = 0; i < m; i++)
			md5mb_final(&ctx[i], out[base + i]);
	}
}
