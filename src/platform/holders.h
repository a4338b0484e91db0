/*
 * holders.h - which processes have a file or device open, from /proc
 * (what lsof would say), to tell a user why a drive is busy.
 */
#ifndef DV_HOLDERS_H
#define DV_HOLDERS_H

#include <stddef.h>

/* "1234 (k3b), 99 (udisksd)" for the processes other than this one that
 * have path open; "" when none is found (or /proc cannot tell). */
void holders_describe(const char *path, char *buf, size_t len);

#endif
