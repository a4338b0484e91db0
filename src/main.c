/*
 * main.c - discvault's entry point: global options, then one subcommand
 * from the dispatch table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "platform/log.h"
#include "platform/signals.h"
#include "platform/banned.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "drives",  cmd_drives,  "list drives, media type, state, capacity" },
	{ "burn",    cmd_burn,    "burn an ISO image or an archive set, verify by reading back" },
	{ "rip",     cmd_rip,     "disc to bit-perfect ISO with hashes, log, manifest, file listing, inspect report" },
	{ "inspect", cmd_inspect, "ISO 9660 / UDF / HFS structure and size check of an image" },
	{ "par2",    cmd_par2,    "PAR2 recovery files: create, verify, repair (par2cmdline-compatible)" },
	{ "create",  cmd_create,  "plan, slice, compress and protect a tree into per-disc ISO images" },
	{ "verify",  cmd_verify,  "check archive slices on a disc, image or directory: 0 ok, 1 repairable, 2 broken" },
	{ "extract", cmd_extract, "restore from discs inserted in any order, repairing as it goes" },
	{ "sim",     cmd_sim,     "operate a simulated drive (insert, eject, damage, status)" },
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: discvault [--version] [--help] [--logfile FILE] [-v|-q] COMMAND [ARGS]\n"
"\n"
"Archive data on optical discs (CD, DVD, Blu-ray) and get it back, bit for bit.\n"
"\n"
"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
"\n"
"Global options:\n"
"  --logfile FILE  also write the log, with timestamps, to FILE\n"
"  -v, --verbose   show debugging messages\n"
"  -q, --quiet     show warnings and errors only\n"
"\n"
"'discvault COMMAND --help' describes a command. Drives are named /dev/srN,\n"
"stdio:FILE (a libburn pseudo-drive), sim:DIR (a simulated drive, see\n"
"'discvault sim --help') or mac:N (macOS).\n");
}

int main(int argc, char **argv)
{
	struct dv_error err = DV_ERROR_INIT;

	/* global options before the command */
	while (argc > 1 && argv[1][0] == '-' && strcmp(argv[1], "--help") && strcmp(argv[1], "-h") &&
	       strcmp(argv[1], "--version")) {
		if (!strcmp(argv[1], "--logfile") && argc > 2) {
			if (log_open_file(argv[2], &err) < 0) {
				fprintf(stderr, "discvault: %s\n", err.msg);
				return 1;
			}
			argc -= 2;
			argv += 2;
		} else if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--verbose")) {
			log_set_verbose(1);
			argc--;
			argv++;
		} else if (!strcmp(argv[1], "-q") || !strcmp(argv[1], "--quiet")) {
			log_set_quiet(1);
			argc--;
			argv++;
		} else {
			fprintf(stderr, "discvault: unknown option '%s' (see 'discvault --help')\n", argv[1]);
			return 1;
		}
	}
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			char *sub[] = { argv[2], (char *)"--help", NULL };
			for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
				if (!strcmp(commands[i].name, argv[2]))
					return cli_finish_stdout(commands[i].fn(2, sub));
		}
		usage(stdout);
		return cli_finish_stdout(0);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("discvault %s\n", DV_VERSION);
		return cli_finish_stdout(0);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(commands[i].name, argv[1])) {
			int rc;
			signals_install();
			rc = commands[i].fn(argc - 1, argv + 1);
			if (signals_interrupted() && rc != 0)
				rc = 130;
			return cli_finish_stdout(rc);
		}
	}
	fprintf(stderr, "discvault: '%s' is not a discvault command (see 'discvault --help')\n", argv[1]);
	return 1;
}
