/*
 * test_imaging_hasher.c - rip's two-thread stream hasher: the digests
 * equal one-thread hashsets over the same bytes for every algorithm mix,
 * and the MD5 snapshots at marks (libisofs tag range ends) equal the MD5
 * of the prefix, wherever the marks fall relative to the buffers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "imaging/rip.h"
#include "platform/banned.h"

#define SIZE (5u * 1024 * 1024 + 4096)

static void ref_digest(const unsigned char *d, size_t len, enum hash_alg alg, char *out)
{
	struct dv_error err = DV_ERROR_INIT;
	struct hashset hs;

	hashset_init(&hs, alg, &err);
	hashset_update(&hs, d, len);
	hashset_final(&hs, &err);
	snprintf(out, HASH_HEX_MAX, "%s", hashset_hex(&hs, alg));
	hashset_release(&hs);
}

int main(void)
{
	static const unsigned masks[] = {
		HASH_MD5 | HASH_SHA1 | HASH_SHA256,
		HASH_MD5 | HASH_SHA1 | HASH_SHA256 | HASH_SHA512,
		HASH_MD5, HASH_SHA256, HASH_MD5 | HASH_SHA512,
	};
	static const size_t chunks[] = { 1u << 20, 4096, 3u << 20 };
	const uint64_t marks[] = { 19 * 2048, 1u << 20, SIZE - 2048, 2 * (1u << 20) + 2048 };
	unsigned char *data = malloc(SIZE), *buf[2];
	struct dv_error err = DV_ERROR_INIT;

	tap_plan_lazy();
	buf[0] = malloc(3u << 20);
	buf[1] = malloc(3u << 20);
	for (size_t i = 0; i < SIZE; i++)
		data[i] = (unsigned char)((i * 7919u) ^ (i >> 11));

	for (size_t m = 0; m < sizeof(masks) / sizeof(masks[0]); m++)
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			struct rip_hasher *h;
			struct rip_digests out;
			int which = 0, ok = 1;

			if (rip_hasher_start(&h, masks[m], 2, &err) < 0) {
				tap_ok(0, "start: %s", err.msg);
				continue;
			}
			for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
				rip_hasher_mark(h, marks[k]);
			for (size_t off = 0; off < SIZE; off += chunks[c]) {
				size_t len = SIZE - off < chunks[c] ? SIZE - off : chunks[c];

				memcpy(buf[which], data + off, len);
				rip_hasher_submit(h, buf[which], len);
				which ^= 1;
			}
			TAP_OK(rip_hasher_finish(h, &out, &err) == 0);
			tap_ok(out.mask == masks[m], "mask %#x chunk %zu: every algorithm present", masks[m], chunks[c]);
			for (int k = 0; k < HASH_NALGS; k++) {
				char want[HASH_HEX_MAX];

				if (!(masks[m] & (1u << k)))
					continue;
				ref_digest(data, SIZE, (enum hash_alg)(1u << k), want);
				if (strcmp(want, out.hex[k]) != 0)
					ok = 0;
			}
			tap_ok(ok, "mask %#x chunk %zu: digests equal one-thread hashsets", masks[m], chunks[c]);
			if (masks[m] & HASH_MD5) {
				int mk = out.n_marks == 4;

				for (size_t k = 0; mk && k < out.n_marks; k++) {
					char want[HASH_HEX_MAX];

					ref_digest(data, out.mark_at[k], HASH_MD5, want);
					if (strcmp(want, out.mark_md5[k]) != 0)
						mk = 0;
				}
				tap_ok(mk, "mask %#x chunk %zu: MD5 at the 4 marks equals the prefix MD5",
				       masks[m], chunks[c]);
			}
		}
	free(buf[0]);
	free(buf[1]);
	free(data);
	return tap_done();
}
