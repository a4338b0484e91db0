/*
 * test_gf16.c - GF(2^16) field arithmetic and every region kernel the host
 * supports against the word-at-a-time reference: random constants (with 0
 * and 1), lengths that are not multiples of the vector size, unaligned
 * pointers, and regions that end right before a PROT_NONE guard page.
 */
#include "engine/gf16/gf16.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "platform/banned.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
	return tap_rand(&rng);
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static void test_field(void)
{
	static const uint16_t first[] = { 2, 4, 16, 128, 256, 2048, 8192, 16384,
					  4107, 32856, 17132 };
	uint16_t logs[32768];
	int bad = 0;

	TAP_EQ_U64(gf16_mul(0x8000, 2), 0x100B);
	TAP_EQ_U64(gf16_exp(16), 0x100B);
	for (uint32_t a = 1; a < 65536; a++)
		if (gf16_mul((uint16_t)a, gf16_inv((uint16_t)a)) != 1)
			bad++;
	tap_ok(bad == 0, "a * inv(a) == 1 for every non-zero a (%d bad)", bad);
	bad = 0;
	for (int i = 0; i < 100000; i++) {
		uint16_t a = (uint16_t)rnd(), b = (uint16_t)rnd(), c = (uint16_t)rnd();

		if (gf16_mul(a, (uint16_t)(b ^ c)) != (gf16_mul(a, b) ^ gf16_mul(a, c)))
			bad++;
		if (gf16_mul(gf16_mul(a, b), c) != gf16_mul(a, gf16_mul(b, c)))
			bad++;
	}
	tap_ok(bad == 0, "distributive and associative on random triples");
	TAP_OK(gf16_input_logs(logs, 32768) == 0);
	TAP_OK(gf16_input_logs(logs, 32769) == -1);
	bad = 0;
	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		if (gf16_exp(logs[i]) != first[i])
			bad++;
	tap_ok(bad == 0, "first input constants are 2, 4, 16, 128, ... 17132");
	TAP_EQ_U64(logs[32767], 65534);
	TAP_EQ_U64(gf16_pow(3, 65535), 1);
	TAP_EQ_U64(gf16_coef(logs[5], 0), 1);
}

/* One kernel run against the reference; 0 when equal. */
static int check_once(const struct gf16_kernel *k, uint8_t *dst, uint8_t **src,
		      unsigned n, size_t len, size_t off, int packed)
{
	uint8_t *want = malloc(len + 1), *tbls;
	uint16_t c[32];
	const void *srcs[32];
	int rc;

	tbls = aligned_alloc(64, (size_t)n * k->tbl_size + 64);
	fill(dst, len);
	memcpy(want, dst, len);
	for (unsigned j = 0; j < n; j++) {
		uint32_t r = rnd() % 8;

		c[j] = r == 0 ? 0 : r == 1 ? 1 : (uint16_t)rnd();
		fill(src[j] + off, len);
		srcs[j] = src[j];
		k->prepare(tbls + (size_t)j * k->tbl_size, c[j]);
		gf16_muladd_ref(want, src[j] + off, len, c[j]);
	}
	if (packed) {
		/* in place, as the engine does: pack, multiply-add, unpack */
		k->pack(dst, dst, len);
		for (unsigned j = 0; j < n; j++)
			k->pack(src[j] + off, src[j] + off, len);
		k->muladd_packed(dst, srcs, off, tbls, n, len);
		k->unpack(dst, dst, len);
	} else {
		k->muladd_multi(dst, srcs, off, tbls, n, len);
	}
	rc = memcmp(want, dst, len) != 0;
	free(want);
	free(tbls);
	return rc;
}

static void test_kernel(const struct gf16_kernel *k)
{
	static const size_t lens[] = { 0, 2, 4, 30, 32, 34, 62, 64, 66, 126, 128,
				       130, 190, 254, 256, 1000, 4094, 16418 };
	long page = sysconf(_SC_PAGESIZE);
	size_t region = 5 * (size_t)page;
	uint8_t *src[32], *dst;
	int bad = 0, bad2 = 0, runs = 0;

	/* Heap buffers with random misalignment. */
	for (int j = 0; j < 32; j++)
		src[j] = malloc(16418 + 128);
	dst = malloc(16418 + 128);
	for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++)
		for (int rep = 0; rep < 6; rep++) {
			unsigned n = 1 + rnd() % (rep < 3 ? 4 : 20);
			size_t off = rnd() % 64, doff = rnd() % 64;

			bad += check_once(k, dst + doff, src, n, lens[li], off, 0);
			bad2 += check_once(k, dst + doff, src, n, lens[li], off, 1);
			runs++;
		}
	tap_ok(bad == 0, "%s: %d random runs match the reference (%d differ)",
	       k->name, runs, bad);
	tap_ok(bad2 == 0, "%s: %d packed-layout runs match the reference (%d differ)",
	       k->name, runs, bad2);
	/* pack then unpack is the identity, in place and out of place */
	{
		uint8_t *a = malloc(1000), *b = malloc(1000), *c = malloc(1000);
		int same = 1;

		for (size_t len = 0; len <= 1000; len += 2) {
			for (size_t i = 0; i < len; i++)
				a[i] = (uint8_t)rnd();
			k->pack(b, a, len);
			k->unpack(c, b, len);
			same &= !memcmp(a, c, len);
			memcpy(c, a, len);
			k->pack(c, c, len);
			same &= !memcmp(b, c, len);
			k->unpack(c, c, len);
			same &= !memcmp(a, c, len);
		}
		tap_ok(same, "%s: unpack(pack(x)) == x for every even length to 1000",
		       k->name);
		free(a);
		free(b);
		free(c);
	}
	for (int j = 0; j < 32; j++)
		free(src[j]);
	free(dst);

	/* Regions ending exactly at a PROT_NONE page. */
	bad = 0;
	runs = 0;
	uint8_t *map[3];
	for (int m = 0; m < 3; m++) {
		map[m] = mmap(NULL, region + (size_t)page, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map[m] == MAP_FAILED || mprotect(map[m] + region, (size_t)page,
						      PROT_NONE)) {
			tap_ok(0, "%s: mmap guard page", k->name);
			return;
		}
	}
	for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
		size_t len = lens[li];
		uint8_t *end0 = map[0] + region, *end1 = map[1] + region;
		uint8_t *s2[2] = { end0 - len - 8, end1 - len - 8 };
		uint8_t *d = map[2] + region - len;

		/* sources end at the guard when read at offset 8 */
		bad += check_once(k, d, s2, 2, len, 8, 0);
		bad += check_once(k, d, s2, 2, len, 8, 1);
		runs += 2;
	}
	tap_ok(bad == 0, "%s: %d runs ending at a guard page match", k->name, runs);
	for (int m = 0; m < 3; m++)
		munmap(map[m], region + (size_t)page);
}

int main(void)
{
	const struct gf16_kernel *list[8];
	unsigned n;
	char names[128] = "";

	tap_plan_lazy();
	gf16_init();
	test_field();
	n = gf16_kernel_list(list, 8);
	for (unsigned i = 0; i < n; i++) {
		strncat(names, " ", sizeof(names) - strlen(names) - 1);
		strncat(names, list[i]->name, sizeof(names) - strlen(names) - 1);
	}
	tap_diag("cpu features 0x%x, kernels:%s, default %s", gf16_cpu_features(),
		 names, gf16_kernel_default()->name);
	TAP_OK(n >= 1 && !strcmp(list[0]->name, "scalar"));
	TAP_OK(gf16_kernel_get("nonsense") == NULL);
	for (unsigned i = 0; i < n; i++)
		test_kernel(list[i]);
	return tap_done();
}
