/*
 * test_imaging_mapfile.c - the ddrescue mapfile (parse, format, mark
 * ranges) and the rescue reader's phases over a fake source with bad
 * sectors, a sector that reads on the second try, and an interruption.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "imaging/mapfile.h"
#include "imaging/rescue.h"
#include "platform/banned.h"

#define SECT 2048u

struct fake {
	uint64_t size;
	unsigned char *data;
	uint64_t bad_lo[4], bad_hi[4];	/* bad sector ranges [lo, hi) */
	int nbad;
	uint64_t flaky;			/* a sector that reads on the 3rd try */
	int flaky_tries;
	int reads, cancel_after;
	volatile int cancel;
};

static int sector_bad(struct fake *f, uint64_t lba)
{
	for (int i = 0; i < f->nbad; i++)
		if (lba >= f->bad_lo[i] && lba < f->bad_hi[i])
			return 1;
	if (lba == f->flaky && f->flaky_tries++ < 2)
		return 1;
	return 0;
}

static int fake_read(void *ctx, uint64_t off, void *buf, size_t len,
		     size_t *got, struct dv_error *err)
{
	struct fake *f = ctx;

	*got = 0;
	if (++f->reads == f->cancel_after)
		f->cancel = 1;
	for (uint64_t o = off; o < off + len; o += SECT) {
		if (sector_bad(f, o / SECT))
			return dv_error_set(err, DV_ERR_FAIL, "read error at sector %llu",
					    (unsigned long long)(o / SECT));
		memcpy((char *)buf + (o - off), f->data + o, SECT);
		*got += SECT;
	}
	return 0;
}

static int check_contiguous(const struct mapfile *m)
{
	uint64_t next = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (m->b[i].pos != next || !m->b[i].size)
			return 0;
		if (i && m->b[i - 1].status == m->b[i].status)
			return 0;
		next += m->b[i].size;
	}
	return 1;
}

static void test_parse_format(void)
{
	static const char text[] =
		"# Mapfile. Created by GNU ddrescue version 1.27\n"
		"# current_pos  current_status  current_pass\n"
		"0x00120000     ?               1\n"
		"#      pos        size  status\n"
		"0x00000000  0x00100000  +\n"
		"0x00100000  0x00000800  -\n"
		"0x00100800  0x000FF800  ?\n";
	struct dv_error err = DV_ERROR_INIT;
	struct mapfile m, m2;
	char *out;

	TAP_OK(mapfile_parse(text, strlen(text), &m, &err) == 0);
	TAP_EQ_U64(m.n, 3);
	TAP_EQ_U64(m.cur_pos, 0x120000);
	TAP_EQ_U64(mapfile_size(&m), 0x200000);
	TAP_EQ_U64(mapfile_count(&m, MAP_BAD), 0x800);
	out = mapfile_format(&m, "discvault rip test");
	TAP_OK(out != NULL);
	TAP_OK(out && mapfile_parse(out, strlen(out), &m2, &err) == 0 && m2.n == 3 &&
	       m2.b[1].status == '-' && m2.b[2].pos == 0x100800);
	mapfile_release(&m2);
	free(out);

	/* mark a range across blocks, then merge back */
	TAP_OK(mapfile_set(&m, 0xFF800, 0x1800, MAP_NONSCRAPED, &err) == 0);
	TAP_OK(check_contiguous(&m));
	TAP_EQ_U64(mapfile_count(&m, MAP_NONSCRAPED), 0x1800);
	TAP_OK(mapfile_set(&m, 0, 0x200000, MAP_FINISHED, &err) == 0);
	TAP_EQ_U64(m.n, 1);
	TAP_OK(mapfile_resize(&m, 0x300000, &err) == 0 && m.n == 2 &&
	       mapfile_count(&m, MAP_UNTRIED) == 0x100000);
	mapfile_release(&m);

	static const char *bad[] = {
		"",
		"0x0 ?\n0x0 0x10 +\n0x20 0x10 +\n",	/* gap */
		"0x0 ?\n0x0 0x10 X\n",			/* status */
		"0x0 ?\n0x0 0x0 +\n",			/* empty block */
		"0x0 ?\n0x0 0xFFFFFFFFFFFFFFFFF +\n",	/* overflow */
		"0x0 ?\n0x10 0x10 +\n",			/* not from 0 */
		"zz ?\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		tap_ok(mapfile_parse(bad[i], strlen(bad[i]), &m, &err) < 0,
		       "malformed mapfile %zu rejected (%s)", i, err.msg);
	/* decimal numbers and no pass field (older ddrescue) */
	TAP_OK(mapfile_parse("0 +\n0 4096 +\n", 13, &m, &err) == 0 && m.n == 1);
	mapfile_release(&m);
}

static int save_count;
static int count_save(void *ctx, const struct mapfile *m, struct dv_error *err)
{
	save_count++;
	return 0;
}

static void test_rescue(void)
{
	struct dv_error err = DV_ERROR_INIT;
	struct fake f;
	struct mapfile m;
	struct rescue_stats st;
	char path[] = "/tmp/dvmapXXXXXX";
	int fd = mkstemp(path);
	unsigned char *img;
	struct rescue_io io;

	memset(&f, 0, sizeof(f));
	f.size = 4u << 20;
	f.data = malloc(f.size);
	img = malloc(f.size);
	for (uint64_t i = 0; i < f.size; i++)
		f.data[i] = (unsigned char)(i * 2654435761u >> 13);
	f.bad_lo[0] = 100; f.bad_hi[0] = 103;	/* 3 sectors */
	f.bad_lo[1] = 1500; f.bad_hi[1] = 1501;
	f.bad_lo[2] = 2047; f.bad_hi[2] = 2048;	/* the last sector */
	f.nbad = 3;
	f.flaky = 900;
	f.flaky_tries = 0;
	f.cancel_after = 0;

	memset(&io, 0, sizeof(io));
	io.read = fake_read;
	io.read_ctx = &f;
	io.out_fd = fd;
	io.save = count_save;
	io.cancel = &f.cancel;
	io.chunk = 256 * 1024;
	io.retries = 0;
	io.save_interval = 0;
	TAP_OK(fd >= 0 && ftruncate(fd, (off_t)f.size) == 0);

	/* an interruption keeps the map consistent */
	f.cancel_after = 3;
	TAP_OK(mapfile_init(&m, f.size, &err) == 0);
	TAP_OK(rescue_run(&m, &io, &st, &err) < 0 && err.code == DV_ERR_INTERRUPTED);
	TAP_OK(check_contiguous(&m));
	TAP_OK(mapfile_count(&m, MAP_FINISHED) > 0 && mapfile_count(&m, MAP_UNTRIED) > 0);

	/* resume: no retries, the flaky sector stays bad */
	f.cancel = 0;
	f.cancel_after = 0;
	TAP_OK(rescue_run(&m, &io, &st, &err) == 0);
	TAP_OK(check_contiguous(&m));
	TAP_EQ_U64(mapfile_count(&m, MAP_BAD), 6 * SECT);
	TAP_EQ_U64(mapfile_count(&m, MAP_FINISHED), f.size - 6 * SECT);
	TAP_OK(save_count > 0);
	TAP_OK(m.cur_status == MAP_FINISHED);

	/* one retry pass recovers the flaky sector, and only it */
	io.retries = 3;
	TAP_OK(rescue_run(&m, &io, &st, &err) == 0);
	TAP_EQ_U64(mapfile_count(&m, MAP_BAD), 5 * SECT);
	TAP_OK(pread(fd, img, f.size, 0) == (ssize_t)f.size);
	{
		int same = 1, zero = 1;

		for (uint64_t s = 0; s < f.size / SECT; s++) {
			int isbad = (s >= 100 && s < 103) || s == 1500 || s == 2047;

			for (uint64_t b = s * SECT; b < (s + 1) * SECT; b++) {
				if (isbad && img[b])
					zero = 0;
				if (!isbad && img[b] != f.data[b])
					same = 0;
			}
		}
		tap_ok(same, "every readable sector is in the image");
		tap_ok(zero, "unreadable sectors are zero");
	}
	mapfile_release(&m);

	/* a clean source: one pass, no errors, sequential data */
	f.nbad = 0;
	f.flaky = UINT64_MAX;
	TAP_OK(mapfile_init(&m, f.size, &err) == 0);
	TAP_OK(rescue_run(&m, &io, &st, &err) == 0 && st.read_errors == 0 &&
	       st.reads == f.size / io.chunk);
	TAP_EQ_U64(m.n, 1);
	mapfile_release(&m);

	close(fd);
	unlink(path);
	free(f.data);
	free(img);
}

int main(void)
{
	tap_plan_lazy();
	test_parse_format();
	test_rescue();
	return tap_done();
}
