/*
 * jsonfile.h - writing a JSON document to a file atomically (tmp, fsync,
 * rename), pretty-printed and ending in a newline.
 */
#ifndef DV_JSONFILE_H
#define DV_JSONFILE_H

#include <jansson.h>

#include "platform/error.h"

/* Key order is kept (JSON_PRESERVE_ORDER), two-space indent. */
int json_write_atomic(const char *path, const json_t *j, struct dv_error *err);

#endif
