/*
 * par2_name.c - par2cmdline's file naming: BASE.par2 for the index file,
 * BASE.volF+C.par2 for recovery files with both numbers zero-padded to the
 * widest value in the set, and its variable (1, 2, 4, ...) and uniform
 * distributions of recovery blocks over the files.
 */
#include "engine/par2/par2_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "platform/banned.h"

uint32_t p2_digits(uint32_t v)
{
	uint32_t d = 1;

	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

char *p2_base_of(const char *par2_path)
{
	size_t n = strlen(par2_path);
	char *b;

	if (n > 5 && !strcasecmp(par2_path + n - 5, ".par2"))
		n -= 5;
	b = strndup(par2_path, n);
	if (!b)
		return NULL;
	/* ".vol12+34" or ".vol12-34" at the end */
	char *dot = strrchr(b, '.');
	if (dot && !strncasecmp(dot, ".vol", 4)) {
		const char *p = dot + 4;
		size_t d1 = strspn(p, "0123456789");

		if (d1 && (p[d1] == '+' || p[d1] == '-')) {
			size_t d2 = strspn(p + d1 + 1, "0123456789");

			if (d2 && !p[d1 + 1 + d2])
				*dot = '\0';
		}
	}
	return b;
}

int p2_distribute(uint32_t recovery, uint32_t files, int uniform,
		  uint32_t *counts)
{
	if (!files || files > recovery)
		return -1;
	if (uniform) {
		uint32_t base = recovery / files, rem = recovery % files;

		for (uint32_t i = 0; i < files; i++)
			counts[i] = base + (i < rem);
		return (int)files;
	}
	/* Smallest power-of-two start such that 1+2+4+... over the files
	 * reaches the total; the last file takes what is left. */
	uint64_t low = 1, max = files >= 32 ? UINT64_MAX : (1ull << files) - 1;
	uint32_t left = recovery;

	while (max < recovery) {
		low <<= 1;
		max <<= 1;
	}
	for (uint32_t i = 0; i < files; i++) {
		uint32_t n = i + 1 == files ? left : (uint32_t)(low < left ? low : left);

		counts[i] = n;
		left -= n;
		low <<= 1;
	}
	return (int)files;
}

char *p2_vol_name(const char *base, uint32_t first, uint32_t count,
		  uint32_t width_first, uint32_t width_count)
{
	size_t n = strlen(base) + 64;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s.vol%0*u+%0*u.par2", base, (int)width_first,
			 first, (int)width_count, count);
	return s;
}
