/*
 * fuzz_inspect.c - libFuzzer target for every parser of untrusted disc
 * bytes: the inspect structure parsers and size check, the XML and JSON
 * renderers, and the ISO 9660 tree reader in each namespace with file
 * reads over the extents it finds.
 *
 * The input is the start of an image. Since the interesting structures
 * sit at byte 32768 and beyond (sector 256 for UDF), short inputs are
 * also laid out sparsely: input chunk k of 2048 bytes goes to a sector
 * chosen by a byte of the input, so small inputs reach every parser.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/iso/blksrc.h"
#include "engine/iso/inspect.h"
#include "engine/iso/isotree.h"
#include "platform/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run_all(const unsigned char *img, size_t len)
{
	struct inspect_fileinfo fi = {"f.iso", "/f.iso", len, 0, 1};
	struct dv_error err = DV_ERROR_INIT;
	struct inspect_report rep;
	struct blksrc src;
	unsigned char buf[4096];
	char *xml;
	json_t *j;
	int ns;

	blksrc_init_mem(&src, img, len);
	inspect_run(&src, len % 3, &rep, &err);
	xml = inspect_report_xml(&rep, &fi, "discvault", "fuzz");
	free(xml);
	j = inspect_report_json(&rep, &fi, "discvault", "fuzz");
	json_decref(j);
	inspect_report_release(&rep);

	for (ns = ISOTREE_NAMES_AUTO; ns <= ISOTREE_NAMES_ISO; ns++) {
		struct isotree t;

		if (isotree_read(&src, 0, (enum isotree_names)ns, &t, &err) == 0) {
			size_t i;

			for (i = 0; i < t.n && i < 64; i++)
				isotree_read_file(&src, &t.entries[i], i * 1000, buf, sizeof(buf),
						  &err);
		}
		isotree_release(&t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *img;
	size_t nchunks, k, len;

	run_all(data, size);

	/* Sparse layout: header byte k picks the sector of chunk k. */
	if (size < 16)
		return 0;
	nchunks = (size - 16) / 2048 + 1;
	if (nchunks > 16)
		nchunks = 16;
	len = 300 * 2048;
	img = calloc(1, len);
	if (!img)
		return 0;
	for (k = 0; k < nchunks; k++) {
		size_t from = 16 + k * 2048, n = size - from < 2048 ? size - from : 2048;
		size_t sector = k == 0 ? 16 : (size_t)data[k] % 300;

		if (from >= size)
			break;
		memcpy(img + sector * 2048, data + from, n);
	}
	run_all(img, (size_t)data[0] * 2048 + len - 255 * 2048);
	free(img);
	return 0;
}
