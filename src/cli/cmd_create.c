/*
 * cmd_create.c - `discvault create`: options (bd-archive's, plus --media),
 * the plan printed before any heavy work, confirmation, then the run.
 * Exit codes: 0 done, 1 failure, 2 bad arguments, 130 interrupted.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "archive/create.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/drive/drive.h"
#include "platform/log.h"
#include "platform/progress.h"
#include "platform/signals.h"

#include "platform/banned.h"

static const char usage_text[] =
"usage: discvault create -s SRC -n NAME -o OUT [-w WORK] [-r PCT]\n"
"                        [-b BYTES | -D DEV | --media TYPE] [-c ALGO] [-l LEVEL]\n"
"                        [--base CATALOG] [--min-last-disc-fill PCT] [-y]\n"
"\n"
"Build an archive set: dar slices (compressed, SHA-512 checked), PAR2 recovery\n"
"files per slice and one ISO image per disc, each disc restorable with\n"
"sha512sum, par2 and dar alone. Burn the images with 'discvault burn OUT'.\n"
"\n"
"  -s, --source SRC        directory to archive\n"
"  -n, --name NAME         archive name, the chain's identity: letters, digits,\n"
"                          '.', '_', '+', '-', at most 27 characters\n"
"  -o, --output OUT        where images, the catalog and the set file go\n"
"  -w, --workdir WORK      staging for slices (default OUT/.discvault-work)\n"
"  -r, --redundancy PCT    PAR2 redundancy per slice (default 5)\n"
"  -b, --bytes BYTES       disc capacity (suffixes K M G T, kB MB GB TB)\n"
"  -D, --device DEV        take the capacity from the blank disc in DEV\n"
"      --media TYPE        bd25 bd50 bd100 bd128 dvd dvd-dl cd (default bd25)\n"
"  -c, --compression ALGO  zstd lzma lz4 gzip bzip2 none (default zstd)\n"
"  -l, --level LEVEL       compression level (default 3 for zstd, else dar's)\n"
"      --base CATALOG      previous generation's catalog: make an incremental\n"
"      --min-last-disc-fill PCT\n"
"                          defer the newest files until the last disc is at\n"
"                          least PCT %% full\n"
"      --max-slice BYTES   largest slice (default just below 4 GiB)\n"
"  -y, --yes               do not ask for confirmation (needed without a terminal)\n";

struct media_cap {
	const char *name;
	uint64_t bytes;
};

static const struct media_cap media_caps[] = {
	{ "bd25",   12219392ull * 2048 },
	{ "bd50",   24438784ull * 2048 },
	{ "bd100",  48878592ull * 2048 },
	{ "bd128",  62500864ull * 2048 },
	{ "dvd",    2295104ull * 2048 },
	{ "dvd-dl", 4171712ull * 2048 },
	{ "cd",     360000ull * 2048 },
};

static void scan_progress(void *ctx, uint64_t files, uint64_t bytes)
{
	struct progress *p = ctx;
	(void)files;
	progress_update(p, bytes);
}

static int device_capacity(const char *dev, uint64_t *cap)
{
	struct dv_error err = DV_ERROR_INIT;
	struct drive *d = NULL;
	struct drive_info info;

	if (drive_open(&d, dev, &err) < 0 || drive_status(d, &info, &err) < 0) {
		drive_close(d);
		cli_report(&err);
		return -1;
	}
	drive_close(d);
	if (info.state != DISC_BLANK || !info.capacity) {
		cli_error("no blank disc in '%s' (%s): insert one, or give the capacity with -b or --media",
			  dev, disc_state_name(info.state));
		return -1;
	}
	*cap = info.capacity;
	log_info("capacity of the blank %s in %s: %" PRIu64 " bytes", info.media_name, dev, *cap);
	return 0;
}

static int confirm(void)
{
	char line[64];

	fprintf(stderr, "Proceed? [y/N] ");
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

static void print_plan(const struct create_ctx *c)
{
	const struct plan *p = &c->plan;
	char b1[32], b2[32], b3[32], b4[32];

	log_step("plan");
	printf("Archive:      %s, generation %u%s\n", c->o.name, c->gen,
	       c->gen > 1 ? " (incremental)" : " (full)");
	if (c->gen > 1)
		printf("Base:         %s.0001.dar (generation %u)\n", c->base_ref, c->base_gen);
	printf("Source:       %s\n", c->src);
	printf("Found:        %" PRIu64 " files, %" PRIu64 " directories, %s\n", c->scan.files,
	       c->scan.dirs, human_bytes(c->scan.bytes, b1, sizeof(b1)));
	if (c->gen > 1)
		printf("Changed:      %" PRIu64 " files, %s since generation %u (dar stores only these)\n",
		       c->scan.save_files, human_bytes(c->scan.save_bytes, b1, sizeof(b1)), c->base_gen);
	printf("Compression:  %s", c->o.compression);
	if (c->o.level >= 0 && strcmp(c->o.compression, "none"))
		printf(" level %d", c->o.level);
	printf(", ratio %.2f estimated from a %s sample\n", p->ratio,
	       human_bytes(c->sampled, b1, sizeof(b1)));
	printf("Archive size: about %s\n",
	       human_bytes(p->est_archive, b1, sizeof(b1)));
	printf("Disc:         %s (%" PRIu64 " bytes), PAR2 %u%%\n",
	       human_bytes(p->capacity, b1, sizeof(b1)), p->capacity, p->redundancy);
	printf("Slices:       %s each, %u per disc, about %u in all\n",
	       human_bytes(p->slice_size, b1, sizeof(b1)), p->slices_per_disc, p->slices);
	printf("Discs:        %u\n", p->discs);
	if (p->discs > 2)
		printf("Fill:         %.0f%% on discs 1-%u, %.0f%% on the last disc\n",
		       p->disc_fill * 100, p->discs - 1, p->last_fill * 100);
	else if (p->discs == 2)
		printf("Fill:         %.0f%% on disc 1, %.0f%% on the last disc\n",
		       p->disc_fill * 100, p->last_fill * 100);
	else
		printf("Fill:         %.0f%% of the disc\n", p->last_fill * 100);
	if (p->deferred_files) {
		char when[32];
		struct tm tm;
		localtime_r(&p->deferred_oldest, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		printf("Deferred:     %" PRIu64 " newest files, %s (oldest changed %s), left for a later generation:\n",
		       p->deferred_files, human_bytes(p->deferred_bytes, b1, sizeof(b1)), when);
		if (p->discs_before_defer > p->discs)
			printf("              (%u disc%s instead of %u)\n", p->discs,
			       p->discs == 1 ? "" : "s", p->discs_before_defer);
		for (size_t i = 0, shown = 0; i < c->scan.nent && shown < 3; i++)
			if (c->deferred[i]) {
				printf("                %s\n", c->scan.ent[i].path);
				shown++;
			}
	}
	if (c->same_fs)
		printf("Staging:      about %s needed, %s free in %s\n",
		       human_bytes(p->staging_needed, b1, sizeof(b1)),
		       human_bytes(c->out_free, b2, sizeof(b2)), c->out);
	else
		printf("Staging:      about %s needed in the work directory (%s free), %s for images (%s free)\n",
		       human_bytes(p->work_needed, b1, sizeof(b1)),
		       human_bytes(c->work_free, b2, sizeof(b2)),
		       human_bytes(p->work_needed, b3, sizeof(b3)),
		       human_bytes(c->out_free, b4, sizeof(b4)));
	fflush(stdout);
}

int cmd_create(int argc, char **argv)
{
	enum { OPT_MEDIA = 256, OPT_BASE, OPT_MINFILL, OPT_MAXSLICE };
	static const struct option longopts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "redundancy", required_argument, NULL, 'r' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "device", required_argument, NULL, 'D' },
		{ "media", required_argument, NULL, OPT_MEDIA },
		{ "compression", required_argument, NULL, 'c' },
		{ "level", required_argument, NULL, 'l' },
		{ "base", required_argument, NULL, OPT_BASE },
		{ "min-last-disc-fill", required_argument, NULL, OPT_MINFILL },
		{ "max-slice", required_argument, NULL, OPT_MAXSLICE },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct create_opts o = { 0 };
	struct create_ctx c;
	struct create_result r;
	struct dv_error err = DV_ERROR_INIT;
	const char *device = NULL, *media = NULL;
	int yes = 0, opt, caps = 0, rc;
	char *end;

	o.level = -1;
	o.redundancy = 5;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:n:o:w:r:b:D:c:l:yh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': o.source = optarg; break;
		case 'n': o.name = optarg; break;
		case 'o': o.out = optarg; break;
		case 'w': o.work = optarg; break;
		case 'r':
			errno = 0;
			o.redundancy = (unsigned)strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || o.redundancy > 100) {
				cli_error("bad redundancy '%s' (a percentage, 0-100)", optarg);
				return 2;
			}
			break;
		case 'b':
			if (cli_parse_size(optarg, &o.capacity) < 0 || !o.capacity) {
				cli_error("bad capacity '%s'", optarg);
				return 2;
			}
			caps++;
			break;
		case 'D': device = optarg; caps++; break;
		case OPT_MEDIA: media = optarg; caps++; break;
		case 'c': o.compression = optarg; break;
		case 'l':
			errno = 0;
			o.level = (int)strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || o.level < 0 || o.level > 22) {
				cli_error("bad compression level '%s'", optarg);
				return 2;
			}
			break;
		case OPT_BASE: o.base = optarg; break;
		case OPT_MINFILL:
			errno = 0;
			o.min_last_fill = (unsigned)strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || o.min_last_fill > 100) {
				cli_error("bad --min-last-disc-fill '%s' (a percentage, 0-100)", optarg);
				return 2;
			}
			break;
		case OPT_MAXSLICE:
			if (cli_parse_size(optarg, &o.max_slice) < 0 || o.max_slice < (1u << 20)) {
				cli_error("bad --max-slice '%s' (at least 1M)", optarg);
				return 2;
			}
			break;
		case 'y': yes = 1; break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			cli_error("option '%s' needs a value", argv[optind - 1]);
			return 2;
		default:
			cli_error("unknown option '%s' (see 'discvault create --help')", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		cli_error("unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (!o.source || !o.name || !o.out) {
		cli_error("create needs -s SRC, -n NAME and -o OUT (see 'discvault create --help')");
		return 2;
	}
	if (caps > 1) {
		cli_error("give only one of -b, -D and --media");
		return 2;
	}
	if (media) {
		size_t i;
		for (i = 0; i < sizeof(media_caps) / sizeof(media_caps[0]); i++)
			if (!strcmp(media, media_caps[i].name))
				break;
		if (i == sizeof(media_caps) / sizeof(media_caps[0])) {
			cli_error("unknown media '%s' (bd25, bd50, bd100, bd128, dvd, dvd-dl, cd)", media);
			return 2;
		}
		o.capacity = media_caps[i].bytes;
	}
	if (!o.capacity && !device)
		o.capacity = media_caps[0].bytes;
	if (!yes && !isatty(STDIN_FILENO)) {
		cli_error("not a terminal: pass -y to create without confirmation");
		return 2;
	}
	if (device && device_capacity(device, &o.capacity) < 0)
		return 1;

	log_step("scanning the source");
	{
		struct progress *p = progress_new("scan", 0);
		struct create_progress pg = { scan_progress, p };
		rc = create_prepare(&c, &o, &pg, &err);
		if (rc < 0)
			progress_abort(p);
		else
			progress_finish(p);
	}
	if (rc < 0) {
		cli_report(&err);
		create_release(&c);
		if (err.code == DV_ERR_INTERRUPTED)
			return 130;
		return err.code == DV_ERR_USAGE ? 2 : 1;
	}
	if (c.scan.unreadable)
		log_warn("%" PRIu64 " entries cannot be read and will be missing from the archive (first: '%s')",
			 c.scan.unreadable, c.scan.first_unreadable);
	if (c.scan.odd_names)
		log_info("%" PRIu64 " names contain newlines or are not valid UTF-8; dar stores them as they are",
			 c.scan.odd_names);
	if (o.min_last_fill && !o.base && c.plan.deferred_files)
		log_warn("--min-last-disc-fill without --base: the %" PRIu64 " deferred files are NOT in this archive; they will only be saved by a later incremental (--base) run",
			 c.plan.deferred_files);
	else if (o.min_last_fill && c.plan.last_fill * 100 < o.min_last_fill && c.plan.discs > 0)
		log_warn("the last disc stays below %u%% full (%.0f%%): deferring more would only empty it again",
			 o.min_last_fill, c.plan.last_fill * 100);
	print_plan(&c);
	if (!yes && !confirm()) {
		log_info("cancelled, nothing was written");
		create_release(&c);
		return 1;
	}
	log_step("creating the archive set");
	rc = create_run(&c, &r, &err);
	if (rc < 0) {
		cli_report(&err);
		log_error("the set was removed: nothing in '%s' belongs to an incomplete generation %u; run the command again",
			  c.out, c.gen);
		create_release(&c);
		return err.code == DV_ERR_INTERRUPTED || signals_interrupted() ? 130 : 1;
	}
	if (r.unsaved)
		log_warn("%ld entr%s could not be read and %s NOT in the archive (%s)", r.unsaved,
			 r.unsaved == 1 ? "y" : "ies", r.unsaved == 1 ? "is" : "are", r.unsaved_example);
	if (r.files_changed)
		log_warn("some files changed while dar read them; dar marked them 'dirty' in the archive");
	{
		char b1[32], b2[32];
		log_ok("%u disc image%s (%s) from %u slice%s (%s) in %s", r.discs,
		       r.discs == 1 ? "" : "s", human_bytes(r.images_bytes, b1, sizeof(b1)),
		       r.slices, r.slices == 1 ? "" : "s",
		       human_bytes(r.archive_bytes, b2, sizeof(b2)), c.out);
	}
	printf("Set:          %s\n", r.set_path);
	printf("Catalog:      %s/%s-catalog.0001.dar (pass it as --base for the next generation)\n",
	       c.out, c.prefix);
	printf("Timing:       dar + PAR2 %.1f s, images %.1f s\n", r.t_dar, r.t_images);
	create_release(&c);
	return 0;
}
