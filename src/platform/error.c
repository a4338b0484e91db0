/*
 * error.c - filling struct dv_error.
 */
#include "platform/error.h"

#include <stdio.h>
#include <errno.h>
#include <string.h>

int dv_error_set(struct dv_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->code = code ? code : DV_ERR_FAIL;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int dv_error_errno(struct dv_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err)
		return -1;
	err->code = errnum == ENOSPC ? DV_ERR_NOSPACE :
		    errnum == ENOENT ? DV_ERR_NOTFOUND : DV_ERR_FAIL;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
	return -1;
}

int dv_error_prefix(struct dv_error *err, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	va_list ap;
	size_t n;

	if (!err)
		return -1;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", old);
	if (!err->code)
		err->code = DV_ERR_FAIL;
	return -1;
}

void dv_error_clear(struct dv_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
