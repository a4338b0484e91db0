/*
 * fuzz_darlist.c - the archive-set name parsers on arbitrary bytes: slice
 * and catalog file names (read from discs, so untrusted) and archive names.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dar/dar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char name[64];
	unsigned gen, sl;
	int cat;
	struct dv_error err = DV_ERROR_INIT;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (dar_parse_slice_name(s, name, sizeof(name), &gen, &cat, &sl) == 0) {
		if (strlen(name) >= sizeof(name) || gen == 0 || sl == 0)
			abort();
	}
	dar_name_check(s, &err);
	free(s);
	return 0;
}
