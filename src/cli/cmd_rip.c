/*
 * cmd_rip.c - `discvault rip`: a disc to a bit-perfect ISO image with its
 * log, manifest, file listing and structure report, in <dir>/<name>/.
 *
 * makeiso.py's flags and prompts: missing answers are asked for when
 * standard input is a terminal (the drives with their media are listed,
 * the file name defaults to the volume label), and are an error when it is
 * not: no prompt ever blocks a script. Exit 0 ok, 1 failure, 2 checksum
 * mismatch or incomplete image, 130 interrupted.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/drive/drive.h"
#include "imaging/rip.h"
#include "platform/log.h"
#include "platform/progress.h"
#include "platform/signals.h"
#include "platform/banned.h"

#define EXIT_RIP_FAIL 1

static void usage(FILE *f)
{
	fputs(
"usage: discvault rip [options]\n"
"\n"
"Image a disc into DIR/NAME/: NAME.iso (every readable sector, to the\n"
"medium's end), NAME.iso.log.txt, NAME_manifest.json, NAME_tree.txt (the\n"
"files on the disc, read from the image), NAME_inspect.json and the\n"
"isolyzer-compatible NAME_isolyzer.xml, and NAME.iso.mapfile (GNU ddrescue\n"
"format). MD5, SHA-1 and SHA-256 are computed while reading.\n"
"\n"
"  -D, --device DEV    drive: /dev/srN, sim:DIR or mac:N (asked when missing\n"
"                      on a terminal; else $DISCVAULT_DEVICE or the first drive)\n"
"  --filename NAME     image name without .iso (default on a terminal: the\n"
"                      volume label)\n"
"  --dir PATH          output directory (~ is expanded); NAME/ is made in it\n"
"  --operator NAME     operator name or initials, for the log and manifest\n"
"  --dry-run           show what would be done; write nothing\n"
"  --no-verification   do not read the image file back to compare hashes\n"
"  --second-read       read the disc a second time and compare\n"
"  --sha512            also compute SHA-512\n"
"  --retries N         retry passes over bad sectors (default 1)\n"
"  --no-eject          leave the disc in the drive\n"
"  --force             replace an existing image without asking\n"
"  --read-size SIZE    bytes per large read (default 4M)\n"
"  --logfile FILE      also write the diagnostics, with timestamps, to FILE\n"
"  -h, --help          this help\n"
"\n"
"A damaged disc is read as GNU ddrescue does: good areas first, then the\n"
"edges of bad areas, then sector by sector, then N retries. Unreadable\n"
"sectors are zero-filled and listed in the log, the manifest and the\n"
"mapfile; run the same command again (another drive, a cleaned disc) to\n"
"retry only them. Without a terminal, --filename, --dir and --operator are\n"
"required.\n"
"\n"
"Exit status: 0 imaged and verified, 1 failure, 2 checksum mismatch or\n"
"incomplete image, 130 interrupted (the partial image and mapfile are kept).\n", f);
}

enum { OPT_DRY = 256, OPT_NOVERIFY, OPT_FILENAME, OPT_DIR, OPT_OPERATOR,
       OPT_NOEJECT, OPT_SHA512, OPT_RETRIES, OPT_SECOND, OPT_LOGFILE, OPT_FORCE,
       OPT_CHUNK };

struct rip_args {
	const char *device, *filename, *dir, *op, *logfile;
	int dry_run, verify, eject, sha512, second, force, retries;
	size_t chunk;
};

static int parse_args(int argc, char **argv, struct rip_args *a)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "no-verification", no_argument, NULL, OPT_NOVERIFY },
		{ "filename", required_argument, NULL, OPT_FILENAME },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "operator", required_argument, NULL, OPT_OPERATOR },
		{ "no-eject", no_argument, NULL, OPT_NOEJECT },
		{ "sha512", no_argument, NULL, OPT_SHA512 },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "second-read", no_argument, NULL, OPT_SECOND },
		{ "logfile", required_argument, NULL, OPT_LOGFILE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "read-size", required_argument, NULL, OPT_CHUNK },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->verify = 1;
	a->eject = 1;
	a->retries = 1;
	a->chunk = 4u << 20;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hD:", opts, NULL)) != -1) {
		switch (c) {
		case 'D': a->device = optarg; break;
		case OPT_DRY: a->dry_run = 1; break;
		case OPT_NOVERIFY: a->verify = 0; break;
		case OPT_FILENAME: a->filename = optarg; break;
		case OPT_DIR: a->dir = optarg; break;
		case OPT_OPERATOR: a->op = optarg; break;
		case OPT_NOEJECT: a->eject = 0; break;
		case OPT_SHA512: a->sha512 = 1; break;
		case OPT_SECOND: a->second = 1; break;
		case OPT_LOGFILE: a->logfile = optarg; break;
		case OPT_FORCE: a->force = 1; break;
		case OPT_RETRIES: {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 0 || v > 1000) {
				cli_error("rip: invalid --retries '%s' (0 to 1000)", optarg);
				return -1;
			}
			a->retries = (int)v;
			break;
		}
		case OPT_CHUNK: {
			uint64_t v;

			if (cli_parse_size(optarg, &v) < 0 || v < 4096 || v > (64u << 20) || v % 4096) {
				cli_error("rip: invalid --read-size '%s' (4K to 64M, a multiple of 4K)", optarg);
				return -1;
			}
			a->chunk = (size_t)v;
			break;
		}
		case 'h': usage(stdout); return 1;
		default:
			cli_error("rip: unknown option '%s' (see 'discvault rip --help')", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		cli_error("rip: unexpected argument '%s' (see 'discvault rip --help')", argv[optind]);
		return -1;
	}
	return 0;
}

/* ---- prompts ---- */

/* A line from stdin without its newline (malloc'ed), or NULL at EOF. */
static char *ask(const char *prompt)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	fputs(prompt, stderr);
	fflush(stderr);
	n = getline(&line, &cap, stdin);
	if (n < 0 || signals_interrupted()) {
		free(line);
		fputc('\n', stderr);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
		line[--n] = '\0';
	return line;
}

static void describe_drive(const char *adr, char *buf, size_t len)
{
	struct dv_error err = DV_ERROR_INIT;
	struct drive *d = NULL;
	struct rip_probe p;
	char sz[32];

	if (drive_open(&d, adr, &err) < 0) {
		snprintf(buf, len, "(cannot open: %s)", err.msg);
		return;
	}
	if (rip_probe_drive(d, &p, &err) < 0)
		snprintf(buf, len, "%s %s  [%s]", p.info.vendor, p.info.model, err.msg);
	else
		snprintf(buf, len, "%s %s  [%s, %s, %s%s%s]", p.info.vendor, p.info.model,
			 p.info.media_name, disc_state_name(p.info.state),
			 human_bytes(p.info.readable, sz, sizeof(sz)),
			 p.volume_id[0] ? ", volume " : "", p.volume_id);
	drive_close(d);
}

static char *ask_device(void)
{
	struct dv_error err = DV_ERROR_INIT;
	const char *env = getenv("DISCVAULT_DEVICE");
	char **list = NULL, desc[600];
	size_t n = 0, total;
	char *answer, *pick = NULL;

	if (drive_scan(&list, &n, &err) < 0)
		n = 0;
	fprintf(stderr, "Drives:\n");
	total = n + (env && *env ? 1 : 0);
	for (size_t i = 0; i < total; i++) {
		const char *adr = i < n ? list[i] : env;

		describe_drive(adr, desc, sizeof(desc));
		fprintf(stderr, "  %zu) %-24s %s\n", i + 1, adr, desc);
	}
	if (!total)
		fprintf(stderr, "  (none detected; name one, e.g. /dev/sr0 or sim:DIR)\n");
	for (;;) {
		char *end;
		unsigned long k;

		answer = ask(total ? "Enter drive (number or address, e.g. 1 or /dev/sr0) [1]: " :
			     "Enter drive (e.g. /dev/sr0 or sim:DIR): ");
		if (!answer)
			break;
		if (!*answer && total) {
			pick = strdup(n ? list[0] : env);
			break;
		}
		k = strtoul(answer, &end, 10);
		if (*answer && !*end && k >= 1 && k <= total) {
			pick = strdup(k <= n ? list[k - 1] : env);
			break;
		}
		if (*answer && drive_backend_for(answer)) {
			pick = answer;
			answer = NULL;
			break;
		}
		fprintf(stderr, "'%s' is not a drive\n", answer);
		free(answer);
	}
	free(answer);
	drive_scan_free(list, n);
	return pick;
}

static char *ask_default(const char *prompt, const char *def)
{
	char p[512];
	char *a;

	for (;;) {
		if (def && *def)
			snprintf(p, sizeof(p), "%s [%s]: ", prompt, def);
		else
			snprintf(p, sizeof(p), "%s: ", prompt);
		a = ask(p);
		if (!a)
			return NULL;
		if (!*a && def && *def) {
			free(a);
			return strdup(def);
		}
		if (*a)
			return a;
		free(a);
	}
}

/* The volume label as a file name: [A-Za-z0-9._-], others become _. */
static void label_to_name(const char *label, char *buf, size_t len)
{
	size_t i;

	for (i = 0; label[i] && i + 1 < len; i++) {
		char c = label[i];

		buf[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ? c : '_';
	}
	buf[i] = '\0';
	if (!strcmp(buf, ".") || !strcmp(buf, ".."))
		buf[0] = '\0';
}

static char *expand_home(const char *p)
{
	const char *home = getenv("HOME");
	char *out;
	size_t n;

	if (p[0] != '~' || (p[1] && p[1] != '/') || !home)
		return strdup(p);
	n = strlen(home) + strlen(p) + 1;
	out = malloc(n);
	if (out)
		snprintf(out, n, "%s%s", home, p + 1);
	return out;
}

static char *join_argv(int argc, char **argv)
{
	size_t n = 32;
	char *s, *w;

	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) * 4 + 3;
	s = malloc(n);
	if (!s)
		return NULL;
	w = s + snprintf(s, n, "discvault");
	for (int i = 0; i < argc; i++) {
		int quote = strpbrk(argv[i], " \t'\"$\\") != NULL || !*argv[i];

		*w++ = ' ';
		if (quote)
			*w++ = '\'';
		for (const char *c = argv[i]; *c; c++) {
			if (*c == '\'') {
				memcpy(w, "'\\''", 4);
				w += 4;
			} else {
				*w++ = *c;
			}
		}
		if (quote)
			*w++ = '\'';
	}
	*w = '\0';
	return s;
}

/* ---- output ---- */

static void dry_run(const struct rip *r)
{
	char a[32], b[32];

	printf("Dry run: nothing is written and the disc is not ejected.\n");
	printf("  drive:      %s (%s %s)\n", r->o.device, r->probe.info.vendor, r->probe.info.model);
	printf("  disc:       %s, %s, %" PRIu64 " bytes readable (%s)\n", r->probe.info.media_name,
	       disc_state_name(r->probe.info.state), r->probe.info.readable,
	       human_bytes(r->probe.info.readable, a, sizeof(a)));
	if (r->probe.have_pvd)
		printf("  volume:     '%s', ISO 9660 size %" PRIu64 " bytes (%s)\n", r->probe.volume_id,
		       r->probe.fs_size, human_bytes(r->probe.fs_size, b, sizeof(b)));
	else
		printf("  volume:     no ISO 9660 volume (%s)\n", r->probe.pvd_error);
	printf("  operator:   %s\n", r->o.operator_name);
	printf("  would read: %" PRIu64 " bytes to the medium's end, %s, retries %d\n",
	       r->probe.info.readable,
	       (r->o.hash_mask & HASH_SHA512) ? "MD5+SHA-1+SHA-256+SHA-512" : "MD5+SHA-1+SHA-256",
	       r->o.retries);
	printf("  verify:     %s%s\n", r->o.verify ? "read the image back and compare" : "no (--no-verification)",
	       r->o.second_read ? "; read the disc a second time" : "");
	printf("  would write in %s:\n", r->dir);
	printf("    %s\n    %s\n    %s\n    %s\n    %s\n    %s\n    %s\n",
	       strrchr(r->iso, '/') + 1, strrchr(r->log, '/') + 1, strrchr(r->manifest, '/') + 1,
	       strrchr(r->tree, '/') + 1, strrchr(r->ixml, '/') + 1, strrchr(r->ijson, '/') + 1,
	       strrchr(r->map, '/') + 1);
	printf("  then:       %s\n", r->o.eject ? "eject the disc" : "leave the disc in the drive");
}

static void summary(const struct rip *r)
{
	static const char *const names[] = { "MD5", "SHA-1", "SHA-256", "SHA-512" };

	printf("\nImage:    %s\n", r->iso);
	printf("Size:     %" PRIu64 " bytes\n", r->size);
	for (int k = 0; k < HASH_NALGS; k++)
		if (r->image.mask & (1u << k))
			printf("%-8s  %s\n", names[k], r->image.hex[k]);
	if (!r->complete)
		printf("Damage:   %" PRIu64 " bytes unreadable in %zu range(s), zero-filled (see %s)\n",
		       r->bad_bytes, r->n_ranges_total, strrchr(r->map, '/') + 1);
	printf("Manifest: %s\n", r->manifest);
	printf("Status:   %s\n", r->status_msg);
}

int cmd_rip(int argc, char **argv)
{
	struct rip_args a;
	struct dv_error err = DV_ERROR_INIT;
	struct drive *d = NULL;
	struct rip *r = NULL;
	char *device = NULL, *name = NULL, *dir = NULL, *op = NULL, *cmdline = NULL;
	char adr[512], def[64];
	int tty = isatty(0), rc = EXIT_RIP_FAIL;

	switch (parse_args(argc, argv, &a)) {
	case 1: return fflush(stdout) == 0 ? 0 : 1;
	case -1: return EXIT_RIP_FAIL;
	}
	if (a.logfile && log_open_file(a.logfile, &err) < 0) {
		cli_report(&err);
		return EXIT_RIP_FAIL;
	}
	if (!tty && (!a.filename || !a.dir || !a.op)) {
		cli_error("rip: standard input is not a terminal, so nothing can be asked: give %s%s%s",
			  !a.filename ? "--filename " : "", !a.dir ? "--dir " : "",
			  !a.op ? "--operator" : "");
		return EXIT_RIP_FAIL;
	}
	r = calloc(1, sizeof(*r));
	cmdline = join_argv(argc, argv);
	if (!r || !cmdline) {
		cli_error("out of memory");
		goto out;
	}

	/* the drive */
	if (a.device) {
		device = strdup(a.device);
	} else if (tty) {
		device = ask_device();
		if (!device) {
			cli_error("rip: no drive chosen");
			goto out;
		}
	} else {
		if (drive_default_address(adr, sizeof(adr), &err) < 0) {
			cli_report(&err);
			goto out;
		}
		device = strdup(adr);
	}
	/* a mounted disc is unmounted first: libburn cannot grab it otherwise */
	r->o.device = device;
	if (device && !a.dry_run && rip_unmount(r, &err) < 0) {
		cli_report(&err);
		goto out;
	}
	if (!device || drive_open(&d, device, &err) < 0) {
		cli_report(&err);
		goto out;
	}
	if (rip_probe_drive(d, &r->probe, &err) < 0) {
		cli_report(&err);
		goto out;
	}
	log_info("Drive %s: %s %s, %s %s, %" PRIu64 " bytes readable%s%s", device,
		 r->probe.info.vendor, r->probe.info.model, r->probe.info.media_name,
		 disc_state_name(r->probe.info.state), r->probe.info.readable,
		 r->probe.volume_id[0] ? ", volume " : "", r->probe.volume_id);

	/* the answers */
	label_to_name(r->probe.volume_id, def, sizeof(def));
	name = a.filename ? strdup(a.filename) :
	       ask_default("Enter output ISO filename (no extension)", def);
	dir = a.dir ? strdup(a.dir) : ask_default("Enter output directory", NULL);
	op = a.op ? strdup(a.op) : ask_default("Enter operator name or initials", NULL);
	if (!name || !dir || !op) {
		cli_error("rip: no answer (end of input)");
		goto out;
	}
	{
		char *x = expand_home(dir);

		free(dir);
		dir = x;
		if (!dir) {
			cli_error("out of memory");
			goto out;
		}
	}
	r->o.device = device;
	r->o.out_root = dir;
	r->o.name = name;
	r->o.operator_name = op;
	r->o.cmdline = cmdline;
	r->o.hash_mask = HASH_MD5 | HASH_SHA1 | HASH_SHA256 | (a.sha512 ? HASH_SHA512 : 0);
	r->o.verify = a.verify;
	r->o.second_read = a.second;
	r->o.retries = a.retries;
	r->o.eject = a.eject;
	r->o.dry_run = a.dry_run;
	r->o.chunk = a.chunk;
	if (rip_paths(r, &err) < 0) {
		cli_report(&err);
		goto out;
	}
	if (!a.dry_run && rip_outputs_exist(r)) {
		if (a.force) {
			r->o.overwrite = 1;
		} else if (tty) {
			char q[4400];
			char *yes;

			snprintf(q, sizeof(q), "'%s' exists. Overwrite? (y/n): ", r->iso);
			yes = ask(q);
			if (!yes || (strcmp(yes, "y") && strcmp(yes, "Y") && strcmp(yes, "yes"))) {
				free(yes);
				cli_error("rip: '%s' exists; not overwritten", r->iso);
				goto out;
			}
			free(yes);
			r->o.overwrite = 1;
		} else {
			cli_error("rip: '%s' already exists (use --force to replace it, or another --filename)",
				  r->iso);
			goto out;
		}
	}

	rc = rip_run(r, d, &err);
	if (a.dry_run && rc == 0) {
		dry_run(r);
		goto out;
	}
	if (rc == 1 || rc == 130) {
		cli_report(&err);
		goto out;
	}
	summary(r);
	if (rc == 0)
		log_ok("Backup complete: %s", r->iso);
	else
		log_error("%s", r->status_msg);
out:
	if (r && !r->ejected)
		rip_remount(r);	/* where we unmounted it (a no-op otherwise) */
	if (d)
		drive_close(d);
	if (r)
		rip_release(r);
	free(r);
	free(device);
	free(name);
	free(dir);
	free(op);
	free(cmdline);
	log_close_file();
	return rc;
}
