/*
 * test_crc32.c - PAR2's CRC-32: the check value of the catalogue, the
 * carry-less multiplication kernel against slice-by-8 (all lengths from
 * 0 to 1100, unaligned starts, a buffer ending at a PROT_NONE guard page,
 * chained updates), and the sliding window against a fresh CRC.
 */
#include "engine/hash/crc32_clmul.h"
#include "engine/par2/par2_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "platform/banned.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint8_t rnd8(void)
{
	return (uint8_t)(tap_rand(&rng) >> 8);
}

/* bit by bit, the definition */
static uint32_t crc_bitwise(uint32_t c, const uint8_t *p, size_t n)
{
	c = ~c;
	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
	}
	return ~c;
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *map = mmap(NULL, (size_t)page * 3, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *buf = malloc(4096 + 64);
	int bad = 0;

	tap_plan_lazy();
	TAP_OK(map != MAP_FAILED && buf);
	TAP_OK(mprotect(map + 2 * page, (size_t)page, PROT_NONE) == 0);
	TAP_EQ_U64(p2_crc32(0, "123456789", 9), 0xCBF43926u);
	for (size_t i = 0; i < 4096 + 64; i++)
		buf[i] = rnd8();
	for (size_t n = 0; n <= 1100; n++)
		for (size_t a = 0; a < 4; a++)
			bad += p2_crc32(0, buf + a, n) != crc_bitwise(0, buf + a, n);
	tap_ok(!bad, "p2_crc32 equals the bitwise definition for lengths 0..1100 (%d bad)", bad);
	bad = 0;
	for (size_t n = 1; n <= 2 * (size_t)page; n += 61) {
		uint8_t *p = map + 2 * page - n;

		for (size_t i = 0; i < n; i++)
			p[i] = rnd8();
		bad += p2_crc32(0, p, n) != crc_bitwise(0, p, n);
		/* chained: two halves */
		bad += p2_crc32(p2_crc32(0, p, n / 3), p + n / 3, n - n / 3) != crc_bitwise(0, p, n);
	}
	tap_ok(!bad, "at a guard page and chained (%d bad)", bad);
	if (crc32_clmul_usable()) {
		bad = 0;
		for (size_t n = 64; n <= 4096; n += 16)
			for (uint32_t init = 0; init < 3; init++) {
				uint32_t raw = init == 0 ? 0 : init == 1 ? 0xffffffffu : 0x12345678u;
				uint32_t want = ~crc_bitwise(~raw, buf + 3, n);

				bad += crc32_clmul_raw(raw, buf + 3, n) != want;
			}
		tap_ok(!bad, "carry-less kernel equals the definition (%d bad)", bad);
	} else {
		tap_skip("no PCLMULQDQ on this CPU");
	}
	{
		struct p2_crc_window w;
		size_t win = 1000;
		uint32_t raw = p2_crc_raw(buf, win);

		bad = 0;
		p2_crc_window_init(&w, win);
		for (size_t i = 0; i + win < 3000; i++) {
			raw = p2_crc_roll(&w, raw, buf[i], buf[i + win]);
			bad += raw != p2_crc_raw(buf + i + 1, win);
		}
		tap_ok(!bad, "sliding window equals a fresh CRC (%d bad)", bad);
	}
	munmap(map, (size_t)page * 3);
	free(buf);
	return tap_done();
}
