/*
 * cmd_verify.c - `discvault verify [DEVICE|DIR|IMAGE]`: are the archive
 * slices on this disc intact, repairable, or lost? Exit 0 ok, 1 repairable,
 * 2 broken (or nothing to verify), 130 interrupted.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "archive/setverify.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/drive/drive.h"
#include "platform/progress.h"
#include "platform/banned.h"

static void usage(FILE *f)
{
	fputs(
"usage: discvault verify [options] [DEVICE | DIR | IMAGE]\n"
"\n"
"Check every archive slice (*.dar) on a disc, a disc image or a directory:\n"
"its SHA-512 against the .sha512 sidecar, and PAR2 where a slice is damaged,\n"
"to tell repairable from broken. Discs and images are read without mounting.\n"
"The report gives each slice's margin: how many more blocks could be lost and\n"
"still be repaired.\n"
"\n"
"  -D, --device DEV   the drive (default: $DISCVAULT_DEVICE, else the first drive)\n"
"  -w, --workdir DIR  where damaged slices are staged for PAR2 (default: $TMPDIR)\n"
"  --json             machine-readable report on standard output\n"
"  -h, --help         this help\n"
"\n"
"Exit status: 0 all intact, 1 damaged but repairable, 2 broken or nothing to\n"
"verify, 130 interrupted.\n", f);
}

static const char *status_word(enum slice_status s)
{
	return s == SLICE_OK ? "ok" : s == SLICE_REPAIRABLE ? "repairable" : "broken";
}

static void print_json(const struct set_check *c)
{
	json_t *o = json_object(), *arr = json_array();
	char *s;

	json_object_set_new(o, "target", json_string(c->target));
	json_object_set_new(o, "identity", c->identity[0] ? json_string(c->identity) : json_null());
	for (size_t i = 0; i < c->nslices; i++) {
		const struct slice_check *sl = &c->slices[i];
		json_t *j = json_object();
		json_object_set_new(j, "path", json_string(sl->path));
		json_object_set_new(j, "size", json_integer((json_int_t)sl->size));
		json_object_set_new(j, "sha512_expected", sl->sha512_expected[0] ?
				    json_string(sl->sha512_expected) : json_null());
		json_object_set_new(j, "sha512_actual", sl->sha512_actual[0] ?
				    json_string(sl->sha512_actual) : json_null());
		json_object_set_new(j, "par2_files", json_integer(sl->par2_found));
		json_object_set_new(j, "blocks_total", json_integer(sl->blocks_total));
		json_object_set_new(j, "blocks_missing", json_integer(sl->blocks_missing));
		json_object_set_new(j, "recovery_available", json_integer(sl->recovery_available));
		json_object_set_new(j, "margin", json_integer(sl->margin));
		json_object_set_new(j, "status", json_string(status_word(sl->status)));
		json_object_set_new(j, "note", sl->note[0] ? json_string(sl->note) : json_null());
		json_array_append_new(arr, j);
	}
	json_object_set_new(o, "slices", arr);
	json_object_set_new(o, "status", json_string(status_word(c->worst)));
	json_object_set_new(o, "exit_code", json_integer(c->worst));
	s = json_dumps(o, JSON_INDENT(2));
	if (s)
		puts(s);
	free(s);
	json_decref(o);
}

static void print_human(const struct set_check *c)
{
	int64_t least = INT64_MAX;

	printf("Verified %s%s%s%s\n", c->target, c->identity[0] ? " (" : "", c->identity,
	       c->identity[0] ? ")" : "");
	for (size_t i = 0; i < c->nslices; i++) {
		const struct slice_check *s = &c->slices[i];
		char sz[32];
		printf("  %-10s %s (%s)", status_word(s->status), s->path,
		       human_bytes(s->size, sz, sizeof(sz)));
		if (s->par2_found)
			printf(": %" PRIu32 " of %" PRIu32 " blocks missing, %" PRIu32
			       " recovery blocks, margin %" PRId64,
			       s->blocks_missing, s->blocks_total, s->recovery_available, s->margin);
		if (s->note[0])
			printf(" [%s]", s->note);
		putchar('\n');
		if (s->par2_found && s->margin < least)
			least = s->margin;
	}
	if (least != INT64_MAX)
		printf("Smallest margin: %" PRId64 " blocks%s\n", least,
		       least < 0 ? " (beyond repair)" : "");
	printf("Result: %s\n", c->worst == SLICE_OK ? "OK: every slice intact" :
	       c->worst == SLICE_REPAIRABLE ? "REPAIRABLE: damaged, PAR2 can repair it" :
	       "BROKEN: damage beyond repair");
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dv_error err = DV_ERROR_INIT;
	struct set_check c;
	const char *target = NULL, *work = NULL;
	char adr[512];
	int json = 0, ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "hD:w:", opts, NULL)) != -1) {
		switch (ch) {
		case 'D': target = optarg; break;
		case 'w': work = optarg; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		if (target || optind + 1 < argc) {
			cli_error("verify takes one disc, image or directory");
			return 2;
		}
		target = argv[optind];
	}
	if (!target) {
		if (drive_default_address(adr, sizeof(adr), &err) < 0) {
			cli_report(&err);
			return 2;
		}
		target = adr;
	}
	if (set_verify(target, work, &c, &err) < 0) {
		cli_report(&err);
		return err.code == DV_ERR_INTERRUPTED ? 130 : 2;
	}
	if (json)
		print_json(&c);
	else
		print_human(&c);
	ch = (int)c.worst;
	set_check_release(&c);
	return cli_finish_stdout(ch);
}
