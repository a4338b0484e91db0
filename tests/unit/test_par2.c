/*
 * test_par2.c - the PAR2 engine in-process: hashes and the sliding CRC,
 * naming and distribution, block sizing, matrix inversion, and create ->
 * damage -> verify -> repair round trips (including multi-pass creation
 * under a tiny memory budget and every kernel giving identical files).
 */
#include "engine/par2/par2_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "platform/banned.h"

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
	return tap_rand(&rng);
}

static char dir[256];

static char *path(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void write_file(const char *name, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path(name), "wb");

	if (!f || fwrite(p, 1, n, f) != n || fclose(f))
		tap_diag("cannot write %s", name);
}

static uint8_t *read_file(const char *name, size_t *n)
{
	FILE *f = fopen(path(name), "rb");
	uint8_t *p;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)len + 1);
	if (fread(p, 1, (size_t)len, f) != (size_t)len) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*n = (size_t)len;
	return p;
}

static int same_file(const char *name, const uint8_t *want, size_t n)
{
	size_t got_n;
	uint8_t *got = read_file(name, &got_n);
	int ok = got && got_n == n && !memcmp(got, want, n);

	free(got);
	return ok;
}

static void test_hashes(void)
{
	uint8_t buf[5000];
	struct p2_crc_window w;
	int bad = 0;

	TAP_EQ_U64(p2_crc32(0, "123456789", 9), 0xCBF43926u);
	TAP_EQ_U64(p2_crc32(p2_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd();
	const size_t wins[] = { 4, 64, 1000, 4096 };
	for (size_t k = 0; k < 4; k++) {
		size_t n = wins[k];
		uint32_t raw;

		p2_crc_window_init(&w, n);
		raw = p2_crc_raw(buf, n);
		for (size_t p = 0; p + n < sizeof(buf); p++) {
			if (p2_crc_value(raw) != p2_crc32(0, buf + p, n))
				bad++;
			raw = p2_crc_roll(&w, raw, buf[p], buf[p + n]);
		}
	}
	tap_ok(bad == 0, "rolling CRC equals direct CRC at every offset (%d bad)", bad);
	{
		/* a large odd window (the zero-byte operator is raised by squaring) */
		size_t n = 1000003, len = n + 300;
		uint8_t *big = malloc(len);
		uint32_t raw;

		for (size_t i = 0; i < len; i++)
			big[i] = (uint8_t)rnd();
		p2_crc_window_init(&w, n);
		raw = p2_crc_raw(big, n);
		bad = 0;
		for (size_t p = 0; p < 300; p++) {
			if (p % 50 == 0 && p2_crc_value(raw) != p2_crc32(0, big + p, n))
				bad++;
			raw = p2_crc_roll(&w, raw, big[p], big[p + n]);
		}
		tap_ok(bad == 0, "rolling CRC over a 1000003-byte window");
		free(big);
	}
	uint8_t md5[16];
	p2_md5("", 0, md5);
	TAP_OK(md5[0] == 0xd4 && md5[15] == 0x7e);
}

static void test_naming(void)
{
	uint32_t c[16];
	char *s;
	int ok;

	s = p2_base_of("dir/x.vol07+73.par2");
	TAP_STREQ(s, "dir/x");
	free(s);
	s = p2_base_of("x.bin.par2");
	TAP_STREQ(s, "x.bin");
	free(s);
	s = p2_base_of("x.volume.par2");
	TAP_STREQ(s, "x.volume");
	free(s);
	TAP_OK(p2_distribute(200, 8, 0, c) == 8);
	ok = 1;
	for (int i = 0; i < 7; i++)
		ok &= c[i] == 1u << i;
	tap_ok(ok && c[7] == 73, "variable scheme: 1 2 4 ... 64 73");
	TAP_OK(p2_distribute(10, 4, 1, c) == 4 && c[0] == 3 && c[1] == 3 && c[2] == 2 && c[3] == 2);
	TAP_OK(p2_distribute(10, 3, 0, c) == 3 && c[0] == 2 && c[1] == 4 && c[2] == 4);
	TAP_OK(p2_distribute(3, 4, 0, c) == -1);
	s = p2_vol_name("b", 7, 3, 2, 2);
	TAP_STREQ(s, "b.vol07+03.par2");
	free(s);
	TAP_OK(p2_name_safe("a/b.bin") && !p2_name_safe("../x") &&
	       !p2_name_safe("/etc/passwd") && !p2_name_safe("a/../../b"));
}

static void test_sizing(void)
{
	uint64_t one[] = { 1073741824ull };
	uint64_t two[] = { 100000, 33333 };

	TAP_EQ_U64(par2_block_size_for_count(one, 1, 2000), 536872);
	uint64_t bs = par2_block_size_for_count(two, 2, 10);
	TAP_OK(bs % 4 == 0 && (100000 + bs - 1) / bs + (33333 + bs - 1) / bs <= 10 &&
	       (100000 + bs - 5) / (bs - 4) + (33333 + bs - 5) / (bs - 4) > 10);
}

static void test_invert(void)
{
	enum { M = 12 };
	uint16_t a[M * M], inv[M * M];
	uint16_t logs[M];
	int bad = 0;

	gf16_input_logs(logs, M);
	for (int r = 0; r < M; r++)
		for (int c = 0; c < M; c++)
			a[r * M + c] = gf16_coef(logs[c], (uint32_t)r * 3 + 1);
	memcpy(inv, a, sizeof(a));
	TAP_OK(p2_gf_invert(inv, M) == 0);
	for (int r = 0; r < M; r++)
		for (int c = 0; c < M; c++) {
			uint16_t s = 0;

			for (int k = 0; k < M; k++)
				s ^= gf16_mul(a[r * M + k], inv[k * M + c]);
			bad += s != (r == c);
		}
	tap_ok(bad == 0, "A * inverse(A) == I");
	memset(a, 0, sizeof(a));
	TAP_OK(p2_gf_invert(a, M) == -1);
}

static const char *files[2];

static void test_roundtrip(void)
{
	struct par2_options opt = PAR2_OPTIONS_INIT;
	struct par2_report rep = PAR2_REPORT_INIT;
	struct dv_error err = DV_ERROR_INIT;
	size_t na = 300001, nb = 77777;
	uint8_t *a = malloc(na), *b = malloc(nb), *x;
	int rc;

	for (size_t i = 0; i < na; i++)
		a[i] = (uint8_t)rnd();
	for (size_t i = 0; i < nb; i++)
		b[i] = (uint8_t)rnd();
	write_file("a.bin", a, na);
	write_file("b.bin", b, nb);
	files[0] = strdup(path("a.bin"));
	files[1] = strdup(path("b.bin"));
	opt.block_size = 4096;
	opt.recovery_count = 12;
	rc = par2_create(path("set.par2"), files, 2, &opt, &err);
	tap_ok(rc == 0, "create (%s)", err.msg);
	rc = par2_verify(path("set.par2"), NULL, &rep, &err);
	tap_ok(rc == PAR2_OK && rep.blocks_total == 74 + 19 && rep.recovery_available == 12,
	       "verify intact: rc %d, %u blocks, %u recovery", rc, rep.blocks_total,
	       rep.recovery_available);
	par2_report_release(&rep);

	/* damage: 3 blocks in a, delete 1000 bytes in the middle of b */
	x = malloc(na);
	memcpy(x, a, na);
	for (int i = 0; i < 3; i++)
		x[10000 + 50000 * i] ^= 0x55;
	write_file("a.bin", x, na);
	memcpy(x, b, nb);
	memmove(x + 30000, x + 31000, nb - 31000);
	write_file("b.bin", x, nb - 1000);
	rc = par2_verify(path("set.par2"), NULL, &rep, &err);
	tap_ok(rc == PAR2_REPAIRABLE && rep.blocks_missing == 3 + 1,
	       "verify damaged: rc %d, %u missing (want 4: shifted data is found)", rc,
	       rep.blocks_missing);
	par2_report_release(&rep);
	rc = par2_repair(path("set.par2"), NULL, &rep, &err);
	tap_ok(rc == PAR2_OK, "repair (%s)", rc < 0 ? err.msg : "ok");
	par2_report_release(&rep);
	TAP_OK(same_file("a.bin", a, na) && same_file("b.bin", b, nb));
	TAP_OK(access(path("a.bin.1"), F_OK) == 0);

	/* missing file b (19 blocks) is too many for 12 recovery blocks */
	unlink(path("b.bin"));
	rc = par2_verify(path("set.par2"), NULL, &rep, &err);
	tap_ok(rc == PAR2_UNREPAIRABLE && rep.blocks_missing == 19, "missing file: rc %d", rc);
	par2_report_release(&rep);
	rc = par2_repair(path("set.par2"), NULL, &rep, &err);
	TAP_OK(rc == PAR2_UNREPAIRABLE && access(path("b.bin"), F_OK) != 0);
	par2_report_release(&rep);
	write_file("b.bin", b, nb);
	/* exactly 12 blocks of a destroyed: repairable */
	memcpy(x, a, na);
	memset(x + 4096 * 20, 0, 4096 * 12);
	write_file("a.bin", x, na);
	rc = par2_repair(path("set.par2"), NULL, &rep, &err);
	tap_ok(rc == PAR2_OK && rep.recovery_used == 12, "repair at capacity: rc %d", rc);
	par2_report_release(&rep);
	TAP_OK(same_file("a.bin", a, na));
	/* one more is one too many */
	memset(x + 4096 * 20, 0, 4096 * 13);
	write_file("a.bin", x, na);
	rc = par2_verify(path("set.par2"), NULL, &rep, &err);
	tap_ok(rc == PAR2_UNREPAIRABLE && rep.blocks_missing == 13, "13 missing: rc %d", rc);
	par2_report_release(&rep);
	write_file("a.bin", a, na);
	free(x);
	free(a);
	free(b);
}

static void test_passes_and_kernels(void)
{
	static const char *names[] = { "set.par2", "set.vol00+1.par2",
				       "set.vol01+2.par2", "set.vol03+4.par2",
				       "set.vol07+5.par2" };
	struct par2_options opt = PAR2_OPTIONS_INIT;
	struct dv_error err = DV_ERROR_INIT;
	const struct gf16_kernel *list[8];
	uint8_t *ref[5];
	size_t refn[5];
	unsigned nk = gf16_kernel_list(list, 8);
	int rc;

	/* reference: the run of test_roundtrip's parameters */
	opt.block_size = 4096;
	opt.recovery_count = 12;
	rc = par2_create(path("set.par2"), files, 2, &opt, &err);
	TAP_OK(rc == 0);
	for (int i = 0; i < 5; i++)
		ref[i] = read_file(names[i], &refn[i]);
	tap_ok(ref[4] != NULL, "variable scheme file names (set.vol07+5.par2)");

	opt.memory_limit = 5 * 4096 + 2 * 2 * 4096;  /* forces several passes */
	opt.threads = 2;
	rc = par2_create(path("set.par2"), files, 2, &opt, &err);
	int same = rc == 0;
	for (int i = 0; i < 5; i++)
		same &= ref[i] && same_file(names[i], ref[i], refn[i]);
	tap_ok(same, "multi-pass create gives identical files (%s)", err.msg);
	opt.memory_limit = 0;
	for (unsigned k = 0; k < nk; k++) {
		setenv("DV_GF16_KERNEL", list[k]->name, 1);
		rc = par2_create(path("set.par2"), files, 2, &opt, &err);
		same = rc == 0;
		for (int i = 0; i < 5; i++)
			same &= ref[i] && same_file(names[i], ref[i], refn[i]);
		tap_ok(same, "kernel %s gives identical files", list[k]->name);
	}
	unsetenv("DV_GF16_KERNEL");
	for (int i = 0; i < 5; i++)
		free(ref[i]);
}

/* Repair over byte ranges: a memory budget far below the block size. */
static void test_repair_ranges(void)
{
	struct par2_options opt = PAR2_OPTIONS_INIT;
	struct par2_report rep = PAR2_REPORT_INIT;
	struct dv_error err = DV_ERROR_INIT;
	const struct gf16_kernel *list[8];
	unsigned nk = gf16_kernel_list(list, 8);
	size_t na = 300001;
	uint8_t *a = malloc(na), *x = malloc(na);
	const char *one[1];

	for (size_t i = 0; i < na; i++)
		a[i] = (uint8_t)rnd();
	write_file("r.bin", a, na);
	one[0] = path("r.bin");
	opt.block_size = 65536;
	opt.recovery_count = 3;
	tap_ok(par2_create(path("r.par2"), one, 1, &opt, &err) == 0, "create r.par2");
	for (unsigned k = 0; k < nk; k++) {
		setenv("DV_GF16_KERNEL", list[k]->name, 1);
		memcpy(x, a, na);
		memset(x + 70000, 0xEE, 3);
		memset(x + 280000, 0x11, 20001);     /* the short last block */
		write_file("r.bin", x, na);
		opt.memory_limit = 300000;           /* ranges of 8320 bytes */
		int rc = par2_repair(path("r.par2"), &opt, &rep, &err);
		tap_ok(rc == PAR2_OK && rep.recovery_used == 2 && same_file("r.bin", a, na),
		       "%s: repair in byte ranges (rc %d %s)", list[k]->name, rc,
		       rc < 0 ? err.msg : "");
		par2_report_release(&rep);
	}
	unsetenv("DV_GF16_KERNEL");
	free(a);
	free(x);
}

int main(void)
{
	char cmd[300];

	tap_plan_lazy();
	snprintf(dir, sizeof(dir), "%s/dv_par2_XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp");
		return tap_done();
	}
	test_hashes();
	test_naming();
	test_sizing();
	test_invert();
	test_roundtrip();
	test_passes_and_kernels();
	test_repair_ranges();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		tap_diag("cannot remove %s", dir);
	free((void *)files[0]);
	free((void *)files[1]);
	return tap_done();
}
