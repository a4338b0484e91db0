/*
 * fuzz_mapfile.c - libFuzzer target for the ddrescue mapfile parser: a
 * mapfile left next to an image is read back on resume, so any bytes must
 * be rejected cleanly, and whatever is accepted must be contiguous and
 * survive format -> parse unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imaging/mapfile.h"

#include "platform/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mapfile m, again;
	struct dv_error err = DV_ERROR_INIT;
	uint64_t next = 0;
	char *text;

	if (mapfile_parse((const char *)data, size, &m, &err) < 0)
		return 0;
	for (size_t i = 0; i < m.n; i++) {
		if (m.b[i].pos != next || !m.b[i].size)
			__builtin_trap();
		next = m.b[i].pos + m.b[i].size;
	}
	text = mapfile_format(&m, "fuzz");
	if (text) {
		if (mapfile_parse(text, strlen(text), &again, &err) < 0 ||
		    again.n != m.n || mapfile_size(&again) != mapfile_size(&m))
			__builtin_trap();
		mapfile_release(&again);
		free(text);
	}
	if (m.n && mapfile_set(&m, m.b[0].size / 2, 4096, MAP_BAD, &err) == 0 &&
	    mapfile_size(&m) != next)
		__builtin_trap();
	mapfile_release(&m);
	return 0;
}
