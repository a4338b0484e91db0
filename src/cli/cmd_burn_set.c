/*
 * cmd_burn_set.c - `discvault burn -i OUT`: burn every disc of an archive
 * set, verify each by reading it back against the SHA-256 recorded when
 * the set was made, and remember what is done so a rerun continues.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/setburn.h"
#include "cli/burn_set.h"
#include "cli/cli.h"
#include "engine/drive/burnjob.h"
#include "engine/drive/drive.h"
#include "platform/log.h"
#include "platform/progress.h"
#include "platform/signals.h"
#include "platform/banned.h"

static void resume_hint(const struct burn_set_args *a, const struct archive_set *s)
{
	size_t done = 0;

	for (size_t i = 0; i < s->ndiscs; i++)
		done += s->discs[i].verified || (s->discs[i].burned && !a->verify);
	log_info("%zu of %zu discs done. To continue: discvault burn -i %s%s%s", done, s->ndiscs,
		 a->input, a->device ? " --device " : "", a->device ? a->device : "");
}

/* Wait for a blank disc; a written one is ejected (the autoloader brings
 * the next). */
static int wait_for_blank(struct drive *d, const struct set_disc *sd, size_t n,
			  struct drive_info *info, struct dv_error *err)
{
	int told = 0;
	uint64_t refused = 0;

	for (;;) {
		if (drive_status(d, info, err) < 0)
			return -1;
		if (info->state == DISC_BLANK)
			return 0;
		if (info->state != DISC_EMPTY && info->state != DISC_UNKNOWN &&
		    info->disc_id != refused) {
			log_warn("the %s in %s is %s, not blank: ejecting it", info->media_name,
				 d->address, disc_state_name(info->state));
			refused = info->disc_id;
			if (drive_eject(d, err) < 0)
				return -1;
			continue;
		}
		if (!told) {
			log_info("Insert a blank disc for disc %u of %zu (label %s) in %s "
				 "(press Ctrl-C to stop)", sd->disc, n, sd->label, d->address);
			told = 1;
		}
		if (cli_sleep_ms(cli_poll_ms()) < 0)
			return dv_error_set(err, DV_ERR_INTERRUPTED, "stopped while waiting for a disc");
	}
}

static int ask_again(unsigned disc)
{
	char line[16];

	if (!isatty(STDIN_FILENO))
		return 0;
	fprintf(stderr, "Burn disc %u again on a new blank disc? [y/N] ", disc);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

int burn_set_run(const struct burn_set_args *a)
{
	struct dv_error err = DV_ERROR_INIT;
	struct archive_set s;
	struct drive *d = NULL;
	struct drive_info info;
	char adr[512], hb[32];
	uint64_t total = 0, done_bytes = 0;
	int rc = 1;

	if (archive_set_load(&s, a->input, &err) < 0) {
		cli_report(&err);
		return 1;
	}
	for (size_t i = 0; i < s.ndiscs; i++) {
		uint64_t size;
		int looks;
		total += s.discs[i].size;
		if (image_check(s.discs[i].image, &size, &looks, &err) < 0 || size != s.discs[i].size) {
			if (!err.msg[0])
				dv_error_set(&err, DV_ERR_FAIL, "'%s' is %llu bytes, the set says %llu",
					     s.discs[i].image, (unsigned long long)size,
					     (unsigned long long)s.discs[i].size);
			cli_report(&err);
			goto out;
		}
	}
	if (a->start > s.ndiscs) {
		cli_error("--start %u: the set has %zu discs", a->start, s.ndiscs);
		goto out;
	}
	if (a->start) {
		/* an explicit start redoes discs from there */
		for (size_t i = a->start - 1; i < s.ndiscs; i++)
			s.discs[i].burned = s.discs[i].verified = 0;
	}
	log_info("Archive set %s generation %u: %zu discs, %s, largest image %s", s.name, s.generation,
		 s.ndiscs, human_bytes(total, hb, sizeof(hb)), human_bytes(s.largest, hb, sizeof(hb)));
	if (a->dry_run) {
		for (size_t i = 0; i < s.ndiscs; i++)
			printf("disc %u of %zu  %-32s  %s  %s\n", s.discs[i].disc, s.ndiscs, s.discs[i].label,
			       s.discs[i].verified ? "done" : a->start && s.discs[i].disc < a->start ? "skip" :
			       "to burn", s.discs[i].image);
		rc = 0;
		goto out;
	}
	if (a->device)
		snprintf(adr, sizeof(adr), "%s", a->device);
	else if (drive_default_address(adr, sizeof(adr), &err) < 0) {
		cli_report(&err);
		goto out;
	}
	if (drive_open(&d, adr, &err) < 0) {
		cli_report(&err);
		goto out;
	}
	for (size_t i = 0; i < s.ndiscs; i++) {
		struct set_disc *sd = &s.discs[i];
		struct burn_result br;
		char disc_sha[65];
		int kbps;

		if ((a->start && sd->disc < a->start) || sd->verified || (!a->verify && sd->burned)) {
			done_bytes += sd->size;
			continue;
		}
again:
		log_step(sd->label);
		if (wait_for_blank(d, sd, s.ndiscs, &info, &err) < 0) {
			cli_report(&err);
			rc = err.code == DV_ERR_INTERRUPTED ? 130 : 1;
			goto hint;
		}
		if (info.capacity < s.largest) {
			cli_error("the %s in %s holds %llu bytes, less than the largest image of the set "
				  "(%llu bytes): use larger media", info.media_name, adr,
				  (unsigned long long)info.capacity, (unsigned long long)s.largest);
			goto hint;
		}
		kbps = cli_speed_kbps(a->speed_factor, a->speed_kbps, info.media);
		log_info("Disc %u of %zu (%s): burning %s; set %.0f%% done", sd->disc, s.ndiscs, sd->label,
			 human_bytes(sd->size, hb, sizeof(hb)),
			 total ? 100.0 * (double)done_bytes / (double)total : 0.0);
		signals_set_guarded(1);
		rc = burn_image_file(d, sd->image, sd->size, kbps, signals_flag(), &br, &err);
		signals_set_guarded(0);
		if (rc < 0) {
			cli_report(&err);
			rc = err.code == DV_ERR_INTERRUPTED ? 130 : 1;
			goto hint;
		}
		rc = 1;
		if (strcmp(br.sha256, sd->sha256) != 0) {
			cli_error("'%s' changed since the set was made (SHA-256 %s, the set says %s); "
				  "the disc just burned is not part of the set", sd->image, br.sha256, sd->sha256);
			goto hint;
		}
		sd->burned = 1;
		sd->verified = 0;
		if (archive_set_save_state(&s, &err) < 0)
			log_warn("cannot record progress: %s", err.msg);
		if (a->verify) {
			if (readback_sha256(d, sd->size, signals_flag(), disc_sha, NULL, &err) < 0 ||
			    strcmp(disc_sha, sd->sha256) != 0) {
				if (err.code == DV_ERR_INTERRUPTED) {
					cli_report(&err);
					rc = 130;
					goto hint;
				}
				log_error("Checksum mismatch: disc %u (%s) does not hold its image%s%s",
					  sd->disc, sd->label, err.msg[0] ? ": " : "", err.msg);
				dv_error_clear(&err);
				sd->burned = 0;
				archive_set_save_state(&s, &err);
				drive_eject(d, &err);
				if (ask_again(sd->disc))
					goto again;
				rc = 2;
				goto hint;
			}
			sd->verified = 1;
			log_ok("Disc %u of %zu verified: SHA-256 %s", sd->disc, s.ndiscs, disc_sha);
		} else {
			log_info("Disc %u of %zu burned; verification skipped (--no-verify)", sd->disc, s.ndiscs);
		}
		if (archive_set_save_state(&s, &err) < 0)
			log_warn("cannot record progress: %s", err.msg);
		done_bytes += sd->size;
		if (drive_eject(d, &err) < 0) {
			log_warn("cannot eject: %s", err.msg);
			dv_error_clear(&err);
		}
	}
	log_ok("SUCCESS: all %zu discs of %s generation %u burned%s", s.ndiscs, s.name, s.generation,
	       a->verify ? " and verified" : "");
	rc = 0;
	goto out;
hint:
	resume_hint(a, &s);
out:
	drive_close(d);
	archive_set_release(&s);
	return rc;
}
