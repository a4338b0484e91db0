/*
 * inspect.h - read-only structure analysis of a disc image or device, as
 * isolyzer does it, from our own parsers: ISO 9660 (PVD, plus Joliet SVDs
 * and El Torito), High Sierra, UDF (AVDP, partition, logical volume and
 * integrity descriptors), Apple partition map, HFS, HFS+ and MFS; and the
 * size check that compares the image size with what the structures
 * promise.
 *
 * The size check follows isolyzer 1.4 exactly: sizeExpected is the largest
 * of the PVD, High Sierra SFSVD, Apple zero block (only with a partition
 * map), HFS/MFS MDB at byte 1024, HFS+ header and UDF (partition start +
 * length, times the LVD block size) estimates. Only walks over hostile data
 * are capped (see INSPECT_MAX_*), where isolyzer would loop on.
 *
 * Every structure is reported as a list of named fields (struct
 * insp_struct) whose names are isolyzer's XML element names; structures
 * isolyzer does not report (Joliet, El Torito, UDF anchors) are marked
 * `extra` and appear in JSON and the human summary but not in the
 * isolyzer-compatible XML.
 */
#ifndef DV_ISO_INSPECT_H
#define DV_ISO_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "engine/iso/blksrc.h"
#include "platform/error.h"

#define INSPECT_MAX_VDS 256	/* ISO / High Sierra / extended VDs walked */
#define INSPECT_MAX_UDF_VDS 256 /* UDF main VDS descriptors walked */
#define INSPECT_MAX_APM 64	/* Apple partition map entries */
#define INSPECT_MAX_FIELDS 40
#define INSPECT_MAX_STRUCTS 48
#define INSPECT_MAX_FS 6

enum insp_type { INSP_UINT, INSP_INT, INSP_TEXT, INSP_BOOL };

struct insp_field {
	const char *name; /* static string: isolyzer's element name */
	enum insp_type type;
	uint64_t u; /* INSP_UINT, INSP_BOOL */
	int64_t i;  /* INSP_INT */
	char *text; /* INSP_TEXT, UTF-8, owned */
};

struct insp_struct {
	const char *name; /* "primaryVolumeDescriptor", ... */
	int extra;	  /* not part of isolyzer's output */
	size_t n;
	struct insp_field f[INSPECT_MAX_FIELDS];
};

struct insp_fs {
	const char *type; /* "ISO 9660", "High Sierra", "UDF", "HFS", ... */
	size_t n;
	struct insp_struct *s[INSPECT_MAX_STRUCTS];
};

struct inspect_report {
	uint64_t sector_offset; /* as isolyzer --offset (sectors) */
	int success;		/* 0: a read failed part way */
	char failure[1024];

	int contains_known_fs;
	int64_t size_expected;	 /* bytes; 0 when nothing gave a size */
	const char *size_source; /* e.g. "ISO 9660 PVD"; "" if none */
	uint64_t size_actual;
	int64_t size_difference; /* actual - expected */
	int size_as_expected;
	int smaller_than_expected;

	/* Convenience copies for callers (rip's manifest). */
	char volume_id[128]; /* PVD, else SFSVD, UDF LVD, HFS name */
	int has_iso9660, has_joliet, has_eltorito, has_hsf, has_udf;
	int has_apm, has_hfs, has_hfsplus, has_mfs;
	int udf_avdp_256, udf_avdp_n256, udf_avdp_last; /* valid anchors */

	size_t n_fs;
	struct insp_fs fs[INSPECT_MAX_FS];
};

/* Data about the file or device inspected, for the fileInfo element. */
struct inspect_fileinfo {
	const char *name; /* basename */
	const char *path; /* absolute path */
	uint64_t size;
	int64_t mtime; /* seconds since the epoch */
	int have_mtime;
};

/* Analyse src. sector_offset (2048-byte sectors) is subtracted from the
 * volume space sizes, for images of a later session. Returns 0 when the
 * analysis ran (whatever it found), -1 when a read failed: then err is
 * filled and rep->success is 0 with rep->failure set. Always release rep. */
int inspect_run(const struct blksrc *src, uint64_t sector_offset, struct inspect_report *rep,
		struct dv_error *err);
void inspect_report_release(struct inspect_report *rep);

/* sizeDifferenceSectors as isolyzer prints it (Python float repr of
 * difference / 2048): "0.0", "16.044921875", "-191.99755859375". */
const char *inspect_diff_sectors(const struct inspect_report *rep, char *buf, size_t size);

/* Look up a field of a structure; NULL when absent. */
const struct insp_field *insp_find(const struct insp_struct *s, const char *name);

/* isolyzer-compatible XML document (malloc'ed, NUL-terminated). tool and
 * version fill toolInfo. Returns NULL on out-of-memory. */
char *inspect_report_xml(const struct inspect_report *rep, const struct inspect_fileinfo *fi,
			 const char *tool, const char *version);

/* The same as a JSON object (new reference), with the extra structures
 * and sizeExpectedSource. Returns NULL on out-of-memory. */
json_t *inspect_report_json(const struct inspect_report *rep, const struct inspect_fileinfo *fi,
			    const char *tool, const char *version);

#endif
