/*
 * jsonfile.c - JSON documents written atomically.
 */
#include "platform/jsonfile.h"

#include <stdlib.h>
#include <string.h>

#include "platform/fileio.h"
#include "platform/banned.h"

int json_write_atomic(const char *path, const json_t *j, struct dv_error *err)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	size_t n;
	char *t2;
	int rc;

	if (!text)
		return dv_error_set(err, DV_ERR_FAIL, "cannot format '%s' (out of memory)", path);
	n = strlen(text);
	t2 = realloc(text, n + 2);
	if (!t2) {
		free(text);
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	}
	text = t2;
	text[n] = '\n';
	text[n + 1] = '\0';
	rc = write_file_atomic(path, text, n + 1, 0644, err);
	free(text);
	return rc;
}
