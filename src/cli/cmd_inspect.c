/*
 * cmd_inspect.c - `discvault inspect IMAGE|DEVICE`: the structure of a disc
 * image or device (ISO 9660, High Sierra, UDF, HFS, HFS+, MFS, Apple
 * partition map) and whether its size matches what those structures say,
 * as isolyzer reports it. Human summary, JSON, or isolyzer-compatible XML.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/commands.h"
#include "engine/drive/drive_blksrc.h"
#include "engine/iso/blksrc.h"
#include "engine/iso/inspect.h"
#include "engine/iso/isotree.h"
#include "platform/error.h"
#include "platform/fileio.h"
#include "platform/banned.h"

#ifndef DV_VERSION
#define DV_VERSION "0"
#endif

enum {
	EXIT_INSPECT_OK = 0,
	EXIT_INSPECT_FAIL = 1,
	EXIT_INSPECT_SIZE = 2,
	EXIT_INSPECT_NOFS = 3,
};

static const char usage[] =
    "usage: discvault inspect [--json | --xml] [-o FILE] [--offset N] IMAGE|DEVICE|sim:DIR\n"
    "       discvault inspect --list [--names=auto|rockridge|joliet|iso] IMAGE|DEVICE|sim:DIR\n"
    "\n"
    "Report the structure of a disc image or device (ISO 9660 with Joliet and\n"
    "El Torito, High Sierra, UDF, HFS, HFS+, MFS, Apple partition map) and\n"
    "check its size against what those structures say, as isolyzer does.\n"
    "\n"
    "  --json         print the report as JSON\n"
    "  --xml          print the report as isolyzer-compatible XML\n"
    "                 (namespace http://kb.nl/ns/isolyzer/v1/)\n"
    "  -o, --output FILE  write the report to FILE instead of standard output\n"
    "  --offset N     the image starts at sector N of the disc (a later\n"
    "                 session); N is subtracted from the volume space size\n"
    "  --list         list the ISO 9660 file tree instead (mode, links,\n"
    "                 size, modification time UTC, path), read without mounting\n"
    "  --names=NS     the namespace to list: auto (Rock Ridge, else Joliet,\n"
    "                 else ISO 9660; the default), rockridge, joliet or iso\n"
    "  -h, --help     show this help\n"
    "\n"
    "Exit status:\n"
    "  0  a known file system was found and the size is as expected\n"
    "  1  failure: bad arguments, the source or the output cannot be\n"
    "     read or written\n"
    "  2  the size differs from the expected size (truncated, or padded)\n"
    "  3  no known file system was found\n"
    "With --list: 0 when the tree was read, 1 otherwise.\n";

/* Drives (sim:, mac:, stdio:, /dev/srN) are read in whole sectors through
 * the drive layer; image files and other block devices directly. */
static int is_drive_address(const char *path)
{
	return drive_address_is_drive(path);
}

static int open_source(struct blksrc *src, const char *path, struct dv_error *err)
{
	if (is_drive_address(path))
		return drive_blksrc_open(src, path, err);
	return blksrc_open_path(src, path, err);
}

static void fs_list(const struct inspect_report *rep, char *buf, size_t size)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < rep->n_fs && n < size; i++) {
		int k = snprintf(buf + n, size - n, "%s%s", i ? ", " : "", rep->fs[i].type);

		if (k < 0)
			break;
		n += (size_t)k;
	}
	if (!rep->n_fs)
		snprintf(buf, size, "none");
}

static int write_human(FILE *fp, const struct inspect_report *rep, const char *path)
{
	char fsl[256], sec[64];
	const struct insp_field *lvl = NULL;
	size_t i, j;

	for (i = 0; i < rep->n_fs; i++)
		for (j = 0; j < rep->fs[i].n; j++)
			if (!lvl && strcmp(rep->fs[i].s[j]->name, "jolietVolumeDescriptor") == 0)
				lvl = insp_find(rep->fs[i].s[j], "jolietLevel");
	fs_list(rep, fsl, sizeof(fsl));
	fprintf(fp, "image:            %s\n", path);
	fprintf(fp, "file systems:     %s\n", fsl);
	if (rep->volume_id[0])
		fprintf(fp, "volume:           %s\n", rep->volume_id);
	if (rep->has_iso9660) {
		if (lvl)
			fprintf(fp, "joliet:           yes (level %" PRIu64 ")\n", lvl->u);
		else
			fprintf(fp, "joliet:           no\n");
		fprintf(fp, "el torito:        %s\n", rep->has_eltorito ? "yes" : "no");
	}
	if (rep->has_udf)
		fprintf(fp, "udf anchors:      256 %s, N-256 %s, N-1 %s\n",
			rep->udf_avdp_256 ? "yes" : "no", rep->udf_avdp_n256 ? "yes" : "no",
			rep->udf_avdp_last ? "yes" : "no");
	fprintf(fp, "size expected:    %" PRId64 " bytes%s%s%s\n", rep->size_expected,
		rep->size_source[0] ? " (from " : "", rep->size_source,
		rep->size_source[0] ? ")" : "");
	fprintf(fp, "size actual:      %" PRIu64 " bytes\n", rep->size_actual);
	fprintf(fp, "size difference:  %" PRId64 " bytes, %s sectors\n", rep->size_difference,
		inspect_diff_sectors(rep, sec, sizeof(sec)));
	if (!rep->success)
		fprintf(fp, "result:           read failure: %s\n", rep->failure);
	else if (!rep->contains_known_fs)
		fprintf(fp, "result:           no known file system\n");
	else if (rep->size_as_expected)
		fprintf(fp, "result:           size as expected\n");
	else if (rep->smaller_than_expected)
		fprintf(fp, "result:           smaller than expected (truncated?)\n");
	else
		fprintf(fp, "result:           larger than expected\n");
	return 0;
}

static void mode_str(uint32_t mode, char *b)
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	b[0] = S_ISDIR(mode) ? 'd' : S_ISLNK(mode) ? 'l' : '-';
	for (i = 0; i < 9; i++)
		b[1 + i] = mode & (1u << (8 - i)) ? rwx[i] : '-';
	b[10] = '\0';
}

static int list_tree(FILE *fp, const char *path, enum isotree_names names)
{
	struct dv_error err = DV_ERROR_INIT;
	struct blksrc src = BLKSRC_INIT;
	struct isotree tree;
	size_t i;
	int rc = 0;

	if (open_source(&src, path, &err) < 0) {
		fprintf(stderr, "discvault: %s\n", err.msg);
		return EXIT_INSPECT_FAIL;
	}
	if (isotree_read(&src, 0, names, &tree, &err) < 0) {
		fprintf(stderr, "discvault: cannot read the file tree of '%s': %s\n", path,
			err.msg);
		rc = EXIT_INSPECT_FAIL;
		goto out;
	}
	fprintf(fp, "# names: %s\n", isotree_names_str(tree.names));
	for (i = 0; i < tree.n; i++) {
		const struct isotree_entry *e = &tree.entries[i];
		time_t t = (time_t)e->mtime;
		char m[11], when[32];
		struct tm tm;

		mode_str(e->mode, m);
		if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
			snprintf(when, sizeof(when), "?");
		fprintf(fp, "%s %3u %12" PRIu64 " %s %s%s%s\n", m, e->nlink, e->size, when, e->path,
			e->link_target ? " -> " : "", e->link_target ? e->link_target : "");
	}
	if (tree.skipped)
		fprintf(stderr, "discvault: %u malformed or capped directory records skipped\n",
			tree.skipped);
out:
	isotree_release(&tree);
	blksrc_close(&src);
	return rc;
}


/* The report as text, malloc'ed. */
static char *render(int format, const struct inspect_report *rep, const struct inspect_fileinfo *fi,
		    const char *path)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp;

	if (format == 'x')
		return inspect_report_xml(rep, fi, "discvault", DV_VERSION);
	if (format == 'j') {
		json_t *j = inspect_report_json(rep, fi, "discvault", DV_VERSION);
		char *s;

		if (!j)
			return NULL;
		s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(j);
		if (!s)
			return NULL;
		len = strlen(s);
		out = malloc(len + 2);
		if (out) {
			memcpy(out, s, len);
			out[len] = '\n';
			out[len + 1] = '\0';
		}
		free(s);
		return out;
	}
	fp = open_memstream(&out, &len);
	if (!fp)
		return NULL;
	write_human(fp, rep, path);
	if (fclose(fp) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},	      {"xml", no_argument, NULL, 'x'},
	    {"output", required_argument, NULL, 'o'}, {"offset", required_argument, NULL, 'O'},
	    {"list", no_argument, NULL, 'l'},	      {"names", required_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	struct dv_error err = DV_ERROR_INIT;
	struct blksrc src = BLKSRC_INIT;
	struct inspect_report rep;
	struct inspect_fileinfo fi = {NULL, NULL, 0, 0, 0};
	const char *outpath = NULL, *path, *base;
	char abspath[PATH_MAX];
	unsigned long long offset = 0;
	int format = 'h', c, rc, ran, list = 0;
	enum isotree_names names = ISOTREE_NAMES_AUTO;
	struct stat st;
	char *text;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
		case 'x':
			format = c;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'l':
			list = 1;
			break;
		case 'N':
			if (strcmp(optarg, "auto") == 0)
				names = ISOTREE_NAMES_AUTO;
			else if (strcmp(optarg, "rockridge") == 0)
				names = ISOTREE_NAMES_ROCKRIDGE;
			else if (strcmp(optarg, "joliet") == 0)
				names = ISOTREE_NAMES_JOLIET;
			else if (strcmp(optarg, "iso") == 0)
				names = ISOTREE_NAMES_ISO;
			else {
				fprintf(stderr, "discvault: inspect: invalid --names '%s'\n",
					optarg);
				return EXIT_INSPECT_FAIL;
			}
			break;
		case 'O': {
			char *end;

			errno = 0;
			offset = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' ||
			    offset > UINT32_MAX) {
				fprintf(stderr, "discvault: inspect: invalid --offset '%s'\n",
					optarg);
				return EXIT_INSPECT_FAIL;
			}
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return fflush(stdout) == 0 ? 0 : EXIT_INSPECT_FAIL;
		case ':':
			fprintf(stderr, "discvault: inspect: option '%s' needs a value\n%s",
				argv[optind - 1], usage);
			return EXIT_INSPECT_FAIL;
		default:
			fprintf(stderr, "discvault: inspect: unknown option '%s'\n%s",
				argv[optind - 1], usage);
			return EXIT_INSPECT_FAIL;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "discvault: inspect: %s\n%s",
			argc - optind < 1 ? "missing IMAGE or DEVICE" : "too many arguments",
			usage);
		return EXIT_INSPECT_FAIL;
	}
	path = argv[optind];
	if (list) {
		rc = list_tree(stdout, path, names);
		if (fflush(stdout) != 0) {
			fprintf(stderr, "discvault: cannot write the listing: %s\n",
				strerror(errno));
			rc = EXIT_INSPECT_FAIL;
		}
		return rc;
	}
	if (open_source(&src, path, &err) < 0) {
		fprintf(stderr, "discvault: %s\n", err.msg);
		return EXIT_INSPECT_FAIL;
	}
	if (is_drive_address(path) || !realpath(path, abspath))
		snprintf(abspath, sizeof(abspath), "%s", path);
	base = strrchr(abspath, '/');
	fi.name = base ? base + 1 : abspath;
	fi.path = abspath;
	fi.size = src.size;
	if (!is_drive_address(path) && stat(path, &st) == 0) {
		fi.mtime = (int64_t)st.st_mtime;
		fi.have_mtime = 1;
	}

	ran = inspect_run(&src, offset, &rep, &err);
	blksrc_close(&src);
	if (ran < 0)
		fprintf(stderr, "discvault: cannot inspect '%s': %s\n", path, err.msg);

	text = render(format, &rep, &fi, path);
	if (!text) {
		fprintf(stderr, "discvault: inspect: out of memory\n");
		inspect_report_release(&rep);
		return EXIT_INSPECT_FAIL;
	}
	if (outpath) {
		if (write_file_atomic(outpath, text, strlen(text), 0644, &err) < 0) {
			fprintf(stderr, "discvault: %s\n", err.msg);
			free(text);
			inspect_report_release(&rep);
			return EXIT_INSPECT_FAIL;
		}
	} else if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
		fprintf(stderr, "discvault: cannot write the report: %s\n", strerror(errno));
		free(text);
		inspect_report_release(&rep);
		return EXIT_INSPECT_FAIL;
	}
	free(text);

	if (ran < 0)
		rc = EXIT_INSPECT_FAIL;
	else if (!rep.contains_known_fs)
		rc = EXIT_INSPECT_NOFS;
	else if (!rep.size_as_expected)
		rc = EXIT_INSPECT_SIZE;
	else
		rc = EXIT_INSPECT_OK;
	inspect_report_release(&rep);
	return rc;
}
