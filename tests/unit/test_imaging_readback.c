/*
 * test_imaging_readback.c - rip's read-back of the image file while it is
 * written: the SHA-256 it gives is that of the file's bytes, written in
 * pieces while it reads; a byte changed in the file (not in what was
 * "read from the disc") changes it, so the comparison with the stream's
 * SHA-256 can fail; a file shorter than announced is an error; stopping
 * early is clean.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "imaging/rip.h"
#include "platform/fileio.h"
#include "platform/banned.h"

#define SIZE (40u * 1024 * 1024 + 2048 + 5)	/* a few read-back segments */

static void sha256_hex(const unsigned char *d, size_t len, char out[HASH_HEX_MAX])
{
	struct dv_error err = DV_ERROR_INIT;
	struct hashset hs;

	hashset_init(&hs, HASH_SHA256, &err);
	hashset_update(&hs, d, len);
	hashset_final(&hs, &err);
	snprintf(out, HASH_HEX_MAX, "%s", hashset_hex(&hs, HASH_SHA256));
	hashset_release(&hs);
}

int main(void)
{
	char path[] = "/tmp/dvtest_readback.XXXXXX", want[HASH_HEX_MAX];
	unsigned char *data = malloc(SIZE);
	struct dv_error err = DV_ERROR_INIT;
	struct rip_readback *rb;
	struct rip_digests out;
	uint64_t rnd = 7;
	int fd;

	tap_plan_lazy();
	for (size_t i = 0; i < SIZE; i++)
		data[i] = (unsigned char)tap_rand(&rnd);
	sha256_hex(data, SIZE, want);
	fd = mkstemp(path);
	TAP_OK(fd >= 0 && ftruncate(fd, SIZE) == 0);

	/* written in pieces of 3 MiB while the read-back follows */
	TAP_OK(rip_readback_start(&rb, path, SIZE, &err) == 0);
	for (uint64_t off = 0; off < SIZE; off += 3u << 20) {
		size_t len = SIZE - off < (3u << 20) ? (size_t)(SIZE - off) : 3u << 20;

		pwrite_full(fd, data + off, len, off);
		rip_readback_written(rb, off + len);
	}
	memset(&out, 0, sizeof(out));
	TAP_OK(rip_readback_finish(rb, 1, &out, &err) == 0);
	tap_ok(out.mask == HASH_SHA256 && strcmp(out.hex[2], want) == 0,
	       "the SHA-256 read back is the file's");

	/* a byte of the file changed after it was written: the digest differs */
	TAP_OK(rip_readback_start(&rb, path, SIZE, &err) == 0);
	rip_readback_written(rb, 20u << 20);
	pwrite_full(fd, "\x5a", 1, SIZE - 3);
	rip_readback_written(rb, SIZE);
	TAP_OK(rip_readback_finish(rb, 1, &out, &err) == 0);
	tap_ok(strcmp(out.hex[2], want) != 0, "a byte changed in the file changes the digest");

	/* shorter than announced */
	TAP_OK(ftruncate(fd, SIZE - 4096) == 0);
	TAP_OK(rip_readback_start(&rb, path, SIZE, &err) == 0);
	rip_readback_written(rb, SIZE);
	err = (struct dv_error)DV_ERROR_INIT;
	tap_ok(rip_readback_finish(rb, 1, &out, &err) < 0 && strstr(err.msg, "shorter"),
	       "a short file is an error (%s)", err.msg);

	/* stopped early, and NULL */
	TAP_OK(rip_readback_start(&rb, path, SIZE, &err) == 0);
	rip_readback_written(rb, 17u << 20);
	TAP_OK(rip_readback_finish(rb, 0, NULL, &err) == 0);
	TAP_OK(rip_readback_finish(NULL, 1, &out, &err) == 0);
	err = (struct dv_error)DV_ERROR_INIT;
	tap_ok(rip_readback_start(&rb, "/nonexistent/x.iso", 10, &err) < 0 && rb == NULL,
	       "a missing file is an error (%s)", err.msg);

	close(fd);
	unlink(path);
	free(data);
	return tap_done();
}
