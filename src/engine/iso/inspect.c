/*
 * inspect.c - the structure parsers behind `discvault inspect` and the
 * isolyzer size check.
 *
 * Each parser reads a fixed-size structure through the block source with
 * blksrc_read_clamped(): bytes past the end of the source read as zeros,
 * so truncated images are analysed as far as they go and nothing is ever
 * read out of bounds. Detection follows isolyzer 1.4 signature by
 * signature, so that the expected size (and which structure gives it)
 * matches what isolyzer reports for the same image.
 */
#include "engine/iso/inspect.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/iso/inspect_int.h"
#include "platform/banned.h"

#define SECTOR 2048
#define VD_START (16 * SECTOR)

struct ictx {
	const struct blksrc *src;
	struct dv_error *err;
	int ioerr;
	struct inspect_report *rep;
};

/* Read len bytes at off, zero-filled past the end. Returns the number of
 * real bytes, or -1 after a read error (then every later read fails). */
static int64_t rd(struct ictx *c, uint64_t off, void *buf, size_t len)
{
	int64_t n;

	if (c->ioerr) {
		memset(buf, 0, len);
		return -1;
	}
	n = blksrc_read_clamped(c->src, off, buf, len, c->err);
	if (n < 0) {
		c->ioerr = 1;
		memset(buf, 0, len);
	}
	return n;
}

/* For the structures isolyzer does not read (anchors near the end, the
 * boot catalog): a read error there, as in the unreadable run-out
 * sectors of a TAO disc, only means "not found". */
static int64_t rd_soft(struct ictx *c, uint64_t off, void *buf, size_t len)
{
	struct dv_error scratch = DV_ERROR_INIT;
	int64_t n;

	if (c->ioerr) {
		memset(buf, 0, len);
		return -1;
	}
	n = blksrc_read_clamped(c->src, off, buf, len, &scratch);
	if (n < 0)
		memset(buf, 0, len);
	return n;
}

static struct insp_fs *add_fs(struct inspect_report *rep, const char *type)
{
	struct insp_fs *fs;

	if (rep->n_fs >= INSPECT_MAX_FS)
		return NULL;
	fs = &rep->fs[rep->n_fs++];
	memset(fs, 0, sizeof(*fs));
	fs->type = type;
	return fs;
}

/* isolyzer's decDateTimeToDate(): the 17-byte decimal date as
 * "Y/MM/DD, HH:MM:SS", or "" when a part is not a number. */
static int py_int(const unsigned char *p, size_t len, long *out)
{
	char *t = insp_text_clean(p, len);
	const char *s;
	int neg = 0, digits = 0;
	long v = 0;

	if (!t)
		return -1;
	s = t;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; *s; s++) {
		if (*s == '_' && digits && s[1] >= '0' && s[1] <= '9')
			continue;
		if (*s < '0' || *s > '9')
			break;
		v = v * 10 + (*s - '0');
		digits++;
	}
	if (!digits || *s) {
		free(t);
		return -1;
	}
	free(t);
	*out = neg ? -v : v;
	return 0;
}

static void add_dec_datetime(struct insp_struct *s, const char *name, const unsigned char *p)
{
	long y, mo, d, h, mi, se, cs;
	char buf[128];

	if (py_int(p, 4, &y) || py_int(p + 4, 2, &mo) || py_int(p + 6, 2, &d) ||
	    py_int(p + 8, 2, &h) || py_int(p + 10, 2, &mi) || py_int(p + 12, 2, &se) ||
	    py_int(p + 14, 2, &cs)) {
		insp_add_str(s, name, "");
		return;
	}
	snprintf(buf, sizeof(buf), "%ld/%02ld/%02ld, %02ld:%02ld:%02ld", y, mo, d, h, mi, se);
	insp_add_str(s, name, buf);
}

/* The Primary Volume Descriptor of ISO 9660 and the Standard File
 * Structure VD of High Sierra share isolyzer's field layout. */
static struct insp_struct *parse_pvd(struct insp_fs *fs, const char *name, const unsigned char *b)
{
	struct insp_struct *s = insp_fs_add(fs, name, 0);

	if (!s)
		return NULL;
	insp_add_uint(s, "typeCode", b[0]);
	insp_add_text(s, "standardIdentifier", b + 1, 5);
	insp_add_uint(s, "version", b[6]);
	insp_add_text(s, "systemIdentifier", b + 8, 32);
	insp_add_text(s, "volumeIdentifier", b + 40, 32);
	insp_add_uint(s, "volumeSpaceSize", get_be32(b + 84));
	insp_add_uint(s, "volumeSetSize", get_be16(b + 122));
	insp_add_uint(s, "volumeSequenceNumber", get_be16(b + 126));
	insp_add_uint(s, "logicalBlockSize", get_be16(b + 130));
	insp_add_uint(s, "pathTableSize", get_be32(b + 136));
	insp_add_uint(s, "typeLPathTableLocation", get_le32(b + 140));
	insp_add_uint(s, "optionalTypeLPathTableLocation", get_le32(b + 144));
	insp_add_uint(s, "typeMPathTableLocation", get_be32(b + 148));
	insp_add_uint(s, "optionalTypeMPathTableLocation", get_be32(b + 152));
	insp_add_text(s, "volumeSetIdentifier", b + 190, 128);
	insp_add_text(s, "publisherIdentifier", b + 318, 128);
	insp_add_text(s, "dataPreparerIdentifier", b + 446, 128);
	insp_add_text(s, "applicationIdentifier", b + 574, 128);
	insp_add_text(s, "copyrightFileIdentifier", b + 702, 38);
	insp_add_text(s, "abstractFileIdentifier", b + 740, 36);
	insp_add_text(s, "bibliographicFileIdentifier", b + 776, 37);
	add_dec_datetime(s, "volumeCreationDateAndTime", b + 813);
	add_dec_datetime(s, "volumeModificationDateAndTime", b + 830);
	add_dec_datetime(s, "volumeExpirationDateAndTime", b + 847);
	add_dec_datetime(s, "volumeEffectiveDateAndTime", b + 864);
	insp_add_uint(s, "fileStructureVersion", b[881]);
	return s;
}

/* A Joliet SVD: type 2 with a UCS-2 level escape sequence at 88. */
static int joliet_level(const unsigned char *b)
{
	if (b[0] != 2 || b[88] != 0x25 || b[89] != 0x2f)
		return 0;
	return b[90] == 0x40 ? 1 : b[90] == 0x43 ? 2 : b[90] == 0x45 ? 3 : 0;
}

static void parse_joliet(struct ictx *c, struct insp_fs *fs, const unsigned char *b, uint64_t off)
{
	struct insp_struct *s = insp_fs_add(fs, "jolietVolumeDescriptor", 1);

	c->rep->has_joliet = 1;
	if (!s)
		return;
	insp_add_uint(s, "sector", off / SECTOR);
	insp_add_uint(s, "jolietLevel", (uint64_t)joliet_level(b));
	insp_add_owned(s, "systemIdentifier", insp_text_ucs2be(b + 8, 32));
	insp_add_owned(s, "volumeIdentifier", insp_text_ucs2be(b + 40, 32));
	insp_add_uint(s, "volumeSpaceSize", get_be32(b + 84));
	insp_add_uint(s, "logicalBlockSize", get_be16(b + 130));
	insp_add_uint(s, "pathTableSize", get_be32(b + 136));
	insp_add_uint(s, "rootDirectoryLocation", get_le32(b + 156 + 2));
	insp_add_uint(s, "rootDirectorySize", get_le32(b + 156 + 10));
	insp_add_owned(s, "volumeSetIdentifier", insp_text_ucs2be(b + 190, 128));
	insp_add_owned(s, "publisherIdentifier", insp_text_ucs2be(b + 318, 128));
	insp_add_owned(s, "applicationIdentifier", insp_text_ucs2be(b + 574, 128));
}

/* El Torito: the boot record points at the boot catalog, whose first
 * entry is the validation entry and second the initial/default entry. */
static void parse_eltorito(struct ictx *c, struct insp_fs *fs, const unsigned char *b)
{
	struct insp_struct *s = insp_fs_add(fs, "elToritoBootRecord", 1);
	unsigned char cat[SECTOR];
	uint32_t catlba = get_le32(b + 71);
	unsigned sum = 0;
	int valid, sections = 0;
	size_t i;

	c->rep->has_eltorito = 1;
	if (!s)
		return;
	insp_add_text(s, "bootSystemIdentifier", b + 7, 32);
	insp_add_uint(s, "bootCatalogLocation", catlba);
	if (rd_soft(c, (uint64_t)catlba * SECTOR, cat, sizeof(cat)) < 32) {
		insp_add_bool(s, "bootCatalogReadable", 0);
		return;
	}
	insp_add_bool(s, "bootCatalogReadable", 1);
	for (i = 0; i < 32; i += 2)
		sum += get_le16(cat + i);
	valid = cat[0] == 1 && cat[30] == 0x55 && cat[31] == 0xaa && (sum & 0xffff) == 0;
	insp_add_bool(s, "validationEntryValid", valid);
	insp_add_uint(s, "platformId", cat[1]);
	insp_add_text(s, "idString", cat + 4, 24);
	insp_add_bool(s, "defaultEntryBootable", cat[32] == 0x88);
	insp_add_uint(s, "defaultEntryMediaType", cat[33] & 0x0f);
	insp_add_uint(s, "defaultEntryLoadSegment", get_le16(cat + 34));
	insp_add_uint(s, "defaultEntrySystemType", cat[36]);
	insp_add_uint(s, "defaultEntrySectorCount", get_le16(cat + 38));
	insp_add_uint(s, "defaultEntryLoadRBA", get_le32(cat + 40));
	/* Section headers (0x90, 0x91 = last) after the default entry. */
	for (i = 64; i + 32 <= sizeof(cat); i += 32) {
		if (cat[i] != 0x90 && cat[i] != 0x91)
			break;
		sections++;
		if (cat[i] == 0x91)
			break;
		i += 32 * (size_t)get_le16(cat + i + 2);
	}
	insp_add_uint(s, "sectionHeaders", (uint64_t)sections);
}

struct walk {
	int vdtype;   /* last VD type read; -9999 at the end of data */
	uint64_t pos; /* byte position after the last VD read */
	struct insp_struct *pvd, *sfsvd;
};

static void walk_iso(struct ictx *c, struct walk *w)
{
	struct insp_fs *fs = add_fs(c->rep, "ISO 9660");
	unsigned char b[SECTOR];
	int n = 0;

	c->rep->has_iso9660 = 1;
	while (w->vdtype != 255 && w->vdtype != -9999 && n++ < INSPECT_MAX_VDS) {
		if (rd(c, w->pos, b, sizeof(b)) <= 0) {
			w->vdtype = -9999;
			break;
		}
		w->vdtype = b[0];
		if (fs && b[0] == 1) {
			struct insp_struct *s = parse_pvd(fs, "primaryVolumeDescriptor", b);

			if (s)
				w->pvd = s;
		} else if (fs && joliet_level(b)) {
			parse_joliet(c, fs, b, w->pos);
		} else if (fs && b[0] == 0 && memcmp(b + 7, "EL TORITO SPECIFICATION", 23) == 0) {
			parse_eltorito(c, fs, b);
		}
		w->pos += SECTOR;
	}
}

static void walk_hsf(struct ictx *c, struct walk *w)
{
	struct insp_fs *fs = add_fs(c->rep, "High Sierra");
	unsigned char b[SECTOR];
	int n = 0;

	c->rep->has_hsf = 1;
	while (w->vdtype != 255 && w->vdtype != -9999 && n++ < INSPECT_MAX_VDS) {
		if (rd(c, w->pos + 8, b, 1) <= 0) {
			w->vdtype = -9999;
			break;
		}
		w->vdtype = b[0];
		if (w->vdtype == 1 && fs) {
			struct insp_struct *s;

			rd(c, w->pos, b, sizeof(b));
			s = parse_pvd(fs, "standardFileStructureVolumeDescriptor", b);
			if (s)
				w->sfsvd = s;
		}
		w->pos += SECTOR;
	}
}

/* After the ISO descriptors: BEA01/NSR02/NSR03/BOOT2/TEA01 mean UDF. */
static int count_extended(struct ictx *c, uint64_t pos)
{
	static const char *const ids[] = {"CD001", "BEA01", "NSR02", "NSR03", "BOOT2", "TEA01"};
	unsigned char id[5];
	int count = 0, n = 0, known = 1;

	while (known && n++ < INSPECT_MAX_VDS) {
		size_t k;

		known = 0;
		if (rd(c, pos + 1, id, sizeof(id)) < (int64_t)sizeof(id))
			break;
		for (k = 0; k < sizeof(ids) / sizeof(ids[0]); k++)
			if (memcmp(id, ids[k], 5) == 0)
				known = 1 + (k > 0);
		if (known == 2)
			count++;
		pos += SECTOR;
	}
	return count;
}

static int udf_tag_checksum_ok(const unsigned char *t)
{
	unsigned sum = 0;
	int i;

	for (i = 0; i < 16; i++)
		if (i != 4)
			sum += t[i];
	return (sum & 0xff) == t[4];
}

static void add_tag(struct insp_struct *s, const unsigned char *b)
{
	insp_add_uint(s, "tagIdentifier", get_le16(b));
	insp_add_uint(s, "descriptorVersion", get_le16(b + 2));
	insp_add_uint(s, "tagSerialNumber", get_le16(b + 6));
}

/* An extra: is there a valid Anchor Volume Descriptor Pointer at sector
 * lba? (tag 2, correct tag checksum, tag location == lba) */
static int check_avdp(struct ictx *c, struct insp_fs *fs, uint64_t lba, const char *where)
{
	unsigned char b[512];
	struct insp_struct *s;
	int ok;

	if (lba > UINT64_MAX / SECTOR || rd_soft(c, lba * SECTOR, b, sizeof(b)) < 32)
		return 0;
	ok = get_le16(b) == 2 && udf_tag_checksum_ok(b) && get_le32(b + 12) == (uint32_t)lba;
	if (!ok)
		return 0;
	s = fs ? insp_fs_add(fs, "anchorVolumeDescriptorPointer", 1) : NULL;
	if (s) {
		insp_add_str(s, "position", where);
		insp_add_uint(s, "sector", lba);
		insp_add_uint(s, "mainVolumeDescriptorSequenceLength", get_le32(b + 16));
		insp_add_uint(s, "mainVolumeDescriptorSequenceLocation", get_le32(b + 20));
		insp_add_uint(s, "reserveVolumeDescriptorSequenceLength", get_le32(b + 24));
		insp_add_uint(s, "reserveVolumeDescriptorSequenceLocation", get_le32(b + 28));
	}
	return 1;
}

struct udf {
	struct insp_struct *pd, *lvd, *lvid;
};

static void parse_lvid(struct ictx *c, struct insp_fs *fs, struct udf *u, uint32_t loc)
{
	unsigned char b[SECTOR];
	struct insp_struct *s;
	char buf[96];

	rd(c, (uint64_t)loc * SECTOR, b, sizeof(b));
	s = insp_fs_add(fs, "logicalVolumeIntegrityDescriptor", 0);
	if (!s)
		return;
	add_tag(s, b);
	snprintf(buf, sizeof(buf), "%u/%02u/%02u, %02u:%02u:%02u", (unsigned)get_le16(b + 18),
		 b[20], b[21], b[22], b[23], b[24]);
	insp_add_str(s, "timeStamp", buf);
	insp_add_uint(s, "integrityType", get_le32(b + 28));
	insp_add_uint(s, "numberOfPartitions", get_le32(b + 72));
	insp_add_uint(s, "lengthOfImplementationUse", get_le32(b + 76));
	insp_add_uint(s, "freeSpaceTable", get_le32(b + 80));
	insp_add_uint(s, "sizeTable", get_le32(b + 84));
	u->lvid = s;
}

static void parse_lvd(struct ictx *c, struct insp_fs *fs, struct udf *u, const unsigned char *b)
{
	struct insp_struct *s = insp_fs_add(fs, "logicalVolumeDescriptor", 0);

	if (!s)
		return;
	add_tag(s, b);
	insp_add_uint(s, "volumeSequenceNumber", get_le32(b + 16));
	insp_add_text(s, "logicalVolumeIdentifier", b + 85, 127);
	insp_add_uint(s, "logicalBlockSize", get_le32(b + 212));
	insp_add_text(s, "domainIdentifier", b + 216, 32);
	insp_add_uint(s, "mapTableLength", get_le32(b + 264));
	insp_add_uint(s, "numberOfPartitionMaps", get_le32(b + 268));
	insp_add_text(s, "implementationIdentifier", b + 272, 32);
	insp_add_uint(s, "integritySequenceExtentLength", get_le32(b + 432));
	insp_add_uint(s, "integritySequenceExtentLocation", get_le32(b + 436));
	u->lvd = s;
	parse_lvid(c, fs, u, get_le32(b + 436));
}

static void parse_pd(struct insp_fs *fs, struct udf *u, const unsigned char *b)
{
	struct insp_struct *s = insp_fs_add(fs, "partitionDescriptor", 0);

	if (!s)
		return;
	add_tag(s, b);
	insp_add_uint(s, "volumeDescriptorSequenceNumber", get_le32(b + 16));
	insp_add_uint(s, "partitionNumber", get_le16(b + 22));
	insp_add_uint(s, "accessType", get_le32(b + 184));
	insp_add_uint(s, "partitionStartingLocation", get_le32(b + 188));
	insp_add_uint(s, "partitionLength", get_le32(b + 192));
	u->pd = s;
}

/* As isolyzer: the AVDP at sector 256 (not checked further), then the
 * main VDS from its location until a Terminating Descriptor (tag 8) or
 * the end of data. The anchors at N-256 and N-1 are checked as extras. */
static void walk_udf(struct ictx *c, struct udf *u)
{
	struct insp_fs *fs = add_fs(c->rep, "UDF");
	unsigned char b[SECTOR];
	uint64_t pos, nsec = c->src->size / SECTOR;
	int tag, n = 0;

	c->rep->has_udf = 1;
	if (!fs)
		return;
	c->rep->udf_avdp_256 = check_avdp(c, fs, 256, "256");
	if (nsec > 256 + 256)
		c->rep->udf_avdp_n256 = check_avdp(c, fs, nsec - 256, "N-256");
	if (nsec > 257)
		c->rep->udf_avdp_last = check_avdp(c, fs, nsec - 1, "N-1");

	if (rd(c, 256 * SECTOR, b, 512) < 2)
		return;
	tag = get_le16(b);
	pos = (uint64_t)get_le32(b + 20) * SECTOR;
	while (tag != 8 && n++ < INSPECT_MAX_UDF_VDS) {
		if (rd(c, pos, b, sizeof(b)) < 2)
			break;
		tag = get_le16(b);
		if (tag == 6)
			parse_lvd(c, fs, u, b);
		else if (tag == 5)
			parse_pd(fs, u, b);
		pos += SECTOR;
	}
}

/* Apple: the driver descriptor map ("ER") at 0, a partition map ("PM") at
 * 512..2048, an MDB ("BD" HFS, 0xD2D7 MFS) or HFS+ header ("H+"/"HX") at
 * byte 1024. */
struct apple {
	int zero_block, pm, mdb_sig, hfsplus_sig;
	struct insp_struct *zb, *mdb, *hfsplus;
	const char *fstype;
};

static struct insp_struct *parse_mdb(struct insp_fs *fs, const unsigned char *b)
{
	struct insp_struct *s = insp_fs_add(fs, "masterDirectoryBlock", 0);

	if (!s)
		return NULL;
	insp_add_text(s, "signature", b, 2);
	insp_add_uint(s, "blockSize", get_be16(b + 18));
	insp_add_uint(s, "blockCount", get_be32(b + 20));
	/* a Pascal string: length byte at 36 (isolyzer does not cap it at
	 * the 27 characters HFS allows) */
	insp_add_text(s, "volumeName", b + 37, b[36]);
	return s;
}

static struct insp_struct *parse_pm_entry(struct insp_fs *fs, const unsigned char *b)
{
	struct insp_struct *s = insp_fs_add(fs, "applePartitionMap", 0);

	if (!s)
		return NULL;
	insp_add_text(s, "signature", b, 2);
	insp_add_uint(s, "numberOfPartitionEntries", get_be32(b + 4));
	insp_add_uint(s, "partitionBlockStart", get_be32(b + 8));
	insp_add_uint(s, "partitionBlockCount", get_be32(b + 12));
	insp_add_text(s, "partitionName", b + 16, 32);
	insp_add_text(s, "partitionType", b + 48, 32);
	insp_add_uint(s, "partitionLogicalBlockStart", get_be32(b + 80));
	insp_add_uint(s, "partitionLogicalBlockCount", get_be32(b + 84));
	insp_add_uint(s, "partitionFlags", get_be32(b + 88));
	insp_add_uint(s, "bootCodeBlockStart", get_be32(b + 92));
	insp_add_uint(s, "bootCodeSizeInBytes", get_be32(b + 96));
	insp_add_uint(s, "bootCodeLoadAddress", get_be32(b + 100));
	insp_add_uint(s, "bootCodeJumpAddress", get_be32(b + 108));
	insp_add_uint(s, "bootCodeChecksum", get_be32(b + 116));
	insp_add_text(s, "processorType", b + 120, 16);
	return s;
}

static void walk_apple(struct ictx *c, struct apple *a)
{
	unsigned char b[512], head[2];
	uint64_t blk = 512, pmoff = 0, offs[5];
	uint32_t entries, i;
	struct insp_fs *fs;
	int has_mfs = 0, has_hfs = 0, has_hfsx = 0;
	size_t k, j;

	rd(c, 0, b, sizeof(b));
	a->zero_block = b[0] == 'E' && b[1] == 'R';
	if (a->zero_block)
		blk = get_be16(b + 2);
	/* Candidate offsets of the partition map, sorted and unique. */
	offs[0] = 512;
	offs[1] = 1024;
	offs[2] = 1536;
	offs[3] = 2048;
	offs[4] = blk;
	for (k = 0; k < 5; k++)
		for (j = k + 1; j < 5; j++)
			if (offs[j] < offs[k]) {
				uint64_t t = offs[k];

				offs[k] = offs[j];
				offs[j] = t;
			}
	for (k = 0; k < 5; k++) {
		if (k > 0 && offs[k] == offs[k - 1])
			continue;
		if (rd(c, offs[k], head, 2) == 2 && head[0] == 'P' && head[1] == 'M') {
			a->pm = 1;
			pmoff = offs[k];
			blk = offs[k];
			break;
		}
	}
	rd(c, 1024, head, 2);
	if (head[0] == 'B' && head[1] == 'D')
		a->mdb_sig = 1, a->fstype = "HFS";
	if (head[0] == 0xd2 && head[1] == 0xd7)
		a->mdb_sig = 1, a->fstype = "MFS";
	if (head[0] == 'H' && (head[1] == '+' || head[1] == 'X'))
		a->hfsplus_sig = 1, a->fstype = "HFS+";
	if (!a->pm && !a->mdb_sig && !a->hfsplus_sig)
		return;
	fs = add_fs(c->rep, "HFS");
	if (!fs)
		return;
	if (a->zero_block) {
		struct insp_struct *s = insp_fs_add(fs, "appleZeroBlock", 0);

		rd(c, 0, b, sizeof(b));
		if (s) {
			insp_add_text(s, "signature", b, 2);
			insp_add_uint(s, "blockSize", get_be16(b + 2));
			insp_add_uint(s, "blockCount", get_be32(b + 4));
			insp_add_uint(s, "deviceType", get_be16(b + 8));
			insp_add_uint(s, "deviceID", get_be16(b + 10));
			insp_add_uint(s, "driverData", get_be32(b + 12));
			insp_add_uint(s, "driverDescriptorCount", get_be16(b + 80));
			insp_add_uint(s, "driverDescriptorBlockStart", get_be32(b + 82));
			insp_add_uint(s, "driverDescriptorBlockCount", get_be16(b + 86));
			insp_add_uint(s, "driverDescriptorSystemType", get_be16(b + 88));
			a->zb = s;
		}
	}
	if (a->pm) {
		c->rep->has_apm = 1;
		rd(c, pmoff, b, sizeof(b));
		entries = get_be32(b + 4);
		for (i = 0; i < entries || i == 0; i++) {
			struct insp_struct *s;
			const struct insp_field *f;

			if (i >= INSPECT_MAX_APM)
				break;
			if (i > 0)
				rd(c, pmoff + (uint64_t)i * blk, b, sizeof(b));
			s = parse_pm_entry(fs, b);
			f = s ? insp_find(s, "partitionType") : NULL;
			if (!f || !f->text)
				continue;
			if (strcmp(f->text, "Apple_MFS") == 0)
				has_mfs = 1;
			if (strcmp(f->text, "Apple_HFSX") == 0)
				has_hfsx = 1;
			if (strcmp(f->text, "Apple_HFS") == 0) {
				unsigned char m[512];
				uint64_t start = get_be32(b + 8);

				has_hfs = 1;
				rd(c, blk * start + 1024, m, sizeof(m));
				parse_mdb(fs, m);
			}
		}
		a->fstype = has_mfs ? "MFS" : has_hfs ? "HFS" : has_hfsx ? "HFS+" : "Unknown";
	}
	if (a->hfsplus_sig) {
		struct insp_struct *s = insp_fs_add(fs, "hfsPlusVolumeheader", 0);

		rd(c, 1024, b, sizeof(b));
		if (s) {
			insp_add_text(s, "signature", b, 2);
			insp_add_uint(s, "version", get_be16(b + 2));
			insp_add_uint(s, "blockSize", get_be32(b + 40));
			insp_add_uint(s, "blockCount", get_be32(b + 44));
			a->hfsplus = s;
			c->rep->has_hfsplus = 1;
		}
	}
	if (a->mdb_sig) {
		rd(c, 1024, b, sizeof(b));
		a->mdb = parse_mdb(fs, b);
		if (head[0] == 'B')
			c->rep->has_hfs = 1;
		else
			c->rep->has_mfs = 1;
	}
	fs->type = a->fstype;
	if (strcmp(a->fstype, "HFS") == 0)
		c->rep->has_hfs = 1;
	else if (strcmp(a->fstype, "MFS") == 0)
		c->rep->has_mfs = 1;
	else if (strcmp(a->fstype, "HFS+") == 0)
		c->rep->has_hfsplus = 1;
}

/* a * b saturated to the int64_t range (isolyzer's integers are
 * unbounded; only absurd field values can get here). */
static int64_t mul_sat(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
	return r;
}

static int64_t field_product(const struct insp_struct *s, const char *a, const char *b)
{
	return mul_sat(insp_get_int(s, a), insp_get_int(s, b));
}

static void set_volume_id(struct inspect_report *rep, const struct insp_struct *s, const char *name)
{
	const struct insp_field *f = s ? insp_find(s, name) : NULL;

	if (rep->volume_id[0] || !f || !f->text)
		return;
	snprintf(rep->volume_id, sizeof(rep->volume_id), "%s", f->text);
}

int inspect_run(const struct blksrc *src, uint64_t sector_offset, struct inspect_report *rep,
		struct dv_error *err)
{
	struct dv_error local = DV_ERROR_INIT;
	struct ictx c = {src, err ? err : &local, 0, rep};
	struct walk w = {-1, VD_START, NULL, NULL};
	struct udf u = {NULL, NULL, NULL};
	struct apple a;
	unsigned char s1[8], s2[8];
	int iso, hsf;
	int64_t off = (int64_t)(sector_offset > INT32_MAX ? INT32_MAX : sector_offset);
	struct {
		int64_t v;
		const char *src;
	} est[6];
	size_t k;

	memset(rep, 0, sizeof(*rep));
	memset(&a, 0, sizeof(a));
	rep->success = 1;
	rep->size_source = "";
	rep->sector_offset = sector_offset;
	rep->size_actual = src->size;

	rd(&c, 32769, s1, 5);
	rd(&c, 34817, s2, 5);
	iso = memcmp(s1, "CD001", 5) == 0 && memcmp(s2, "CD001", 5) == 0;
	rd(&c, 32777, s1, 5);
	hsf = memcmp(s1, "CDROM", 5) == 0;

	/* isolyzer's output order: ISO 9660, High Sierra, Apple, UDF. The
	 * Apple structures are read first, as isolyzer does. */
	walk_apple(&c, &a);
	if (iso)
		walk_iso(&c, &w);
	if (hsf)
		walk_hsf(&c, &w);
	if (count_extended(&c, w.pos) > 0)
		walk_udf(&c, &u);

	/* isolyzer orders fileSystems ISO, HSF, Apple, UDF: move Apple. */
	if (a.pm || a.mdb_sig || a.hfsplus_sig) {
		struct insp_fs apple = rep->fs[0];
		size_t n_before = (size_t)iso + (size_t)hsf;

		if (n_before && rep->n_fs > n_before) {
			memmove(&rep->fs[0], &rep->fs[1], n_before * sizeof(rep->fs[0]));
			rep->fs[n_before] = apple;
		}
	}
	rep->contains_known_fs = rep->n_fs > 0;

	est[0].v = w.pvd ? mul_sat(insp_get_int(w.pvd, "volumeSpaceSize") - off,
				   insp_get_int(w.pvd, "logicalBlockSize"))
			 : 0;
	est[0].src = "ISO 9660 primary volume descriptor";
	est[1].v = w.sfsvd ? mul_sat(insp_get_int(w.sfsvd, "volumeSpaceSize") - off,
				     insp_get_int(w.sfsvd, "logicalBlockSize"))
			   : 0;
	est[1].src = "High Sierra standard file structure volume descriptor";
	est[2].v = a.pm && a.zb ? field_product(a.zb, "blockCount", "blockSize") : 0;
	est[2].src = "Apple zero block";
	est[3].v = a.mdb_sig && a.mdb ? field_product(a.mdb, "blockCount", "blockSize") : 0;
	est[3].src = "HFS master directory block";
	est[4].v =
	    a.hfsplus_sig && a.hfsplus ? field_product(a.hfsplus, "blockCount", "blockSize") : 0;
	est[4].src = "HFS+ volume header";
	est[5].v = u.lvd && u.lvid && u.pd
		       ? mul_sat(insp_get_int(u.pd, "partitionLength") +
				     insp_get_int(u.pd, "partitionStartingLocation"),
				 insp_get_int(u.lvd, "logicalBlockSize"))
		       : 0;
	est[5].src = "UDF partition descriptor";
	for (k = 0; k < 6; k++) {
		if (est[k].v > rep->size_expected) {
			rep->size_expected = est[k].v;
			rep->size_source = est[k].src;
		}
	}
	rep->size_difference = (int64_t)rep->size_actual - rep->size_expected;
	rep->size_as_expected = rep->size_difference == 0 && rep->size_expected != 0;
	rep->smaller_than_expected = rep->size_difference < 0;

	set_volume_id(rep, w.pvd, "volumeIdentifier");
	set_volume_id(rep, w.sfsvd, "volumeIdentifier");
	set_volume_id(rep, u.lvd, "logicalVolumeIdentifier");
	set_volume_id(rep, a.mdb, "volumeName");

	if (c.ioerr) {
		rep->success = 0;
		snprintf(rep->failure, sizeof(rep->failure), "%s", c.err->msg);
		return -1;
	}
	return 0;
}

void inspect_report_release(struct inspect_report *rep)
{
	size_t i, j, k;

	for (i = 0; i < rep->n_fs && i < INSPECT_MAX_FS; i++) {
		struct insp_fs *fs = &rep->fs[i];

		for (j = 0; j < fs->n; j++) {
			for (k = 0; k < fs->s[j]->n; k++)
				free(fs->s[j]->f[k].text);
			free(fs->s[j]);
		}
		fs->n = 0;
	}
	rep->n_fs = 0;
}

const char *inspect_diff_sectors(const struct inspect_report *rep, char *buf, size_t size)
{
	int64_t d = rep->size_difference;
	size_t n;

	if (d % SECTOR == 0) {
		snprintf(buf, size, "%" PRId64 ".0", d / SECTOR);
		return buf;
	}
	/* d / 2048 has at most 11 binary fraction digits, so 11 decimals
	 * are exact; Python's repr is that with trailing zeros dropped. */
	snprintf(buf, size, "%.11f", (double)d / SECTOR);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	return buf;
}
