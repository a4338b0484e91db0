/*
 * test_iso_inspect.c - the inspect parsers and the size check on images
 * built in memory: ISO 9660 (+ Joliet), High Sierra, UDF, HFS, HFS+, MFS,
 * Apple partition map; truncated, padded and offset images; read errors;
 * and random or mutated input, which must never crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/iso/blksrc.h"
#include "engine/iso/inspect.h"
#include "tap.h"
#include "platform/banned.h"

#define S 2048

static void put_le16(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8 & 0xff;
}
static void put_be16(unsigned char *p, unsigned v)
{
	p[1] = v & 0xff;
	p[0] = v >> 8 & 0xff;
}
static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i) & 0xff;
}
static void put_be32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[3 - i] = v >> (8 * i) & 0xff;
}
static void put_both32(unsigned char *p, uint32_t v)
{
	put_le32(p, v);
	put_be32(p + 4, v);
}
static void put_both16(unsigned char *p, unsigned v)
{
	put_le16(p, v);
	put_be16(p + 2, v);
}

static void pad_str(unsigned char *p, size_t n, const char *s)
{
	memset(p, ' ', n);
	memcpy(p, s, strlen(s) < n ? strlen(s) : n);
}

/* A PVD (or High Sierra SFSVD when hsf) in sector 16 and a terminator. */
static void make_pvd(unsigned char *img, uint32_t vss, const char *volid, int hsf)
{
	unsigned char *p = img + 16 * S;

	if (hsf) {
		put_both32(p, 16);
		p[8] = 1;
		memcpy(p + 9, "CDROM", 5);
		p[14] = 1;
	} else {
		p[0] = 1;
		memcpy(p + 1, "CD001", 5);
		p[6] = 1;
	}
	pad_str(p + 8, 32, "LINUX");
	pad_str(p + 40, 32, volid);
	put_both32(p + 80, vss);
	put_both16(p + 120, 1);
	put_both16(p + 124, 1);
	put_both16(p + 128, 2048);
	put_both32(p + 132, 10);
	put_le32(p + 140, 19);
	put_be32(p + 148, 21);
	pad_str(p + 190, 128, "");
	pad_str(p + 574, 128, "TEST APP");
	memcpy(p + 813, "2026010203040500", 16);
	memcpy(p + 830, "2026010203040500", 16);
	memcpy(p + 847, "0000000000000000", 16);
	/* effective date left all zero bytes: isolyzer gives "" */
	p[881] = 1;
	if (hsf) {
		/* High Sierra's header overlaps where the PVD keeps its
		 * system identifier; isolyzer reads the PVD offsets anyway. */
		p[8] = 1;
		memcpy(p + 9, "CDROM", 5);
		p[14] = 1;
	}
	p = img + 17 * S;
	if (hsf) {
		p[8] = 255;
		memcpy(p + 9, "CDROM", 5);
	} else {
		p[0] = 255;
		memcpy(p + 1, "CD001", 5);
		p[6] = 1;
	}
}

static const struct insp_field *field(const struct inspect_report *r, const char *sname,
				      const char *fname)
{
	for (size_t i = 0; i < r->n_fs; i++)
		for (size_t j = 0; j < r->fs[i].n; j++)
			if (strcmp(r->fs[i].s[j]->name, sname) == 0)
				return insp_find(r->fs[i].s[j], fname);
	return NULL;
}

static int run(const unsigned char *img, size_t len, uint64_t off, struct inspect_report *r)
{
	struct blksrc src;
	struct dv_error err = DV_ERROR_INIT;

	blksrc_init_mem(&src, img, len);
	return inspect_run(&src, off, r, &err);
}

static void test_iso(void)
{
	size_t len = 40 * S;
	unsigned char *img = calloc(1, len + 4 * S);
	struct inspect_report r;
	const struct insp_field *f;
	char buf[64];
	char *xml;
	json_t *j;
	struct inspect_fileinfo fi = {"a.iso", "/x/a.iso", len, 0, 1};

	make_pvd(img, 40, "MY VOLUME", 0);
	/* Joliet SVD in 17, terminator moved to 18 */
	memcpy(img + 18 * S, img + 17 * S, S);
	memset(img + 17 * S, 0, S);
	img[17 * S] = 2;
	memcpy(img + 17 * S + 1, "CD001", 5);
	img[17 * S + 88] = 0x25;
	img[17 * S + 89] = 0x2f;
	img[17 * S + 90] = 0x45;
	img[17 * S + 40] = 0;
	img[17 * S + 41] = 'J';
	img[17 * S + 42] = 0;
	img[17 * S + 43] = 'V';

	TAP_OK(run(img, len, 0, &r) == 0);
	TAP_OK(r.contains_known_fs);
	TAP_OK(r.has_iso9660 && r.has_joliet && !r.has_udf && !r.has_hfs);
	TAP_EQ_U64(r.size_expected, len);
	TAP_EQ_U64(r.size_difference, 0);
	TAP_OK(r.size_as_expected && !r.smaller_than_expected);
	TAP_STREQ(r.size_source, "ISO 9660 primary volume descriptor");
	TAP_STREQ(r.volume_id, "MY VOLUME");
	TAP_STREQ(inspect_diff_sectors(&r, buf, sizeof(buf)), "0.0");
	f = field(&r, "primaryVolumeDescriptor", "volumeCreationDateAndTime");
	TAP_OK(f && f->text && strcmp(f->text, "2026/01/02, 03:04:05") == 0);
	f = field(&r, "primaryVolumeDescriptor", "volumeExpirationDateAndTime");
	TAP_OK(f && f->text && strcmp(f->text, "0/00/00, 00:00:00") == 0);
	f = field(&r, "primaryVolumeDescriptor", "volumeEffectiveDateAndTime");
	TAP_OK(f && f->text && strcmp(f->text, "") == 0);
	f = field(&r, "primaryVolumeDescriptor", "typeLPathTableLocation");
	TAP_OK(f && f->u == 19);
	f = field(&r, "jolietVolumeDescriptor", "volumeIdentifier");
	TAP_OK(f && f->text && strcmp(f->text, "JV") == 0);

	xml = inspect_report_xml(&r, &fi, "discvault", "0");
	TAP_OK(xml && strstr(xml, "xmlns=\"http://kb.nl/ns/isolyzer/v1/\""));
	TAP_OK(xml && strstr(xml, "<sizeAsExpected>True</sizeAsExpected>"));
	TAP_OK(xml && strstr(xml, "<fileSystem TYPE=\"ISO 9660\">"));
	TAP_OK(xml && strstr(xml, "<volumeEffectiveDateAndTime/>"));
	TAP_OK(xml && !strstr(xml, "jolietVolumeDescriptor"));
	free(xml);
	j = inspect_report_json(&r, &fi, "discvault", "0");
	TAP_OK(j != NULL);
	if (j) {
		json_t *t = json_object_get(json_object_get(j, "image"), "tests");

		TAP_OK(json_is_true(json_object_get(t, "sizeAsExpected")));
		TAP_STREQ(json_string_value(json_object_get(t, "sizeExpectedSource")),
			  "ISO 9660 primary volume descriptor");
		json_decref(j);
	}
	inspect_report_release(&r);

	/* truncated by 5 bytes */
	TAP_OK(run(img, len - 5, 0, &r) == 0);
	TAP_OK(r.size_difference == -5 && r.smaller_than_expected && !r.size_as_expected);
	TAP_STREQ(inspect_diff_sectors(&r, buf, sizeof(buf)), "-0.00244140625");
	inspect_report_release(&r);
	/* padded by two sectors */
	TAP_OK(run(img, len + 2 * S, 0, &r) == 0);
	TAP_OK(r.size_difference == 2 * S && !r.smaller_than_expected && !r.size_as_expected);
	TAP_STREQ(inspect_diff_sectors(&r, buf, sizeof(buf)), "2.0");
	inspect_report_release(&r);
	/* a later session: offset 10 sectors */
	TAP_OK(run(img, len, 10, &r) == 0);
	TAP_EQ_U64(r.size_expected, 30 * S);
	TAP_EQ_U64(r.sector_offset, 10);
	inspect_report_release(&r);
	/* isolyzer's fractional differences */
	r.size_difference = 32860;
	TAP_STREQ(inspect_diff_sectors(&r, buf, sizeof(buf)), "16.044921875");
	r.size_difference = -393211;
	TAP_STREQ(inspect_diff_sectors(&r, buf, sizeof(buf)), "-191.99755859375");
	r.size_difference = -21915 * 2048;
	TAP_STREQ(inspect_diff_sectors(&r, buf, sizeof(buf)), "-21915.0");

	/* only one CD001 signature (at 32769, not 34817): not ISO 9660 */
	memset(img + 17 * S, 0, S);
	memset(img + 18 * S, 0, S);
	TAP_OK(run(img, len, 0, &r) == 0);
	TAP_OK(!r.contains_known_fs && r.size_expected == 0 && !r.smaller_than_expected);
	inspect_report_release(&r);
	free(img);
}

static void test_hsf(void)
{
	size_t len = 30 * S;
	unsigned char *img = calloc(1, len);
	struct inspect_report r;

	make_pvd(img, 30, "HSVOL", 1);
	TAP_OK(run(img, len, 0, &r) == 0);
	TAP_OK(r.has_hsf && !r.has_iso9660 && r.n_fs == 1);
	TAP_STREQ(r.fs[0].type, "High Sierra");
	TAP_EQ_U64(r.size_expected, len);
	TAP_STREQ(r.size_source, "High Sierra standard file structure volume descriptor");
	TAP_STREQ(r.volume_id, "HSVOL");
	inspect_report_release(&r);
	free(img);
}

static void udf_tag(unsigned char *p, unsigned id, uint32_t loc)
{
	unsigned sum = 0;

	put_le16(p, id);
	put_le16(p + 2, 3);
	put_le16(p + 6, 1);
	put_le32(p + 12, loc);
	for (int i = 0; i < 16; i++)
		if (i != 4)
			sum += p[i];
	p[4] = sum & 0xff;
}

/* A memory source whose last sectors cannot be read (TAO run-out). */
struct tailfail {
	const unsigned char *data;
	uint64_t bad_from;
};

static int tailfail_read(void *ctx, uint64_t off, void *buf, size_t len, struct dv_error *err)
{
	struct tailfail *t = ctx;

	if (off + len > t->bad_from)
		return dv_error_set(err, DV_ERR_FAIL, "medium error at %llu",
				    (unsigned long long)off);
	memcpy(buf, t->data + off, len);
	return 0;
}

static void test_udf(void)
{
	size_t nsec = 600, len = nsec * S;
	unsigned char *img = calloc(1, len);
	struct inspect_report r;
	const struct insp_field *f;

	memcpy(img + 16 * S + 1, "BEA01", 5);
	memcpy(img + 17 * S + 1, "NSR02", 5);
	memcpy(img + 18 * S + 1, "TEA01", 5);
	udf_tag(img + 256 * S, 2, 256);
	put_le32(img + 256 * S + 16, 16 * S);
	put_le32(img + 256 * S + 20, 32);
	memcpy(img + (nsec - 1) * S, img + 256 * S, 512);
	udf_tag(img + (nsec - 1) * S, 2, (uint32_t)(nsec - 1));
	memcpy(img + (nsec - 256) * S, img + 256 * S, 512);
	udf_tag(img + (nsec - 256) * S, 2, (uint32_t)(nsec - 256));
	udf_tag(img + 32 * S, 5, 32);
	put_le32(img + 32 * S + 188, 300); /* partition start */
	put_le32(img + 32 * S + 192, 290); /* partition length */
	udf_tag(img + 33 * S, 6, 33);
	img[33 * S + 84] = 8;
	memcpy(img + 33 * S + 85, "UDFVOL", 6);
	put_le32(img + 33 * S + 212, 2048);
	put_le32(img + 33 * S + 436, 40); /* integrity extent */
	udf_tag(img + 34 * S, 8, 34);
	udf_tag(img + 40 * S, 9, 40);
	put_le16(img + 40 * S + 18, 2026);
	img[40 * S + 20] = 11;
	img[40 * S + 21] = 24;

	TAP_OK(run(img, len, 0, &r) == 0);
	TAP_OK(r.has_udf && !r.has_iso9660 && r.n_fs == 1);
	TAP_EQ_U64(r.size_expected, (300 + 290) * S);
	TAP_EQ_U64(r.size_difference, 10 * S);
	TAP_STREQ(r.size_source, "UDF partition descriptor");
	TAP_OK(r.udf_avdp_256 && r.udf_avdp_n256 && r.udf_avdp_last);
	TAP_STREQ(r.volume_id, "UDFVOL");
	f = field(&r, "logicalVolumeIntegrityDescriptor", "timeStamp");
	TAP_OK(f && f->text && strcmp(f->text, "2026/11/24, 00:00:00") == 0);
	inspect_report_release(&r);

	/* unreadable last two sectors: the N-1 anchor is just not found */
	{
		struct tailfail tf = {img, (nsec - 2) * S};
		struct blksrc src = {tailfail_read, NULL, len, &tf};
		struct dv_error err = DV_ERROR_INIT;

		TAP_OK(inspect_run(&src, 0, &r, &err) == 0);
		TAP_OK(r.success && r.udf_avdp_256 && !r.udf_avdp_last);
		TAP_EQ_U64(r.size_expected, (300 + 290) * S);
		inspect_report_release(&r);
	}

	/* without the LVID's LVD nothing gives a size (isolyzer needs both) */
	memset(img + 33 * S, 0, S);
	TAP_OK(run(img, len, 0, &r) == 0);
	TAP_OK(r.has_udf && r.size_expected == 0 && !r.size_as_expected);
	inspect_report_release(&r);
	/* truncated before the anchor at 256 */
	TAP_OK(run(img, 200 * S, 0, &r) == 0);
	TAP_OK(r.has_udf && !r.udf_avdp_256 && r.size_expected == 0);
	inspect_report_release(&r);
	free(img);
}

static void test_apple(void)
{
	size_t len = 120 * 1024;
	unsigned char *img = calloc(1, len);
	struct inspect_report r;

	/* HFS MDB at 1024: isolyzer's blockSize (u16@18) x blockCount (u32@20) */
	img[1024] = 'B';
	img[1025] = 'D';
	put_be16(img + 1024 + 18, 100);
	put_be32(img + 1024 + 20, 512);
	img[1024 + 36] = 4;
	memcpy(img + 1024 + 37, "HVOL", 4);
	TAP_OK(run(img, 51200 + 4096, 0, &r) == 0);
	TAP_OK(r.has_hfs && r.n_fs == 1);
	TAP_STREQ(r.fs[0].type, "HFS");
	TAP_EQ_U64(r.size_expected, 51200);
	TAP_STREQ(r.size_source, "HFS master directory block");
	TAP_STREQ(r.volume_id, "HVOL");
	inspect_report_release(&r);
	/* the name is a Pascal string: bytes past its length are not part of it */
	memcpy(img + 1024 + 41, "JUNK", 4);
	TAP_OK(run(img, 51200, 0, &r) == 0);
	TAP_STREQ(r.volume_id, "HVOL");
	inspect_report_release(&r);

	/* MFS */
	img[1024] = 0xd2;
	img[1025] = 0xd7;
	TAP_OK(run(img, 51200, 0, &r) == 0);
	TAP_OK(r.has_mfs && r.n_fs == 1 && strcmp(r.fs[0].type, "MFS") == 0);
	TAP_OK(r.size_as_expected);
	inspect_report_release(&r);

	/* HFS+ */
	memset(img + 1024, 0, 512);
	img[1024] = 'H';
	img[1025] = '+';
	put_be16(img + 1026, 4);
	put_be32(img + 1024 + 40, 4096);
	put_be32(img + 1024 + 44, 10);
	TAP_OK(run(img, 40960, 0, &r) == 0);
	TAP_OK(r.has_hfsplus && strcmp(r.fs[0].type, "HFS+") == 0 && r.size_as_expected);
	TAP_STREQ(r.size_source, "HFS+ volume header");
	inspect_report_release(&r);

	/* Apple partition map: zero block + 2 entries, Apple_HFS at block 8 */
	memset(img, 0, len);
	img[0] = 'E';
	img[1] = 'R';
	put_be16(img + 2, 512);
	put_be32(img + 4, 200);
	for (int i = 0; i < 2; i++) {
		unsigned char *p = img + 512 * (1 + i);

		p[0] = 'P';
		p[1] = 'M';
		put_be32(p + 4, 2);
		put_be32(p + 8, i ? 8 : 1);
		put_be32(p + 12, i ? 150 : 2);
		memcpy(p + 48, i ? "Apple_HFS" : "Apple_partition_map", i ? 9 : 19);
	}
	img[8 * 512 + 1024] = 'B';
	img[8 * 512 + 1025] = 'D';
	TAP_OK(run(img, 200 * 512, 0, &r) == 0);
	TAP_OK(r.has_apm && r.n_fs == 1 && strcmp(r.fs[0].type, "HFS") == 0);
	TAP_EQ_U64(r.size_expected, 200 * 512);
	TAP_STREQ(r.size_source, "Apple zero block");
	TAP_EQ_U64(r.fs[0].n, 4); /* zero block, 2 map entries, MDB */
	inspect_report_release(&r);
	free(img);
}

static int fail_read(void *ctx, uint64_t off, void *buf, size_t len, struct dv_error *err)
{
	return dv_error_set(err, DV_ERR_FAIL, "simulated read error at %llu",
			    (unsigned long long)off);
}

static void test_read_error(void)
{
	struct blksrc src = {fail_read, NULL, 1 << 20, NULL};
	struct dv_error err = DV_ERROR_INIT;
	struct inspect_report r;

	TAP_OK(inspect_run(&src, 0, &r, &err) == -1);
	TAP_OK(!r.success && strstr(r.failure, "simulated read error"));
	TAP_OK(strstr(err.msg, "simulated") != NULL);
	inspect_report_release(&r);
}

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Random bytes with real signatures planted, then mutated: no crash,
 * no leak (ASan), always a result. */
static void test_hostile(void)
{
	size_t len = 300 * S, i;
	unsigned char *img = malloc(len);
	int ok = 1;

	for (int round = 0; round < 300; round++) {
		struct inspect_report r;
		size_t cut = round % 7 == 0 ? rnd() % len : len;

		for (i = 0; i < len; i++)
			img[i] = round & 1 ? (unsigned char)rnd()
					   : (rnd() % 16 ? 0 : (unsigned char)rnd());
		if (round % 3 == 0) {
			make_pvd(img, rnd(), "X", round % 2);
			memcpy(img + 17 * S + 1, "CD001", 5);
			memcpy(img + 18 * S + 1, round & 4 ? "BEA01" : "CD001", 5);
			memcpy(img + 19 * S + 1, "NSR03", 5);
			udf_tag(img + 256 * S, 2, 256);
			put_le32(img + 256 * S + 20, rnd() % 300);
		}
		if (round % 5 == 0) {
			img[0] = 'E';
			img[1] = 'R';
			img[512] = 'P';
			img[513] = 'M';
			memcpy(img + 512 + 48, "Apple_HFS", 10);
			img[1024] = round & 2 ? 'B' : 'H';
			img[1025] = round & 2 ? 'D' : '+';
		}
		for (i = 0; i < 50; i++)
			img[rnd() % len] = (unsigned char)rnd();
		if (run(img, cut, rnd() % 4, &r) != 0)
			ok = 0;
		inspect_report_release(&r);
	}
	TAP_OK(ok);
	free(img);
}

int main(void)
{
	tap_plan_lazy();
	test_iso();
	test_hsf();
	test_udf();
	test_apple();
	test_read_error();
	test_hostile();
	return tap_done();
}
