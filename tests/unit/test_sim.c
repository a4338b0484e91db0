/*
 * test_sim.c - the simulated drive's state parsers and operator actions,
 * and the drive interface over them: write-once rules, faults, queue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "cli/cli.h"
#include "engine/drive/drive.h"
#include "engine/drive/sim.h"
#include "platform/fileio.h"
#include "platform/holders.h"
#include "platform/banned.h"

static void test_parsers(void)
{
	struct sim_drive_conf c;
	struct sim_medium m;
	static struct sim_damage d;
	struct dv_error err = DV_ERROR_INIT;
	const char *ok = "# comment\nvendor=ACME\nmodel=BD 9000\nspeed_kbps=4496\ntray=open\nfuture=1\n";
	const char *med = "type=bd-r25\nstate=closed\nwritten=4096\nid=7\n";
	const char *dmg = "unreadable 10 4\nflip 5000 1\nwrite-fail 99\n\n";

	TAP_OK(sim_parse_drive_conf(ok, strlen(ok), &c, &err) == 0);
	TAP_STREQ(c.model, "BD 9000");
	TAP_EQ_U64(c.speed_kbps, 4496);
	TAP_OK(c.tray_open == 1);
	TAP_OK(sim_parse_drive_conf("tray=ajar\n", 10, &c, &err) < 0);
	TAP_OK(strstr(err.msg, "line 1") != NULL);
	TAP_OK(sim_parse_drive_conf("speed_kbps=-1\n", 14, &c, &err) < 0);
	TAP_OK(sim_parse_drive_conf("noequals\n", 9, &c, &err) < 0);
	TAP_OK(sim_parse_drive_conf("a=b\0c\n", 6, &c, &err) < 0);

	TAP_OK(sim_parse_medium(med, strlen(med), &m, &err) == 0);
	TAP_EQ_U64(m.capacity, 12219392ull * 2048);
	TAP_OK(m.state == DISC_CLOSED);
	TAP_OK(sim_parse_medium("type=floppy\nstate=blank\n", 24, &m, &err) < 0);
	TAP_OK(sim_parse_medium("type=cd-r\nstate=blank\ncapacity=10\nwritten=20\n", 45, &m, &err) < 0);
	TAP_OK(sim_parse_medium("state=blank\n", 12, &m, &err) < 0);

	TAP_OK(sim_parse_damage(dmg, strlen(dmg), &d, &err) == 0);
	TAP_EQ_U64(d.n, 3);
	TAP_OK(d.f[0].kind == SIM_UNREADABLE && d.f[0].a == 10 && d.f[0].b == 4);
	TAP_OK(d.f[1].kind == SIM_FLIP && d.f[1].b == 1);
	TAP_OK(d.f[2].kind == SIM_WRITE_FAIL && d.f[2].a == 99);
	TAP_OK(sim_parse_damage("flip 1 256\n", 11, &d, &err) < 0);
	TAP_OK(sim_parse_damage("unreadable 1 0\n", 15, &d, &err) < 0);
	TAP_OK(sim_parse_damage("unreadable 18446744073709551615 2\n", 34, &d, &err) < 0);
	TAP_OK(sim_parse_damage("melt 1\n", 7, &d, &err) < 0);
}

struct mem_src {
	const char *data;
	size_t len, pos;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len)
{
	struct mem_src *m = ctx;
	size_t n = m->len - m->pos < len ? m->len - m->pos : len;

	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static void test_drive(const char *dir)
{
	struct dv_error err = DV_ERROR_INIT;
	struct sim_drive_conf c = { "V", "M", 0, 0 };
	struct drive *d = NULL;
	struct drive_info info;
	char disc[4096], adr[4200], tray[4200];
	size_t len = 64 * 2048, got = 0;
	char *data = malloc(len), *back = malloc(len);
	struct mem_src ms = { data, len, 0 };
	struct write_source src = { len, NULL, mem_read, &ms };
	struct write_opts wo = { 0, NULL, NULL, NULL };
	static struct sim_damage dmg;

	for (size_t i = 0; i < len; i++)
		data[i] = (char)(i * 7 + 3);
	TAP_OK(sim_create(dir, &c, &err) == 0);
	TAP_OK(sim_create(dir, &c, &err) < 0);
	snprintf(adr, sizeof(adr), "sim:%s", dir);
	snprintf(tray, sizeof(tray), "%s/tray", dir);
	TAP_OK(drive_open(&d, adr, &err) == 0);
	TAP_OK(drive_status(d, &info, &err) == 0 && info.state == DISC_EMPTY);

	TAP_OK(sim_make_disc(dir, "cd-r", 0, NULL, disc, sizeof(disc), &err) == 0);
	TAP_OK(sim_load(dir, disc, &err) == 0);
	TAP_OK(sim_make_disc(dir, "dvd+r", 0, NULL, disc, sizeof(disc), &err) == 0);
	TAP_OK(sim_load(dir, disc, &err) < 0);          /* tray occupied */
	TAP_OK(sim_enqueue(dir, disc, &err) == 0);
	TAP_OK(drive_status(d, &info, &err) == 0 && info.state == DISC_BLANK);
	TAP_OK(info.media == MEDIA_CD_R && info.capacity == 360000ull * 2048);

	TAP_OK(drive_write(d, &src, &wo, &err) == 0);
	TAP_OK(drive_status(d, &info, &err) == 0 && info.state == DISC_CLOSED);
	TAP_EQ_U64(info.readable, len);
	TAP_OK(drive_read(d, 0, back, len, &got, &err) == 0 && memcmp(back, data, len) == 0);
	ms.pos = 0;
	TAP_OK(drive_write(d, &src, &wo, &err) < 0);    /* write-once */
	TAP_OK(strstr(err.msg, "medium not blank") != NULL);

	/* faults on read-back */
	dmg.n = 2;
	dmg.f[0].kind = SIM_UNREADABLE; dmg.f[0].a = 10; dmg.f[0].b = 2;
	dmg.f[1].kind = SIM_FLIP; dmg.f[1].a = 100; dmg.f[1].b = 0x01;
	TAP_OK(sim_write_damage(tray, &dmg, &err) == 0);
	TAP_OK(drive_read(d, 0, back, len, &got, &err) < 0);
	TAP_EQ_U64(got, 10 * 2048);
	TAP_OK(back[100] == (char)(data[100] ^ 1));
	TAP_OK(drive_read(d, 12 * 2048, back, 2048, &got, &err) == 0 &&
	       memcmp(back, data + 12 * 2048, 2048) == 0);
	TAP_OK(drive_read(d, len, back, 2048, &got, &err) < 0);   /* past the end */

	/* eject: the queued DVD+R goes in */
	TAP_OK(drive_eject(d, &err) == 0);
	TAP_OK(drive_status(d, &info, &err) == 0 && info.media == MEDIA_DVD_PLUS_R &&
	       info.state == DISC_BLANK);
	TAP_OK(sim_set_tray(dir, 1, &err) == 0);
	TAP_OK(drive_status(d, &info, &err) == 0 && info.state == DISC_EMPTY && info.tray_open);
	TAP_OK(sim_set_tray(dir, 0, &err) == 0);

	/* a write failure leaves the disc used */
	dmg.n = 1;
	dmg.f[0].kind = SIM_WRITE_FAIL; dmg.f[0].a = 5; dmg.f[0].b = 0;
	TAP_OK(sim_write_damage(tray, &dmg, &err) == 0);
	ms.pos = 0;
	TAP_OK(drive_write(d, &src, &wo, &err) < 0 && strstr(err.msg, "sector 5") != NULL);
	TAP_OK(drive_status(d, &info, &err) == 0 && info.state == DISC_APPENDABLE);
	TAP_EQ_U64(info.readable, 5 * 2048);

	/* the tray lock names its holder */
	{
		int fd = sim_lock(dir, &err);
		TAP_OK(fd >= 0);
		TAP_OK(sim_lock_holder(dir) == (long)getpid());
		TAP_OK(sim_eject(dir, NULL, 0, &err) < 0 && strstr(err.msg, "locked by process") != NULL);
		sim_unlock(fd);
		TAP_OK(sim_lock_holder(dir) == 0);
	}
	drive_close(d);
	free(data);
	free(back);
}

static void test_holders(const char *dir)
{
	char path[256], who[256];
	FILE *f;
	pid_t pid;
	int fd;

	snprintf(path, sizeof(path), "%s/held", dir);
	f = fopen(path, "w");
	if (f)
		fclose(f);
	holders_describe(path, who, sizeof(who));
	TAP_STREQ(who, "");
	pid = fork();
	if (pid == 0) {
		fd = open(path, O_RDONLY);
		(void)fd;
		sleep(5);
		_exit(0);
	}
	usleep(200000);
	holders_describe(path, who, sizeof(who));
	{
		char want[64];
		snprintf(want, sizeof(want), "%ld (", (long)pid);
		tap_ok(strncmp(who, want, strlen(want)) == 0, "holder named: '%s'", who);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_cli_parsers(void)
{
	uint64_t v = 0;
	int f, k;

	TAP_OK(cli_parse_size("40M", &v) == 0 && v == 40ull << 20);
	TAP_OK(cli_parse_size("25GB", &v) == 0 && v == 25000000000ull);
	TAP_OK(cli_parse_size("12", &v) == 0 && v == 12);
	TAP_OK(cli_parse_size("-1", &v) < 0);
	TAP_OK(cli_parse_size("1Q", &v) < 0);
	TAP_OK(cli_parse_size("99999999999999999999", &v) < 0);
	TAP_OK(cli_parse_speed("4", &f, &k) == 0 && f == 4 && k == 0);
	TAP_OK(cli_parse_speed("8000k", &f, &k) == 0 && f == 0 && k == 8000);
	TAP_OK(cli_parse_speed("max", &f, &k) == 0 && f == 0 && k == 0);
	TAP_OK(cli_parse_speed("fast", &f, &k) < 0);
	TAP_OK(cli_speed_kbps(4, 0, MEDIA_BD_R) == 4 * 4496);
	TAP_OK(cli_speed_kbps(4, 0, MEDIA_DVD_PLUS_R) == 4 * 1385);
}

int main(void)
{
	char dir[] = "/tmp/dvsimtest.XXXXXX";

	if (!mkdtemp(dir))
		return 1;
	{
		char sub[64];
		snprintf(sub, sizeof(sub), "%s/drive", dir);
		test_parsers();
		test_drive(sub);
		test_cli_parsers();
		test_holders(dir);
	}
	remove_tree(dir);
	return tap_done();
}
