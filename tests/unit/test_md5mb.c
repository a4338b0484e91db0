/*
 * test_md5mb.c - multi-buffer MD5 against OpenSSL: the RFC 1321 test
 * suite, then for every kernel this CPU supports (with "avx512", the
 * 4-lane variant for 2 to 4 messages at a time too), many messages of
 * different lengths fed in uneven pieces from unaligned addresses, with
 * messages that end right before a PROT_NONE guard page.
 */
#include "engine/hash/md5mb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tap.h"
#include "platform/banned.h"

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint32_t rnd(void)
{
	return tap_rand(&rng);
}

static void ref_md5(const void *p, size_t n, uint8_t out[16])
{
	unsigned len = 16;

	EVP_Digest(p, n, out, &len, EVP_md5(), NULL);
}

static void hex(const uint8_t d[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void test_rfc_suite(void)
{
	static const char *const msg[] = {
		"", "a", "abc", "message digest", "abcdefghijklmnopqrstuvwxyz",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		"1234567890123456789012345678901234567890"
		"1234567890123456789012345678901234567890",
	};
	static const char *const want[] = {
		"d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661",
		"900150983cd24fb0d6963f7d28e17f72", "f96b697d7cb7938d525a2f31aaf161d0",
		"c3fcd3d76192e4007dfb496cca67e13b", "d174ab98d277d9f5a5611c2c9f419d9f",
		"57edf4a22be3c955ac49da2e2107b67a",
	};

	for (size_t i = 0; i < sizeof(msg) / sizeof(msg[0]); i++) {
		struct md5mb_ctx c;
		uint8_t d[16];
		char h[33];

		md5mb_init(&c);
		md5mb_update(&c, msg[i], strlen(msg[i]));
		md5mb_final(&c, d);
		hex(d, h);
		TAP_STREQ(h, want[i]);
	}
}

#define MAXN 40

/*
 * n messages with random lengths (some 0, some equal, some long), fed in
 * random pieces through md5mb_update_many; each message sits at an odd
 * offset, and message 0 ends at a guard page.
 */
static int check_many(unsigned n, size_t maxlen, uint8_t *guard_end)
{
	uint8_t *buf[MAXN] = { 0 }, *msg[MAXN] = { 0 };
	size_t len[MAXN] = { 0 }, done[MAXN] = { 0 };
	struct md5mb_ctx ctx[MAXN], *cp[MAXN] = { 0 };
	int bad = 0;

	if (n > MAXN)
		return 1;

	for (unsigned i = 0; i < n; i++) {
		unsigned kind = rnd() % 4;

		len[i] = kind == 0 ? rnd() % 130 : kind == 1 ? maxlen : rnd() % (maxlen + 1);
		if (i == 0 && guard_end && len[0] > 0) {
			buf[0] = NULL;
			msg[0] = guard_end - len[0];
		} else {
			buf[i] = malloc(len[i] + 8);
			msg[i] = buf[i] + 1 + rnd() % 7;
		}
		for (size_t j = 0; j < len[i]; j++)
			msg[i][j] = (uint8_t)rnd();
		md5mb_init(&ctx[i]);
		cp[i] = &ctx[i];
	}
	for (;;) {
		const void *p[MAXN] = { 0 };
		size_t take[MAXN] = { 0 };
		int more = 0;

		for (unsigned i = 0; i < n; i++) {
			size_t left = len[i] - done[i];
			unsigned r = rnd() % 5;

			take[i] = r == 0 ? 0 : r == 1 ? left : rnd() % (left + 1);
			if (r == 2 && take[i] > 64)
				take[i] -= take[i] % 64;    /* whole blocks */
			p[i] = msg[i] + done[i];
		}
		md5mb_update_many(cp, p, take, n);
		for (unsigned i = 0; i < n; i++) {
			done[i] += take[i];
			more |= done[i] < len[i];
		}
		if (!more)
			break;
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t got[16], want[16];

		md5mb_final(&ctx[i], got);
		ref_md5(msg[i], len[i], want);
		if (memcmp(got, want, 16)) {
			tap_diag("message %u of %u (%zu bytes) differs", i, n, len[i]);
			bad++;
		}
		if (i > 0 || !guard_end || len[0] == 0)
			free(buf[i]);
	}
	return bad;
}

static int check_digest_many(unsigned n, size_t len)
{
	uint8_t *data = malloc(n * len + 1), (*out)[16] = malloc(n * 16);
	const void *p[MAXN] = { 0 };
	int bad = 0;

	if (n > MAXN || !data || !out)
		return 1;
	for (size_t j = 0; j < n * len; j++)
		data[j] = (uint8_t)rnd();
	for (unsigned i = 0; i < n; i++)
		p[i] = data + (size_t)i * len;
	md5mb_digest_many(p, len, out, n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t want[16];

		ref_md5(p[i], len, want);
		bad += memcmp(out[i], want, 16) != 0;
	}
	free(data);
	free(out);
	return bad;
}

int main(void)
{
	static const char *const names[] = { "scalar", "avx2", "avx512" };
	static const unsigned counts[] = { 1, 2, 3, 7, 8, 9, 15, 16, 17, 33, MAXN };
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *map = mmap(NULL, (size_t)page * 4, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	tap_plan_lazy();
	test_rfc_suite();
	TAP_OK(map != MAP_FAILED);
	TAP_OK(mprotect(map + 3 * page, (size_t)page, PROT_NONE) == 0);
	TAP_OK(md5mb_set_kernel("no-such-kernel") == -1);
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		int bad = 0;

		if (md5mb_set_kernel(names[k])) {
			tap_skip(names[k]);
			continue;
		}
		TAP_STREQ(md5mb_kernel_name(), names[k]);
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
			for (int round = 0; round < 6; round++)
				bad += check_many(counts[c], round < 3 ? 300 : 3 * (size_t)page,
						  map + 3 * page);
		tap_ok(!bad, "%s: update_many matches OpenSSL (%d mismatches)", names[k], bad);
		bad = 0;
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
			bad += check_digest_many(counts[c], 64 * (1 + rnd() % 40) + (c & 1) * 13);
		tap_ok(!bad, "%s: digest_many matches OpenSSL (%d mismatches)", names[k], bad);
	}
	munmap(map, (size_t)page * 4);
	return tap_done();
}
