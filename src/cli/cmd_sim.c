/*
 * cmd_sim.c - `discvault sim`: act as the operator of a simulated drive.
 *
 *   sim new DIR [--queue MEDIA[,MEDIA...]] [--speed KBPS] [--vendor V] [--model M]
 *   sim insert DIR --media TYPE [--capacity SIZE] [--queue]
 *   sim insert DIR IMAGE [--media TYPE] [--queue]
 *   sim eject DIR
 *   sim open DIR | sim close DIR
 *   sim damage DIR [--unreadable LBA[+COUNT]]... [--flip OFFSET[:MASK]]...
 *                  [--write-fail LBA] [--clear] [--disc PATH]
 *   sim speed DIR KBPS
 *   sim status DIR [--json]
 *
 * A discvault command running against sim:DIR in another process notices
 * every change at its next poll, as it would with a real tray.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/drive/sim.h"
#include "platform/fileio.h"
#include "platform/progress.h"
#include "platform/banned.h"

static void usage(FILE *f)
{
	size_t n;
	const struct sim_media_type *mt = sim_media_types(&n);

	fputs(
"usage: discvault sim new DIR [--queue MEDIA[,MEDIA...]] [--speed KBPS]\n"
"                             [--vendor V] [--model M]\n"
"       discvault sim insert DIR --media MEDIA [--capacity SIZE] [--queue]\n"
"       discvault sim insert DIR IMAGE [--media MEDIA] [--queue]\n"
"       discvault sim eject DIR\n"
"       discvault sim open DIR | discvault sim close DIR\n"
"       discvault sim damage DIR [--unreadable LBA[+COUNT]]... [--flip OFFSET[:MASK]]...\n"
"                                [--write-fail LBA] [--clear] [--disc PATH]\n"
"       discvault sim speed DIR KBPS\n"
"       discvault sim status DIR [--json]\n"
"\n"
"A simulated optical drive kept in directory DIR; use it as --device sim:DIR.\n"
"These commands play the operator: insert a blank disc or one holding an image,\n"
"eject (the autoloader queue then loads the next disc), open the tray, or\n"
"damage the loaded disc: unreadable sectors, a silently flipped byte on\n"
"read-back, a write failure at a sector. --speed limits reads and writes\n"
"(kB/s, 0 = unlimited; 1x BD = 4496). SIZE takes K/M/G suffixes.\n"
"\n"
"Media:", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %s", mt[i].name);
	fputs("\n", f);
}

static int parse_media_list(const char *dir, const char *list, struct dv_error *err)
{
	char buf[1024], *save = NULL, *tok;
	int first = 1;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char disc[PATH_MAX];
		if (sim_make_disc(dir, tok, 0, NULL, disc, sizeof(disc), err) < 0)
			return -1;
		if (first ? sim_load(dir, disc, err) : sim_enqueue(dir, disc, err))
			return -1;
		first = 0;
	}
	return 0;
}

static int sim_new(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "queue", required_argument, NULL, 'q' },
		{ "speed", required_argument, NULL, 's' },
		{ "vendor", required_argument, NULL, 'v' },
		{ "model", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sim_drive_conf c;
	struct dv_error err = DV_ERROR_INIT;
	const char *queue = NULL;
	int ch;

	memset(&c, 0, sizeof(c));
	snprintf(c.vendor, sizeof(c.vendor), "DISCVLT");
	snprintf(c.model, sizeof(c.model), "Simulated BD-RE");
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'q': queue = optarg; break;
		case 's':
			if (cli_parse_size(optarg, &c.speed_kbps) < 0) {
				cli_error("invalid --speed '%s'", optarg);
				return 1;
			}
			break;
		case 'v': snprintf(c.vendor, sizeof(c.vendor), "%s", optarg); break;
		case 'm': snprintf(c.model, sizeof(c.model), "%s", optarg); break;
		case 'h': usage(stdout); return 0;
		default: return 1;
		}
	}
	if (optind + 1 != argc) {
		cli_error("usage: discvault sim new DIR [--queue MEDIA,...]");
		return 1;
	}
	if (sim_create(argv[optind], &c, &err) < 0 ||
	    (queue && parse_media_list(argv[optind], queue, &err) < 0)) {
		cli_report(&err);
		return 1;
	}
	printf("simulated drive ready: --device sim:%s\n", argv[optind]);
	return 0;
}

static int sim_insert(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "media", required_argument, NULL, 'm' },
		{ "capacity", required_argument, NULL, 'c' },
		{ "queue", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dv_error err = DV_ERROR_INIT;
	const char *media = NULL, *image = NULL, *dir;
	uint64_t capacity = 0;
	char disc[PATH_MAX];
	int queue = 0, ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'm': media = optarg; break;
		case 'c':
			if (cli_parse_size(optarg, &capacity) < 0 || capacity < DRIVE_SECTOR) {
				cli_error("invalid --capacity '%s'", optarg);
				return 1;
			}
			break;
		case 'q': queue = 1; break;
		case 'h': usage(stdout); return 0;
		default: return 1;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		cli_error("usage: discvault sim insert DIR (--media MEDIA | IMAGE)");
		return 1;
	}
	dir = argv[optind];
	if (argc - optind == 2)
		image = argv[optind + 1];
	if (!media && !image) {
		cli_error("sim insert: give --media MEDIA for a blank disc, or an IMAGE");
		return 1;
	}
	if (!media)
		media = "bd-rom";
	{
		struct sim_drive_conf c;
		if (sim_read_drive_conf(dir, &c, &err) < 0) {
			cli_report(&err);
			return 1;
		}
	}
	if (sim_make_disc(dir, media, capacity, image, disc, sizeof(disc), &err) < 0) {
		cli_report(&err);
		return 1;
	}
	if ((queue ? sim_enqueue(dir, disc, &err) : sim_load(dir, disc, &err)) < 0) {
		cli_report(&err);
		remove_tree(disc);
		return 1;
	}
	return 0;
}

static int parse_u64_arg(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-')
		return -1;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static int sim_damage(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "unreadable", required_argument, NULL, 'u' },
		{ "flip", required_argument, NULL, 'f' },
		{ "write-fail", required_argument, NULL, 'w' },
		{ "clear", no_argument, NULL, 'c' },
		{ "disc", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dv_error err = DV_ERROR_INIT;
	struct sim_damage *dmg = calloc(1, sizeof(*dmg));
	struct sim_medium m;
	const char *disc_arg = NULL;
	char disc[PATH_MAX + 8];
	struct { int kind; uint64_t a, b; } add[64];
	size_t nadd = 0;
	int clear = 0, ch, rc = 1;

	if (!dmg)
		return 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char buf[128], *sep;
		if (ch == 'h') {
			usage(stdout);
			rc = 0;
			goto out;
		}
		if (ch == 'c') {
			clear = 1;
			continue;
		}
		if (ch == 'd') {
			disc_arg = optarg;
			continue;
		}
		if (ch == '?')
			goto out;
		if (nadd >= 64) {
			cli_error("too many faults at once");
			goto out;
		}
		snprintf(buf, sizeof(buf), "%s", optarg);
		sep = strpbrk(buf, ch == 'u' ? "+" : ":");
		if (sep)
			*sep++ = '\0';
		add[nadd].kind = ch == 'u' ? SIM_UNREADABLE : ch == 'f' ? SIM_FLIP : SIM_WRITE_FAIL;
		add[nadd].b = ch == 'u' ? 1 : 0xff;
		if (parse_u64_arg(buf, &add[nadd].a) < 0 || (sep && parse_u64_arg(sep, &add[nadd].b) < 0) ||
		    (ch == 'u' && add[nadd].b == 0) || (ch == 'f' && (add[nadd].b == 0 || add[nadd].b > 255))) {
			cli_error("invalid fault '%s' (--unreadable LBA[+COUNT], --flip OFFSET[:MASK], --write-fail LBA)",
				  optarg);
			goto out;
		}
		nadd++;
	}
	if (optind + 1 != argc) {
		cli_error("usage: discvault sim damage DIR [--unreadable LBA[+COUNT]] [--flip OFFSET] ...");
		goto out;
	}
	if (disc_arg)
		snprintf(disc, sizeof(disc), "%s", disc_arg);
	else
		snprintf(disc, sizeof(disc), "%s/tray", argv[optind]);
	rc = sim_read_medium(disc, &m, &err);
	if (rc <= 0) {
		if (rc == 0)
			cli_error("no disc in '%s' to damage", disc_arg ? disc_arg : argv[optind]);
		else
			cli_report(&err);
		rc = 1;
		goto out;
	}
	rc = 1;
	if (!clear && sim_read_damage(disc, dmg, &err) < 0) {
		cli_report(&err);
		goto out;
	}
	if (clear)
		dmg->n = 0;
	for (size_t i = 0; i < nadd; i++) {
		if (dmg->n >= SIM_MAX_FAULTS) {
			cli_error("more than %d faults on one disc", SIM_MAX_FAULTS);
			goto out;
		}
		dmg->f[dmg->n].kind = add[i].kind;
		dmg->f[dmg->n].a = add[i].a;
		dmg->f[dmg->n].b = add[i].b;
		dmg->n++;
	}
	if (sim_write_damage(disc, dmg, &err) < 0) {
		cli_report(&err);
		goto out;
	}
	rc = 0;
out:
	free(dmg);
	return rc;
}

static int sim_status(int argc, char **argv)
{
	struct dv_error err = DV_ERROR_INIT;
	struct sim_drive_conf c;
	struct sim_medium m;
	struct sim_damage *dmg;
	char tray[PATH_MAX + 8], cap[32];
	const char *dir = NULL;
	int json = 0, has;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!dir)
			dir = argv[i];
		else {
			cli_error("usage: discvault sim status DIR [--json]");
			return 1;
		}
	}
	if (!dir) {
		cli_error("usage: discvault sim status DIR [--json]");
		return 1;
	}
	if (sim_read_drive_conf(dir, &c, &err) < 0) {
		cli_report(&err);
		return 1;
	}
	snprintf(tray, sizeof(tray), "%s/tray", dir);
	has = sim_read_medium(tray, &m, &err);
	if (has < 0) {
		cli_report(&err);
		return 1;
	}
	dmg = calloc(1, sizeof(*dmg));
	if (!dmg || (has && sim_read_damage(tray, dmg, &err) < 0)) {
		cli_report(&err);
		free(dmg);
		return 1;
	}
	if (json) {
		json_t *o = json_object(), *disc = json_null();
		char *s;
		json_object_set_new(o, "vendor", json_string(c.vendor));
		json_object_set_new(o, "model", json_string(c.model));
		json_object_set_new(o, "tray", json_string(c.tray_open ? "open" : "closed"));
		json_object_set_new(o, "speed_kbps", json_integer((json_int_t)c.speed_kbps));
		json_object_set_new(o, "lock_holder", json_integer(sim_lock_holder(dir)));
		if (has) {
			disc = json_object();
			json_object_set_new(disc, "type", json_string(m.type));
			json_object_set_new(disc, "state", json_string(disc_state_name(m.state)));
			json_object_set_new(disc, "capacity", json_integer((json_int_t)m.capacity));
			json_object_set_new(disc, "written", json_integer((json_int_t)m.written));
			json_object_set_new(disc, "id", json_integer((json_int_t)m.id));
			json_object_set_new(disc, "faults", json_integer((json_int_t)dmg->n));
		}
		json_object_set_new(o, "disc", disc);
		s = json_dumps(o, JSON_INDENT(2));
		if (s)
			puts(s);
		free(s);
		json_decref(o);
	} else {
		printf("drive:  %s %s, tray %s, speed limit %s\n", c.vendor, c.model,
		       c.tray_open ? "open" : "closed",
		       c.speed_kbps ? "set" : "none");
		if (c.speed_kbps)
			printf("speed:  %" PRIu64 " kB/s\n", c.speed_kbps);
		if (has) {
			printf("disc:   %s, %s, %s capacity, %" PRIu64 " bytes written, id %" PRIu64 "\n",
			       m.type, disc_state_name(m.state), human_bytes(m.capacity, cap, sizeof(cap)),
			       m.written, m.id);
			for (size_t i = 0; i < dmg->n; i++)
				printf("fault:  %s %" PRIu64 " %" PRIu64 "\n",
				       dmg->f[i].kind == SIM_UNREADABLE ? "unreadable" :
				       dmg->f[i].kind == SIM_FLIP ? "flip" : "write-fail",
				       dmg->f[i].a, dmg->f[i].b);
		} else {
			printf("disc:   none\n");
		}
	}
	free(dmg);
	return cli_finish_stdout(0);
}

int cmd_sim(int argc, char **argv)
{
	struct dv_error err = DV_ERROR_INIT;
	const char *sub;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 1 : 0;
	}
	sub = argv[1];
	argc--;
	argv++;
	if (!strcmp(sub, "new"))
		return sim_new(argc, argv);
	if (!strcmp(sub, "insert"))
		return sim_insert(argc, argv);
	if (!strcmp(sub, "damage"))
		return sim_damage(argc, argv);
	if (!strcmp(sub, "status"))
		return sim_status(argc, argv);
	if (!strcmp(sub, "eject") || !strcmp(sub, "open") || !strcmp(sub, "close")) {
		char where[PATH_MAX + 32];
		int rc;
		if (argc != 2) {
			cli_error("usage: discvault sim %s DIR", sub);
			return 1;
		}
		if (!strcmp(sub, "eject"))
			rc = sim_eject(argv[1], where, sizeof(where), &err);
		else
			rc = sim_set_tray(argv[1], !strcmp(sub, "open"), &err);
		if (rc < 0) {
			cli_report(&err);
			return 1;
		}
		return 0;
	}
	if (!strcmp(sub, "speed")) {
		struct sim_drive_conf c;
		if (argc != 3) {
			cli_error("usage: discvault sim speed DIR KBPS");
			return 1;
		}
		if (sim_read_drive_conf(argv[1], &c, &err) < 0 ||
		    (cli_parse_size(argv[2], &c.speed_kbps) < 0 &&
		     dv_error_set(&err, DV_ERR_USAGE, "invalid speed '%s'", argv[2])) ||
		    sim_write_drive_conf(argv[1], &c, &err) < 0) {
			cli_report(&err);
			return 1;
		}
		return 0;
	}
	cli_error("unknown sim command '%s' (see 'discvault sim --help')", sub);
	return 1;
}
