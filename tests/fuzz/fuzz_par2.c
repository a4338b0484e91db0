/*
 * fuzz_par2.c - libFuzzer target for the PAR2 packet parser: any bytes are
 * scanned for packets, and whatever set they describe is resolved into the
 * model verify uses. Must never crash, leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "engine/par2/par2_internal.h"

#include "platform/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p2_reader *r = p2_reader_new();
	struct p2_set set;
	struct dv_error err = DV_ERROR_INIT;
	size_t half = size / 2;

	if (!r)
		return 0;
	/* An odd first byte skips the MD5 checks so the fuzzer can reach the
	 * body checks; even inputs run the real path. */
	if (size && (data[0] & 1))
		p2_reader_skip_md5(r, 1);
	memset(&set, 0, sizeof(set));
	/* two "files": the input split in two, the first one preferred */
	p2_reader_add(r, data, half, 0, 1);
	p2_reader_add(r, data + half, size - half, 1, 0);
	p2_reader_resolve(r, &set, &err);
	p2_reader_free(r);
	p2_set_release(&set);
	return 0;
}
