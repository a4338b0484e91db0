/*
 * cmd_extract.c - `discvault extract -o OUT`: restore an archive chain from
 * its discs, inserted in any order, repairing damaged slices with PAR2.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/discview.h"
#include "archive/extract.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/drive/drive.h"
#include "engine/drive/drive_blksrc.h"
#include "platform/fileio.h"
#include "platform/log.h"
#include "platform/signals.h"
#include "platform/banned.h"

static void usage(FILE *f)
{
	fputs(
"usage: discvault extract -o OUT [-w WORK] [-D DEV] [--from DISC]... [--stop-when-empty]\n"
"                         [PATH...]\n"
"\n"
"Restore an archive from its discs, inserted in any order and from any\n"
"generation of the chain. Each disc identifies itself; a disc of another\n"
"archive is refused and a disc already read is recognised. Slices are staged\n"
"with their SHA-512 checked; a damaged slice is repaired with the PAR2 files\n"
"on its disc. After the last disc, dar restores each generation in order.\n"
"\n"
"  -o, --output OUT      where the files are restored\n"
"  -w, --workdir WORK    staging for slices (default OUT/.discvault-work, removed\n"
"                        after a clean restore); a tmpfs keeps it in memory\n"
"  -D, --device DEV      the drive (default: $DISCVAULT_DEVICE, else the first)\n"
"  --from DISC           read this image or directory instead of a drive\n"
"                        (repeatable)\n"
"  --stop-when-empty     when the drive is empty and discs are still missing,\n"
"                        restore what is there instead of waiting (discs made\n"
"                        by the original bd-archive do not record how many\n"
"                        discs their set has: use this, or --from)\n"
"  PATH...               restore only these paths (relative to the archive root);\n"
"                        once a disc's catalog is read, only the discs holding\n"
"                        them (and the last disc, which dar always reads) are\n"
"                        asked for\n"
"\n"
"Files dar could not restore and slices PAR2 could not repair are listed in\n"
"OUT/corrupted-files.txt. Exit status: 0 clean, 1 not clean (see that file)\n"
"or failure, 130 interrupted.\n", f);
}

static void report(const char *what, enum extract_disc_result r)
{
	if (r == EXTRACT_DISC_USED)
		log_ok("Read %s", what);
	else if (r == EXTRACT_DISC_NOT_NEEDED)
		log_info("%s", what);
	else
		log_warn("%s", what);
}

/* Every disc known to be needed has been read and the drive is empty: on
 * a terminal, ask whether more discs (a later generation) follow. */
static int ask_done(unsigned discs_read)
{
	char line[16];

	if (!isatty(STDIN_FILENO))
		return 1;
	fprintf(stderr, "%u disc(s) read and none known to be missing. Restore now, or insert "
		"a disc of a later generation and answer n [Y/n] ", discs_read);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	return line[0] != 'n' && line[0] != 'N';
}

static int from_drive(struct extract_ctx *x, const char *adr, int stop_when_empty,
		      struct dv_error *err)
{
	struct drive *d;
	struct drive_info info;
	char missing[2048], told[2048] = "", what[512];
	uint64_t last_id = 0;
	int rc = -1;

	if (drive_open(&d, adr, err) < 0)
		return -1;
	for (;;) {
		int need;

		if (drive_status(d, &info, err) < 0)
			goto out;
		need = extract_missing(x, missing, sizeof(missing));
		if (info.state == DISC_EMPTY || info.state == DISC_BLANK || info.disc_id == last_id ||
		    info.readable == 0) {
			/* no new disc: done when nothing is missing (an autoloader
			 * has run out, or the operator has no more to give) */
			if (x->discs_read && !need && ask_done(x->discs_read)) {
				rc = 0;
				break;
			}
			if (stop_when_empty && x->discs_read) {
				if (need)
					log_warn("Still missing: %s; restoring what is here", missing);
				rc = 0;
				break;
			}
			if (strcmp(told, need ? missing : "-")) {
				if (need)
					log_info("Insert the next disc (any order). Still needed: %s", missing);
				else
					log_info("Insert a disc of the archive in %s (any order; Ctrl-C to stop)", adr);
				snprintf(told, sizeof(told), "%s", need ? missing : "-");
			}
			if (cli_sleep_ms(cli_poll_ms()) < 0) {
				dv_error_set(err, DV_ERR_INTERRUPTED, "stopped while waiting for a disc");
				goto out;
			}
			continue;
		}
		{
			struct blksrc src = BLKSRC_INIT;
			struct discview v;
			enum extract_disc_result res;
			if (drive_blksrc_from(&src, d, err) < 0 ||
			    discview_open_src(&v, adr, &src, err) < 0)
				goto out;
			rc = extract_collect(x, &v, &res, what, sizeof(what), err);
			discview_close(&v);
			if (rc < 0)
				goto out;
			rc = -1;
			report(what, res);
		}
		last_id = info.disc_id ? info.disc_id : last_id + 1;
		if (drive_eject(d, err) < 0)
			goto out;
		if (signals_interrupted()) {
			dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted");
			goto out;
		}
	}
out:
	drive_close(d);
	return rc;
}

int cmd_extract(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "device", required_argument, NULL, 'D' },
		{ "from", required_argument, NULL, 'f' },
		{ "stop-when-empty", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dv_error err = DV_ERROR_INIT;
	struct extract_ctx x;
	const char *out = NULL, *work = NULL, *device = NULL;
	const char *from[64];
	size_t nfrom = 0;
	char adr[512], missing[2048];
	int stop_when_empty = 0, ch, unclean = 0, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "ho:w:D:", opts, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 'w': work = optarg; break;
		case 'D': device = optarg; break;
		case 'f':
			if (nfrom < 64)
				from[nfrom++] = optarg;
			break;
		case 's': stop_when_empty = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (!out) {
		cli_error("extract needs -o OUT (where to restore)");
		return 1;
	}
	if (extract_init(&x, out, work, &err) < 0) {
		cli_report(&err);
		return 1;
	}
	x.paths = (const char *const *)argv + optind;
	x.npaths = (size_t)(argc - optind);
	if (nfrom) {
		for (size_t i = 0; i < nfrom; i++) {
			struct discview v;
			enum extract_disc_result res;
			char what[512];
			if (discview_open(&v, from[i], &err) < 0 ||
			    (extract_collect(&x, &v, &res, what, sizeof(what), &err) < 0 &&
			     (discview_close(&v), 1))) {
				cli_report(&err);
				goto out;
			}
			discview_close(&v);
			report(what, res);
		}
	} else {
		if (device)
			snprintf(adr, sizeof(adr), "%s", device);
		else if (drive_default_address(adr, sizeof(adr), &err) < 0) {
			cli_report(&err);
			goto out;
		}
		if (from_drive(&x, adr, stop_when_empty, &err) < 0) {
			cli_report(&err);
			rc = err.code == DV_ERR_INTERRUPTED ? 130 : 1;
			goto out;
		}
	}
	if (!x.discs_read) {
		cli_error("no disc of an archive was read");
		goto out;
	}
	if (extract_missing(&x, missing, sizeof(missing)))
		log_warn("Restoring without: %s", missing);
	if (extract_restore(&x, (const char *const *)argv + optind, (size_t)(argc - optind),
			    &unclean, &err) < 0) {
		cli_report(&err);
		goto out;
	}
	if (unclean) {
		log_error("Restore not clean: see %s/corrupted-files.txt", out);
		rc = 1;
	} else {
		log_ok("SUCCESS: archive '%s' restored to %s", x.chain, out);
		if (!work)
			remove_tree(x.work);
		rc = 0;
	}
out:
	extract_release(&x);
	return rc;
}
