/*
 * cmd_par2.c - `discvault par2 create|verify|repair`, the native PAR2
 * engine as a command with par2cmdline's options, messages in its spirit,
 * and its exit codes: 0 ok, 1 repairable, 2 not repairable, 3 bad
 * arguments (4 no usable critical packets, 5 repair failed, 6 I/O error).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "engine/gf16/gf16.h"
#include "engine/par2/par2.h"
#include "platform/error.h"
#include "platform/progress.h"

#include "platform/banned.h"

enum {
	RC_OK = 0,
	RC_REPAIRABLE = 1,
	RC_UNREPAIRABLE = 2,
	RC_USAGE = 3,
	RC_NOCRITICAL = 4,
	RC_REPAIR_FAILED = 5,
	RC_IO = 6,
};

static const char usage[] =
	"usage: discvault par2 create [-r PCT | -c COUNT] [-b BLOCKS | -s BLOCKSIZE]\n"
	"                             [-n FILES | -u] [-f FIRST] [-t THREADS]\n"
	"                             [-m MEMORY_MIB] [-k KERNEL] [-q] BASE.par2 FILE...\n"
	"       discvault par2 verify [-t THREADS] [-q] BASE.par2 [FILE...]\n"
	"       discvault par2 repair [-t THREADS] [-m MEMORY_MIB] [-p] [-q] BASE.par2 [FILE...]\n"
	"\n"
	"  -r PCT      redundancy in percent of the block count (default 5)\n"
	"  -c COUNT    number of recovery blocks (instead of -r)\n"
	"  -b BLOCKS   number of input blocks (default 2000)\n"
	"  -s SIZE     block size in bytes, a multiple of 4 (instead of -b)\n"
	"  -n FILES    number of recovery files (default: one per power of two)\n"
	"  -u          uniform: the same number of recovery blocks in each file\n"
	"  -f FIRST    first recovery block exponent (default 0)\n"
	"  -t THREADS  worker threads (default: all CPUs)\n"
	"  -m MIB      memory budget; larger jobs take several passes\n"
	"  -k KERNEL   GF(2^16) kernel: scalar, ssse3, avx2, gfni, gfni512\n"
	"  -p          repair: delete damaged originals instead of keeping NAME.1\n"
	"  -q          quiet: no progress, only the summary\n"
	"\n"
	"verify and repair also search the FILEs given after BASE.par2 for blocks\n"
	"of the set (a renamed or partly copied file); repair reads from them and\n"
	"leaves them as they are.\n"
	"\n"
	"Exit codes: 0 ok, 1 repair possible, 2 repair not possible, 3 bad arguments,\n"
	"4 no usable critical packets, 5 repair failed, 6 I/O error.\n";

struct prog_state {
	struct progress *p;
	const char *phase;
};

static void on_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	struct prog_state *ps = ctx;

	if (ps->phase != phase) {
		progress_finish(ps->p);
		ps->p = progress_new(phase, total);
		ps->phase = phase;
	}
	progress_update(ps->p, done);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!s || !*s || *s == '-')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(s, &v) || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int bad_args(const char *fmt, const char *arg)
{
	fprintf(stderr, "discvault: par2: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return RC_USAGE;
}

static int error_rc(const struct dv_error *err, int io_rc)
{
	fprintf(stderr, "discvault: %s\n", err->msg);
	switch (err->code) {
	case DV_ERR_USAGE:
		return RC_USAGE;
	case DV_ERR_MISMATCH:
		return io_rc == RC_IO ? RC_NOCRITICAL : io_rc;
	default:
		return io_rc;
	}
}

static const char *state_name(enum par2_file_state s)
{
	switch (s) {
	case PAR2_FILE_OK: return "found";
	case PAR2_FILE_DAMAGED: return "damaged";
	case PAR2_FILE_MISSING: return "missing";
	case PAR2_FILE_NODESC: return "no description";
	case PAR2_FILE_REPAIRED: return "repaired";
	}
	return "?";
}

static void print_report(const struct par2_report *r, int after_repair)
{
	printf("Recovery set: %u file(s), block size %" PRIu64 ", %u data blocks, "
	       "%u .par2 file(s) read", r->nfiles, r->block_size, r->blocks_total,
	       r->par2_files);
	if (r->packets_bad)
		printf(", %u bad packet(s) ignored", r->packets_bad);
	printf("\n");
	for (uint32_t i = 0; i < r->nfiles; i++) {
		const struct par2_file_report *f = &r->files[i];

		printf("  %-9s \"%s\"", state_name(f->state), f->name);
		if (f->state == PAR2_FILE_DAMAGED)
			printf(" (%u of %u blocks found)", f->blocks_found, f->blocks);
		printf("\n");
	}
	if (r->blocks_in_extra)
		printf("%u block(s) found in other files.\n", r->blocks_in_extra);
	if (r->status == PAR2_OK && !after_repair) {
		printf("All files are correct, repair is not required.\n");
		return;
	}
	if (!after_repair || r->status != PAR2_OK) {
		printf("You have %u out of %u data blocks available.\n",
		       r->blocks_total - r->blocks_missing, r->blocks_total);
		printf("You have %u recovery blocks available.\n", r->recovery_available);
	}
	if (r->status == PAR2_REPAIRABLE)
		printf("Repair is possible%s.\n", r->blocks_missing ?
		       "" : " (files need to be rewritten, no block is missing)");
	else if (r->status == PAR2_UNREPAIRABLE) {
		if (r->blocks_missing > r->recovery_available)
			printf("Repair is not possible. You need %u more recovery "
			       "blocks to be able to repair.\n",
			       r->blocks_missing - r->recovery_available);
		else
			printf("Repair is not possible: file descriptions are missing.\n");
	}
}

int cmd_par2(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct par2_options opt = PAR2_OPTIONS_INIT;
	struct par2_report rep = PAR2_REPORT_INIT;
	struct dv_error err = DV_ERROR_INIT;
	struct prog_state ps = { NULL, NULL };
	const char *mode;
	int c, quiet = 0, rc, have_r = 0, have_c = 0, have_b = 0, have_s = 0;
	uint64_t mib;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? RC_USAGE : RC_OK;
	}
	mode = argv[1];
	if (strcmp(mode, "create") && strcmp(mode, "c") && strcmp(mode, "verify") &&
	    strcmp(mode, "v") && strcmp(mode, "repair") && strcmp(mode, "r"))
		return bad_args("unknown mode '%s'", mode);
	argc--;
	argv++;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+r:c:b:s:n:uf:t:m:k:pqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (parse_u32(optarg, &opt.redundancy_pct) || opt.redundancy_pct > 1000)
				return bad_args("invalid redundancy '%s'", optarg);
			have_r = 1;
			break;
		case 'c':
			if (parse_u32(optarg, &opt.recovery_count) || opt.recovery_count > 65535)
				return bad_args("invalid recovery block count '%s'", optarg);
			have_c = 1;
			break;
		case 'b':
			if (parse_u32(optarg, &opt.block_count) || !opt.block_count ||
			    opt.block_count > 32768)
				return bad_args("invalid block count '%s'", optarg);
			have_b = 1;
			break;
		case 's':
			if (parse_u64(optarg, &opt.block_size) || !opt.block_size ||
			    opt.block_size % 4)
				return bad_args("invalid block size '%s' (a multiple of 4)", optarg);
			have_s = 1;
			break;
		case 'n':
			if (parse_u32(optarg, &opt.recovery_files) || !opt.recovery_files ||
			    opt.recovery_files > 31)
				return bad_args("invalid number of recovery files '%s'", optarg);
			break;
		case 'u':
			opt.uniform = 1;
			break;
		case 'f':
			if (parse_u32(optarg, &opt.first_exponent) || opt.first_exponent > 65534)
				return bad_args("invalid first block '%s'", optarg);
			break;
		case 't':
			if (parse_u32(optarg, &opt.threads) || !opt.threads || opt.threads > 64)
				return bad_args("invalid thread count '%s'", optarg);
			break;
		case 'm':
			if (parse_u64(optarg, &mib) || !mib || mib > (1ull << 30))
				return bad_args("invalid memory limit '%s' (MiB)", optarg);
			opt.memory_limit = mib << 20;
			break;
		case 'k':
			if (!gf16_kernel_get(optarg))
				return bad_args("kernel '%s' is unknown or not supported by this CPU",
						optarg);
			setenv("DV_GF16_KERNEL", optarg, 1);
			break;
		case 'p':
			opt.purge_backups = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return RC_OK;
		default:
			return bad_args("invalid option '%s'", argv[optind - 1]);
		}
	}
	if ((have_r && have_c) || (have_b && have_s))
		return bad_args("%s", "-r and -c, and -b and -s, exclude each other");
	if (optind >= argc)
		return bad_args("%s", "no .par2 file given");
	if (!quiet) {
		opt.progress = on_progress;
		opt.progress_ctx = &ps;
	}
	if (mode[0] == 'c') {
		if (optind + 1 >= argc)
			return bad_args("%s", "you must specify a list of files when creating");
		rc = par2_create(argv[optind], (const char *const *)argv + optind + 1,
				 (size_t)(argc - optind - 1), &opt, &err);
		if (rc < 0) {
			progress_abort(ps.p);
			return error_rc(&err, RC_IO);
		}
		progress_finish(ps.p);
		printf("Created recovery files for %d file(s) as '%s'.\n",
		       argc - optind - 1, argv[optind]);
	} else {
		/* more files: searched for blocks too (renamed or partial copies) */
		opt.extra_files = (const char *const *)argv + optind + 1;
		opt.nextra = (size_t)(argc - optind - 1);
		for (size_t i = 0; i < opt.nextra; i++)
			if (access(opt.extra_files[i], R_OK))
				fprintf(stderr, "discvault: warning: cannot read '%s' (%s); "
					"not searched\n", opt.extra_files[i], strerror(errno));
		if (mode[0] == 'v')
			rc = par2_verify(argv[optind], &opt, &rep, &err);
		else
			rc = par2_repair(argv[optind], &opt, &rep, &err);
		if (rc < 0) {
			progress_abort(ps.p);
			rc = error_rc(&err, mode[0] == 'r' && rep.files ?
				      RC_REPAIR_FAILED : RC_IO);
			par2_report_release(&rep);
			return rc;
		}
		progress_finish(ps.p);
		if (mode[0] == 'r' && rc == PAR2_OK && rep.status != PAR2_OK) {
			rep.status = PAR2_OK;
			print_report(&rep, 1);
			printf("Repair complete.\n");
		} else {
			print_report(&rep, 0);
		}
		par2_report_release(&rep);
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "discvault: cannot write to stdout: %s\n", strerror(errno));
		return RC_IO;
	}
	return rc;
}
