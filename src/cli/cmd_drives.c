/*
 * cmd_drives.c - `discvault drives`: list drives, their media and state.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/drive/drive.h"
#include "platform/progress.h"
#include "platform/banned.h"

static void usage(FILE *f)
{
	fputs(
"usage: discvault drives [--json] [--device DEV]...\n"
"\n"
"List optical drives with vendor, model, medium, state (empty, blank,\n"
"appendable, closed) and capacity. Real drives are found in /sys/class/block\n"
"(sr*); simulated drives are listed when named with --device sim:DIR or in\n"
"$DISCVAULT_DEVICE.\n"
"\n"
"  --json        machine-readable output\n"
"  -D, --device  also list this drive (repeatable)\n"
"\n"
"Exit status: 0 at least one drive listed, 1 no drive found.\n", f);
}

static json_t *info_json(const struct drive_info *i, const char *error)
{
	json_t *o = json_object();

	json_object_set_new(o, "address", json_string(i->address));
	if (error) {
		json_object_set_new(o, "error", json_string(error));
		return o;
	}
	json_object_set_new(o, "backend", json_string(i->backend));
	json_object_set_new(o, "vendor", json_string(i->vendor));
	json_object_set_new(o, "model", json_string(i->model));
	json_object_set_new(o, "revision", json_string(i->revision));
	json_object_set_new(o, "tray_open", json_boolean(i->tray_open));
	json_object_set_new(o, "state", json_string(disc_state_name(i->state)));
	json_object_set_new(o, "media", i->state == DISC_EMPTY ? json_null() :
			    json_string(i->media_name));
	json_object_set_new(o, "write_once", json_boolean(i->write_once));
	json_object_set_new(o, "capacity_bytes", json_integer((json_int_t)i->capacity));
	json_object_set_new(o, "readable_bytes", json_integer((json_int_t)i->readable));
	return o;
}

static void print_info(const struct drive_info *i, const char *error)
{
	char cap[32], rd[32];

	if (error) {
		printf("%-24s  (cannot query: %s)\n", i->address, error);
		return;
	}
	printf("%-24s  %s %s", i->address, i->vendor, i->model);
	if (i->state == DISC_EMPTY)
		printf("  [%s]\n", i->tray_open ? "tray open" : "empty");
	else
		printf("  [%s, %s, capacity %s, readable %s]\n",
		       i->media_name[0] ? i->media_name : "unknown medium",
		       disc_state_name(i->state), human_bytes(i->capacity, cap, sizeof(cap)),
		       human_bytes(i->readable, rd, sizeof(rd)));
}

int cmd_drives(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "device", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *extra[32];
	size_t nextra = 0, nscan = 0;
	char **scanned = NULL;
	struct dv_error err = DV_ERROR_INIT;
	json_t *arr = NULL;
	int json = 0, c, listed = 0;
	const char *env = getenv("DISCVAULT_DEVICE");

	optind = 1;
	while ((c = getopt_long(argc, argv, "hjD:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'D':
			if (nextra < 32)
				extra[nextra++] = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind < argc) {
		cli_error("drives takes no arguments (use --device DEV)");
		return 1;
	}
	if (env && *env && nextra < 32)
		extra[nextra++] = env;
	if (drive_scan(&scanned, &nscan, &err) < 0) {
		cli_report(&err);
		dv_error_clear(&err);
	}
	if (json)
		arr = json_array();
	for (size_t k = 0; k < nscan + nextra; k++) {
		const char *adr = k < nscan ? scanned[k] : extra[k - nscan];
		struct drive_info info;
		struct drive *d = NULL;
		int bad;

		memset(&info, 0, sizeof(info));
		snprintf(info.address, sizeof(info.address), "%s", adr);
		bad = drive_open_ex(&d, adr, DRIVE_NO_LOAD, &err) < 0 || drive_status(d, &info, &err) < 0;
		drive_close(d);
		if (json)
			json_array_append_new(arr, info_json(&info, bad ? err.msg : NULL));
		else
			print_info(&info, bad ? err.msg : NULL);
		dv_error_clear(&err);
		listed++;
	}
	drive_scan_free(scanned, nscan);
	if (json) {
		char *s = json_dumps(arr, JSON_INDENT(2));
		if (s)
			puts(s);
		free(s);
		json_decref(arr);
	}
	if (!listed) {
		if (!json)
			fprintf(stderr, "discvault: No drive detected (no /dev/sr* drive; try --device sim:DIR)\n");
		return cli_finish_stdout(1);
	}
	return cli_finish_stdout(0);
}
