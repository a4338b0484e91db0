/*
 * cmd_burn.c - `discvault burn`: write one ISO image to a blank disc and
 * prove, by reading it back, that the disc holds exactly those bytes.
 *
 * The workflow and messages follow burn_iso.py's specification: validate
 * the image, find the drive, wait for a disc (polling every 3 s, no
 * timeout), check it is blank and large enough, burn, read back and
 * compare SHA-256, summary. Exit 0 only when every stage succeeded, 1 on
 * failure, 2 on checksum mismatch, 130 when interrupted.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/burn_set.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/drive/burnjob.h"
#include "engine/drive/drive.h"
#include "platform/log.h"
#include "platform/progress.h"
#include "platform/signals.h"
#include "platform/banned.h"

#define EXIT_MISMATCH 2
#define EXIT_INTERRUPTED 130

static void usage(FILE *f)
{
	fputs(
"usage: discvault burn [options] IMAGE.iso\n"
"       discvault burn --iso-path IMAGE.iso [options]\n"
"       discvault burn -i OUT [--start N] [--no-verify] [-S SPEED] [-D DEV]\n"
"\n"
"Burn an ISO image to a blank disc, then read the disc back and compare its\n"
"SHA-256 with the image's.\n"
"\n"
"  --iso-path PATH     the image to burn (or give it as the argument)\n"
"  --verify            read back and compare SHA-256 (the default)\n"
"  --skip-verify       do not read back (faster; nothing is proven)\n"
"  --device DEV        drive to use: /dev/srN, stdio:FILE, sim:DIR or mac:N\n"
"                      (default: $DISCVAULT_DEVICE, else the first drive found)\n"
"  --speed X           write speed: 4 or 4x (times 1x of the medium), 8000k\n"
"                      (kB/s) or max; lower is safer\n"
"  --logfile FILE      also write the log, with timestamps, to FILE\n"
"  --dry-run           check the image and show what would be done; touch no drive\n"
"  --no-eject          leave the disc in the drive afterwards\n"
"\n"
"Archive sets (made by 'discvault create'):\n"
"  -i, --input OUT     burn every disc of the set in OUT, verifying each against\n"
"                      the SHA-256 recorded at create time; progress is kept in\n"
"                      OUT/NAME-genG.burn.json, so running it again continues\n"
"  --start N           start at disc N (redoing it and the ones after)\n"
"  --no-verify         do not read the discs back\n"
"  -S, -D              short forms of --speed and --device\n"
"  -h, --help          this help\n"
"\n"
"Exit status: 0 burned (and verified), 1 failure, 2 checksum mismatch,\n"
"130 interrupted. The drive is polled every 3 seconds while it has no disc\n"
"($DISCVAULT_POLL_MS changes that, for tests).\n", f);
}

enum { OPT_ISO = 256, OPT_VERIFY, OPT_SKIP_VERIFY, OPT_LOGFILE, OPT_DEVICE,
       OPT_SPEED, OPT_DRY_RUN, OPT_NO_EJECT, OPT_START };

struct burn_args {
	const char *image;
	const char *device;
	const char *logfile;
	const char *speed_arg;
	int speed_factor, speed_kbps;
	int verify;
	int dry_run;
	int eject;
	const char *input;
	unsigned start;
};

static int parse_args(int argc, char **argv, struct burn_args *a)
{
	static const struct option opts[] = {
		{ "iso-path", required_argument, NULL, OPT_ISO },
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "skip-verify", no_argument, NULL, OPT_SKIP_VERIFY },
		{ "no-verify", no_argument, NULL, OPT_SKIP_VERIFY },
		{ "logfile", required_argument, NULL, OPT_LOGFILE },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "no-eject", no_argument, NULL, OPT_NO_EJECT },
		{ "input", required_argument, NULL, 'i' },
		{ "start", required_argument, NULL, OPT_START },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->verify = 1;
	a->eject = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hD:S:i:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ISO: a->image = optarg; break;
		case OPT_VERIFY: a->verify = 1; break;
		case OPT_SKIP_VERIFY: a->verify = 0; break;
		case OPT_LOGFILE: a->logfile = optarg; break;
		case 'D':
		case OPT_DEVICE: a->device = optarg; break;
		case 'S':
		case OPT_SPEED:
			a->speed_arg = optarg;
			if (cli_parse_speed(optarg, &a->speed_factor, &a->speed_kbps) < 0) {
				cli_error("invalid --speed '%s' (use e.g. 4, 4x, 8000k or max)", optarg);
				return -1;
			}
			break;
		case OPT_DRY_RUN: a->dry_run = 1; break;
		case OPT_NO_EJECT: a->eject = 0; break;
		case 'i': a->input = optarg; break;
		case OPT_START: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v == 0 || v > 99999) {
				cli_error("invalid --start '%s' (a disc number from 1)", optarg);
				return -1;
			}
			a->start = (unsigned)v;
			break;
		}
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		if (a->image || optind + 1 < argc) {
			cli_error("burn takes one image (see 'discvault burn --help')");
			return -1;
		}
		a->image = argv[optind];
	}
	/* a directory given as the image is an archive set */
	if (a->image && !a->input) {
		struct stat st;
		if (stat(a->image, &st) == 0 && S_ISDIR(st.st_mode)) {
			a->input = a->image;
			a->image = NULL;
		}
	}
	if (a->input && a->image) {
		cli_error("give either an image or an archive set (-i OUT), not both");
		return -1;
	}
	if (a->start && !a->input) {
		cli_error("--start is for archive sets (-i OUT)");
		return -1;
	}
	if (!a->image && !a->input) {
		cli_error("no image given (discvault burn --iso-path IMAGE.iso, or -i OUT for an archive set)");
		usage(stderr);
		return -1;
	}
	return 0;
}

static int dry_run(const struct burn_args *a, uint64_t size)
{
	char adr[512], what[1024];
	struct dv_error err = DV_ERROR_INIT;
	const struct drive_ops *ops;
	/* no drive is opened, so the medium is unknown: BD, as the seed */
	int kbps = cli_speed_kbps(a->speed_factor, a->speed_kbps, MEDIA_BD_R);

	printf("Dry run: no drive is touched, nothing is written.\n");
	printf("  image:   %s (%llu bytes, %llu sectors)\n", a->image,
	       (unsigned long long)size, (unsigned long long)(size / DRIVE_SECTOR));
	if (a->device)
		snprintf(adr, sizeof(adr), "%s", a->device);
	else if (drive_default_address(adr, sizeof(adr), &err) < 0) {
		printf("  drive:   none detected (a real run would stop: No drive detected)\n");
		adr[0] = '\0';
	}
	if (adr[0])
		printf("  drive:   %s%s\n", adr, a->device ? "" : " (auto-detected)");
	printf("  speed:   %s%s\n", a->speed_arg ? a->speed_arg : "max",
	       a->speed_factor ? "x (of the medium's 1x; BD: 4496 kB/s)" : "");
	printf("  verify:  %s\n", a->verify ? "yes, read back and compare SHA-256" :
	       "no (--skip-verify)");
	printf("  eject:   %s\n", a->eject ? "yes" : "no");
	ops = adr[0] ? drive_backend_for(adr) : NULL;
	if (ops) {
		ops->describe_write(adr, a->image, size, kbps, what, sizeof(what));
		printf("Would run: %s\n", what);
	}
	log_info("Dry run complete: nothing written");
	return 0;
}

/* Wait until the drive has a disc, telling the operator once. */
static int wait_for_disc(struct drive *d, struct drive_info *info, struct dv_error *err)
{
	int told = 0;

	for (;;) {
		if (drive_status(d, info, err) < 0)
			return -1;
		if (info->state != DISC_EMPTY && info->state != DISC_UNKNOWN)
			return 0;
		if (!told) {
			log_info("\xf0\x9f\x92\xbf  No disc detected in %s. Please insert a blank BD-R/RE\xe2\x80\xa6 "
				 "(press Ctrl-C to cancel)", d->address);
			told = 1;
		}
		if (cli_sleep_ms(cli_poll_ms()) < 0)
			return dv_error_set(err, DV_ERR_INTERRUPTED, "cancelled while waiting for a disc");
	}
}

static int finish(int rc, const char *what)
{
	if (rc == 0)
		log_ok("SUCCESS: %s", what);
	else
		log_error("FAILED: %s", what);
	log_file_only("discvault burn exited with status %d", rc);
	log_close_file();
	return rc;
}

int cmd_burn(int argc, char **argv)
{
	struct burn_args a;
	struct dv_error err = DV_ERROR_INIT;
	struct drive *d = NULL;
	struct drive_info info;
	struct burn_result br;
	char adr[512], disc_sha[65], hb[32], hs[32];
	uint64_t size;
	int looks_iso, rc, kbps;
	double vsec = 0;

	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc > 0 ? 0 : 1;
	/* the log file first: if it cannot be written, nothing else happens */
	if (a.logfile && log_open_file(a.logfile, &err) < 0) {
		cli_report(&err);
		return 1;
	}
	log_file_only("discvault %s burn started", DV_VERSION);
	if (a.input) {
		struct burn_set_args sa = { a.input, a.device, a.speed_factor, a.speed_kbps,
					    a.start, a.verify, a.dry_run };
		rc = burn_set_run(&sa);
		log_close_file();
		return cli_finish_stdout(rc);
	}
	if (image_check(a.image, &size, &looks_iso, &err) < 0) {
		cli_report(&err);
		return finish(1, "image check");
	}
	if (!looks_iso)
		log_warn("'%s' has no ISO 9660 or UDF signature at sector 16; burning it anyway", a.image);
	log_info("Image '%s': %s (%llu bytes)", a.image, human_bytes(size, hb, sizeof(hb)),
		 (unsigned long long)size);
	if (a.dry_run) {
		rc = dry_run(&a, size);
		log_close_file();
		return cli_finish_stdout(rc);
	}
	if (a.device)
		snprintf(adr, sizeof(adr), "%s", a.device);
	else if (drive_default_address(adr, sizeof(adr), &err) < 0) {
		cli_report(&err);
		return finish(1, "No drive detected");
	}
	log_info("Drive: %s", adr);
	if (drive_open(&d, adr, &err) < 0) {
		cli_report(&err);
		return finish(1, "cannot open the drive");
	}
	if (wait_for_disc(d, &info, &err) < 0) {
		cli_report(&err);
		drive_close(d);
		return finish(err.code == DV_ERR_INTERRUPTED ? EXIT_INTERRUPTED : 1, "no disc");
	}
	log_info("Disc: %s, %s, %s free", info.media_name[0] ? info.media_name : "unknown medium",
		 disc_state_name(info.state), human_bytes(info.capacity, hs, sizeof(hs)));
	if (info.state != DISC_BLANK) {
		cli_error("medium not blank: the %s in %s is %s; insert a blank disc",
			  info.media_name, adr, disc_state_name(info.state));
		drive_close(d);
		return finish(1, "medium not blank");
	}
	if (info.capacity < size) {
		cli_error("image too large for the medium: %llu bytes, the %s holds %llu bytes",
			  (unsigned long long)size, info.media_name, (unsigned long long)info.capacity);
		drive_close(d);
		return finish(1, "image does not fit");
	}
	kbps = cli_speed_kbps(a.speed_factor, a.speed_kbps, info.media);
	if (kbps)
		log_info("Write speed: %d kB/s", kbps);
	log_step("Burn");
	signals_set_guarded(1);
	rc = burn_image_file(d, a.image, size, kbps, signals_flag(), &br, &err);
	signals_set_guarded(0);
	if (rc < 0) {
		cli_report(&err);
		drive_close(d);
		return finish(err.code == DV_ERR_INTERRUPTED ? EXIT_INTERRUPTED : 1, "burn");
	}
	log_ok("Burned %s in %.1f s", human_bytes(size, hb, sizeof(hb)), br.seconds);
	log_info("SHA-256 (image): %s", br.sha256);
	if (!a.verify) {
		log_info("Verification skipped (--skip-verify)");
		if (a.eject && drive_eject(d, &err) < 0)
			log_warn("cannot eject: %s", err.msg);
		drive_close(d);
		return finish(0, "disc burned; verification skipped");
	}
	log_step("Verify");
	if (readback_sha256(d, size, signals_flag(), disc_sha, &vsec, &err) < 0) {
		cli_report(&err);
		drive_close(d);
		if (err.code == DV_ERR_INTERRUPTED)
			return finish(EXIT_INTERRUPTED, "verification interrupted");
		log_error("Checksum mismatch: the disc could not be read back in full");
		return finish(EXIT_MISMATCH, "verification");
	}
	log_info("SHA-256 (disc):  %s", disc_sha);
	if (strcmp(disc_sha, br.sha256) != 0) {
		log_error("Checksum mismatch: the disc does not hold the image's bytes");
		drive_close(d);
		return finish(EXIT_MISMATCH, "verification");
	}
	log_ok("Checksums match: the disc holds exactly the image (read back in %.1f s)", vsec);
	if (a.eject && drive_eject(d, &err) < 0)
		log_warn("cannot eject: %s", err.msg);
	drive_close(d);
	return finish(0, "disc burned and verified");
}
