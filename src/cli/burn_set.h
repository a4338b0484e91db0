/*
 * burn_set.h - the archive-set mode of `discvault burn` (-i OUT).
 */
#ifndef DV_BURN_SET_H
#define DV_BURN_SET_H

struct burn_set_args {
	const char *input;      /* OUT, or the .set.json */
	const char *device;
	int speed_factor, speed_kbps;
	unsigned start;         /* 0: continue where the last run stopped */
	int verify;
	int dry_run;
};

int burn_set_run(const struct burn_set_args *a);

#endif
