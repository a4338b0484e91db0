/*
 * test_iso_tree.c - the ISO 9660 tree reader on images built in memory:
 * plain names, Rock Ridge NM/PX/TF/SL, a multi-extent file read across
 * its extents, a directory loop, a truncated image, and mutated images
 * that must never crash it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/iso/blksrc.h"
#include "engine/iso/isotree.h"
#include "tap.h"
#include "platform/banned.h"

#define S 2048
#define NSEC 80

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

/* Append a directory record at *pos; su/sulen is its system use area. */
static void rec(unsigned char *dir, size_t *pos, uint32_t lba, uint32_t len, unsigned flags,
		const char *name, size_t nlen, const unsigned char *su, size_t sulen)
{
	unsigned char *p = dir + *pos;
	size_t rl = 33 + nlen + !(nlen & 1) + sulen;

	rl += rl & 1;
	p[0] = (unsigned char)rl;
	put_both32(p + 2, lba);
	put_both32(p + 10, len);
	p[18] = 126;
	p[19] = 11;
	p[20] = 24;
	p[21] = 12;
	p[22] = 0;
	p[23] = 0;
	p[24] = 0;
	p[25] = (unsigned char)flags;
	p[28] = 1;
	p[31] = 1;
	p[32] = (unsigned char)nlen;
	memcpy(p + 33, name, nlen);
	if (sulen)
		memcpy(p + 33 + nlen + !(nlen & 1), su, sulen);
	*pos += rl;
}

/* Sectors: 16 PVD, 17 terminator, 20 root, 21 SUB, 30 A.TXT, 31 C.TXT,
 * 40-41 BIG.BIN extent 1 (4096 bytes), 50 extent 2 (100 bytes). */
static unsigned char *build(int rr)
{
	unsigned char *img = calloc(NSEC, S), *pvd = img + 16 * S;
	unsigned char *root = img + 20 * S, *sub = img + 21 * S;
	unsigned char sp[7] = {'S', 'P', 7, 1, 0xbe, 0xef, 0};
	unsigned char su[128] = {0};
	size_t pos = 0, n;

	pvd[0] = 1;
	memcpy(pvd + 1, "CD001", 5);
	pvd[6] = 1;
	put_both32(pvd + 80, NSEC);
	pvd[128] = 0;
	pvd[129] = 8;
	pvd[130] = 0;
	pvd[131] = 8; /* 2048 both-endian */
	img[17 * S] = 255;
	memcpy(img + 17 * S + 1, "CD001", 5);
	pos = 0;
	rec(pvd + 156 - 0, &pos, 20, S, 2, "\0", 1, NULL, 0);

	pos = 0;
	rec(root, &pos, 20, S, 2, "\0", 1, rr ? sp : NULL, rr ? 7 : 0);
	rec(root, &pos, 20, S, 2, "\1", 1, NULL, 0);
	n = 0;
	if (rr) {
		/* NM "hello.txt", PX mode 0100600 nlink 1 uid 1000 gid 100,
		 * TF modify (short form) */
		su[n++] = 'N';
		su[n++] = 'M';
		su[n++] = 5 + 9;
		su[n++] = 1;
		su[n++] = 0;
		memcpy(su + n, "hello.txt", 9);
		n += 9;
		memset(su + n, 0, 44);
		su[n] = 'P';
		su[n + 1] = 'X';
		su[n + 2] = 44;
		su[n + 3] = 1;
		put_both32(su + n + 4, 0100600);
		put_both32(su + n + 12, 1);
		put_both32(su + n + 20, 1000);
		put_both32(su + n + 28, 100);
		n += 44;
		su[n++] = 'T';
		su[n++] = 'F';
		su[n++] = 12;
		su[n++] = 1;
		su[n++] = 0x02;
		su[n++] = 100;
		su[n++] = 1;
		su[n++] = 1;
		su[n++] = 0;
		su[n++] = 0;
		su[n++] = 0;
		su[n++] = 0; /* 2000-01-01 00:00:00 UTC */
	}
	rec(root, &pos, 30, 5, 0, "A.TXT;1", 7, su, n);
	rec(root, &pos, 40, 4096, 0x80, "BIG.BIN;1", 9, NULL, 0);
	rec(root, &pos, 50, 100, 0, "BIG.BIN;1", 9, NULL, 0);
	n = 0;
	if (rr) {
		/* a symlink "LNK" -> "../x/y" */
		su[n++] = 'N';
		su[n++] = 'M';
		su[n++] = 5 + 3;
		su[n++] = 1;
		su[n++] = 0;
		memcpy(su + n, "lnk", 3);
		n += 3;
		su[n++] = 'S';
		su[n++] = 'L';
		su[n++] = 5 + 2 + 1 + 2;
		su[n++] = 1;
		su[n++] = 0;
		su[n++] = 0x04;
		su[n++] = 0;
		su[n++] = 0;
		su[n++] = 1;
		su[n++] = 'x';
	}
	rec(root, &pos, 0, 0, 0, "LNK;1", 5, su, n);
	rec(root, &pos, 21, S, 2, "SUB", 3, NULL, 0);

	pos = 0;
	rec(sub, &pos, 21, S, 2, "\0", 1, NULL, 0);
	rec(sub, &pos, 20, S, 2, "\1", 1, NULL, 0);
	rec(sub, &pos, 31, 3, 0, "C.TXT;1", 7, NULL, 0);
	rec(sub, &pos, 20, S, 2, "LOOP", 4, NULL, 0); /* points at the root */

	memcpy(img + 30 * S, "hello", 5);
	memcpy(img + 31 * S, "cc\n", 3);
	for (int i = 0; i < 4096; i++)
		img[40 * S + i] = (unsigned char)(i * 7);
	for (int i = 0; i < 100; i++)
		img[50 * S + i] = (unsigned char)(0xa0 + i);
	return img;
}

static void test_plain(void)
{
	unsigned char *img = build(0), buf[5000], want[4196];
	struct blksrc src;
	struct dv_error err = DV_ERROR_INIT;
	struct isotree t;
	const struct isotree_entry *e;

	blksrc_init_mem(&src, img, NSEC * S);
	TAP_OK(isotree_read(&src, 0, ISOTREE_NAMES_AUTO, &t, &err) == 0);
	TAP_OK(t.names == ISOTREE_NAMES_ISO);
	TAP_EQ_U64(t.n, 6);
	if (t.n == 6) {
		TAP_STREQ(t.entries[0].path, "/A.TXT");
		TAP_STREQ(t.entries[1].path, "/BIG.BIN");
		TAP_STREQ(t.entries[2].path, "/LNK");
		TAP_STREQ(t.entries[3].path, "/SUB");
		TAP_STREQ(t.entries[4].path, "/SUB/C.TXT");
		TAP_STREQ(t.entries[5].path, "/SUB/LOOP");
	}
	e = isotree_find(&t, "/SUB");
	TAP_OK(e && S_ISDIR(e->mode) && (e->mode & 0777) == 0555);
	e = isotree_find(&t, "/A.TXT");
	TAP_OK(e && S_ISREG(e->mode) && e->size == 5 && e->n_extents == 1);
	TAP_EQ_U64(e ? e->mtime : 0, 1795521600); /* 2026-11-24 12:00 UTC */
	e = isotree_find(&t, "/BIG.BIN");
	TAP_OK(e && e->size == 4196 && e->n_extents == 2);
	if (e) {
		for (int i = 0; i < 4096; i++)
			want[i] = (unsigned char)(i * 7);
		for (int i = 0; i < 100; i++)
			want[4096 + i] = (unsigned char)(0xa0 + i);
		TAP_EQ_U64(isotree_read_file(&src, e, 0, buf, sizeof(buf), &err), 4196);
		TAP_OK(memcmp(buf, want, 4196) == 0);
		TAP_EQ_U64(isotree_read_file(&src, e, 4000, buf, 150, &err), 150);
		TAP_OK(memcmp(buf, want + 4000, 150) == 0);
		TAP_EQ_U64(isotree_read_file(&src, e, 4196, buf, 10, &err), 0);
	}
	e = isotree_find(&t, "/SUB/C.TXT");
	TAP_OK(e && isotree_read_file(&src, e, 0, buf, 10, &err) == 3 &&
	       memcmp(buf, "cc\n", 3) == 0);
	isotree_release(&t);
	TAP_OK(isotree_read(&src, 0, ISOTREE_NAMES_JOLIET, &t, &err) == -1);
	isotree_release(&t);

	/* truncated inside BIG.BIN's second extent */
	blksrc_init_mem(&src, img, 50 * S + 10);
	TAP_OK(isotree_read(&src, 0, ISOTREE_NAMES_AUTO, &t, &err) == 0);
	e = isotree_find(&t, "/BIG.BIN");
	TAP_OK(e && isotree_read_file(&src, e, 0, buf, sizeof(buf), &err) == -1);
	TAP_OK(strstr(err.msg, "past the end") != NULL);
	isotree_release(&t);

	/* no volume at all */
	blksrc_init_mem(&src, img, 10 * S);
	TAP_OK(isotree_read(&src, 0, ISOTREE_NAMES_AUTO, &t, &err) == -1);
	isotree_release(&t);
	free(img);
}

static void test_rockridge(void)
{
	unsigned char *img = build(1);
	struct blksrc src;
	struct dv_error err = DV_ERROR_INIT;
	struct isotree t;
	const struct isotree_entry *e;

	blksrc_init_mem(&src, img, NSEC * S);
	TAP_OK(isotree_read(&src, 0, ISOTREE_NAMES_AUTO, &t, &err) == 0);
	TAP_OK(t.names == ISOTREE_NAMES_ROCKRIDGE);
	e = isotree_find(&t, "/hello.txt");
	TAP_OK(e != NULL);
	if (e) {
		TAP_EQ_U64(e->mode, 0100600);
		TAP_EQ_U64(e->uid, 1000);
		TAP_EQ_U64(e->gid, 100);
		TAP_EQ_U64(e->mtime, 946684800);
		TAP_EQ_U64(e->size, 5);
	}
	e = isotree_find(&t, "/lnk");
	TAP_OK(e && e->link_target && strcmp(e->link_target, "../x") == 0);
	TAP_OK(e && S_ISLNK(e->mode));
	TAP_OK(isotree_find(&t, "/BIG.BIN") != NULL); /* no NM: ISO name */
	isotree_release(&t);
	TAP_OK(isotree_read(&src, 0, ISOTREE_NAMES_ISO, &t, &err) == 0);
	TAP_OK(isotree_find(&t, "/A.TXT") != NULL);
	isotree_release(&t);
	free(img);
}

/* The sector-reader source (how a drive plugs in) gives the same tree
 * and bytes as the memory source, unaligned reads included. */
struct secsrc {
	const unsigned char *img;
	unsigned calls, closed;
	uint64_t max_lba_end;
};

static int sec_read(void *ctx, uint64_t lba, uint32_t count, void *buf, struct dv_error *err)
{
	struct secsrc *s = ctx;

	s->calls++;
	if (lba + count > s->max_lba_end)
		s->max_lba_end = lba + count;
	if (count == 0 || count > 32)
		return dv_error_set(err, DV_ERR_FAIL, "bad count %u", count);
	memcpy(buf, s->img + lba * S, (size_t)count * S);
	return 0;
}

static void sec_close(void *ctx)
{
	((struct secsrc *)ctx)->closed = 1;
}

static void test_sector_source(void)
{
	unsigned char *img = build(1), buf[4196], a[300], b[300];
	struct secsrc ss = {img, 0, 0, 0};
	struct blksrc src, mem;
	struct dv_error err = DV_ERROR_INIT;
	struct isotree t;
	const struct isotree_entry *e;

	TAP_OK(blksrc_init_sectors(&src, sec_read, sec_close, NSEC, &ss, &err) == 0);
	TAP_EQ_U64(src.size, NSEC * S);
	TAP_OK(isotree_read(&src, 0, ISOTREE_NAMES_AUTO, &t, &err) == 0);
	e = isotree_find(&t, "/BIG.BIN");
	TAP_OK(e && isotree_read_file(&src, e, 0, buf, sizeof(buf), &err) == 4196);
	TAP_OK(buf[4096] == 0xa0 && buf[100] == (unsigned char)(100 * 7));
	isotree_release(&t);
	blksrc_init_mem(&mem, img, NSEC * S);
	TAP_OK(blksrc_read_clamped(&src, 2040, a, sizeof(a), &err) == 300);
	TAP_OK(blksrc_read_clamped(&mem, 2040, b, sizeof(b), &err) == 300);
	TAP_OK(memcmp(a, b, sizeof(a)) == 0);
	TAP_OK(blksrc_read_clamped(&src, NSEC * S - 100, a, sizeof(a), &err) == 100);
	TAP_OK(ss.max_lba_end <= NSEC);
	blksrc_close(&src);
	TAP_OK(ss.closed);
	free(img);
}

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void test_mutated(void)
{
	int ok = 1;

	for (int round = 0; round < 2000; round++) {
		unsigned char *img = build(round & 1), buf[256];
		struct blksrc src;
		struct dv_error err = DV_ERROR_INIT;
		struct isotree t;
		size_t len = NSEC * S;
		int k, flips = 1 + (int)(rnd() % 20);

		for (k = 0; k < flips; k++) {
			/* mostly the directories and descriptors */
			size_t at = rnd() % 3 ? (16 + rnd() % 6) * S + rnd() % 300 : rnd() % len;

			img[at] = (unsigned char)rnd();
		}
		if (round % 5 == 0)
			len = rnd() % len;
		blksrc_init_mem(&src, img, len);
		if (isotree_read(&src, 0, ISOTREE_NAMES_AUTO, &t, &err) == 0) {
			for (size_t i = 0; i < t.n; i++)
				if (isotree_read_file(&src, &t.entries[i], rnd() % 5000, buf,
						      sizeof(buf), &err) < -1)
					ok = 0;
		}
		isotree_release(&t);
		free(img);
	}
	TAP_OK(ok);
}

int main(void)
{
	tap_plan_lazy();
	test_plain();
	test_rockridge();
	test_sector_source();
	test_mutated();
	return tap_done();
}
