/*
 * drive_macos.c - macOS drives ("mac:N", N = drutil's drive number)
 * through the system's own tools, run as processes:
 *   drutil -drive N status      medium type, blank or not, free blocks
 *   hdiutil burn IMAGE ...      the write (an image file only)
 *   /dev/rdiskK                 raw reads for verification and ripping
 *   drutil -drive N tray eject  eject
 * It is plain POSIX code, so it is built and tested on Linux with fake
 * drutil/hdiutil scripts first on PATH. $DISCVAULT_MAC_DEV moves /dev for
 * those tests.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/drive/drive.h"
#include "platform/fileio.h"
#include "platform/log.h"
#include "platform/spawn.h"
#include "platform/banned.h"

struct mac_priv {
	char num[16];
	char rdisk[512];
	int fd;
};

static int need_tool(const char *tool, struct dv_error *err)
{
	char *path = spawn_which(tool);

	if (path) {
		free(path);
		return 0;
	}
	return dv_error_set(err, DV_ERR_NOTFOUND,
		"required macOS tool '%s' not found on PATH: it ships with macOS as /usr/bin/%s; "
		"restore it (or fix PATH) and run again", tool, tool);
}

static int run_tool(const char *const argv[], struct spawn_result *res, struct dv_error *err)
{
	char line[1024];

	spawn_format_argv(argv, line, sizeof(line));
	log_file_only("run: %s", line);
	if (spawn_capture(argv, res, err) < 0)
		return -1;
	if (res->exit_code != 0) {
		const char *why = res->err && *res->err ? res->err : res->out ? res->out : "";
		dv_error_set(err, DV_ERR_FAIL, "%s failed (exit %d): %.300s", argv[0], res->exit_code, why);
		spawn_result_release(res);
		return -1;
	}
	return 0;
}

static int mac_open(struct drive *d, const char *address, struct dv_error *err)
{
	struct mac_priv *p;
	const char *num = address + 4;

	if (need_tool("drutil", err) < 0 || need_tool("hdiutil", err) < 0)
		return -1;
	if (!*num)
		num = "1";
	for (const char *c = num; *c; c++)
		if (!isdigit((unsigned char)*c))
			return dv_error_set(err, DV_ERR_USAGE,
				"'%s': a macOS drive is mac:N, N being its number in 'drutil list'", address);
	p = calloc(1, sizeof(*p));
	if (!p)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	snprintf(p->num, sizeof(p->num), "%s", num);
	p->fd = -1;
	d->priv = p;
	return 0;
}

static void mac_close(struct drive *d)
{
	struct mac_priv *p = d->priv;

	if (p && p->fd >= 0)
		close(p->fd);
	free(p);
	d->priv = NULL;
}

/* The value after "Key:" on a line of drutil's output, up to two spaces. */
static int field(const char *text, const char *key, char *out, size_t len)
{
	const char *s = text;
	size_t klen = strlen(key);

	while ((s = strstr(s, key))) {
		if (s[klen] == ':' && (s == text || isspace((unsigned char)s[-1]))) {
			const char *v = s + klen + 1;
			size_t n = 0;
			while (*v == ' ')
				v++;
			while (v[n] && v[n] != '\n' && !(v[n] == ' ' && v[n + 1] == ' '))
				n++;
			snprintf(out, len, "%.*s", (int)n, v);
			return 1;
		}
		s += klen;
	}
	return 0;
}

/* "blocks:  12219392 /" after the given key's line. */
static uint64_t blocks_after(const char *text, const char *key)
{
	const char *s = strstr(text, key), *b;

	if (!s)
		return 0;
	b = strstr(s, "blocks:");
	if (!b || memchr(s, '\n', (size_t)(b - s)))
		return 0;
	return strtoull(b + 7, NULL, 10);
}

static enum media_kind mac_media(const char *type)
{
	static const struct { const char *name; enum media_kind kind; } map[] = {
		{ "BD-RE", MEDIA_BD_RE }, { "BD-ROM", MEDIA_BD_ROM }, { "BD-R", MEDIA_BD_R },
		{ "DVD+R DL", MEDIA_DVD_PLUS_R_DL }, { "DVD-R DL", MEDIA_DVD_R_DL },
		{ "DVD+RW", MEDIA_DVD_PLUS_RW }, { "DVD-RW", MEDIA_DVD_RW },
		{ "DVD+R", MEDIA_DVD_PLUS_R }, { "DVD-RAM", MEDIA_DVD_RAM },
		{ "DVD-ROM", MEDIA_DVD_ROM }, { "DVD-R", MEDIA_DVD_R },
		{ "CD-RW", MEDIA_CD_RW }, { "CD-ROM", MEDIA_CD_ROM }, { "CD-R", MEDIA_CD_R },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strncmp(type, map[i].name, strlen(map[i].name)))
			return map[i].kind;
	return MEDIA_OTHER;
}

static int mac_status(struct drive *d, struct drive_info *info, struct dv_error *err)
{
	struct mac_priv *p = d->priv;
	const char *argv[] = { "drutil", "-drive", p->num, "status", NULL };
	struct spawn_result res;
	char type[64] = "", name[128] = "", wr[256] = "";
	const char *devdir = getenv("DISCVAULT_MAC_DEV");

	memset(info, 0, sizeof(*info));
	snprintf(info->address, sizeof(info->address), "%s", d->address);
	snprintf(info->backend, sizeof(info->backend), "macos");
	if (run_tool(argv, &res, err) < 0)
		return -1;
	if (res.out) {
		/* header: " Vendor   Product   Rev" then the values line */
		const char *nl = strchr(res.out, '\n');
		if (nl && strstr(res.out, "Vendor")) {
			char v[32] = "", m[64] = "";
			if (sscanf(nl + 1, " %31s %63[^\n]", v, m) >= 1) {
				snprintf(info->vendor, sizeof(info->vendor), "%s", v);
				snprintf(info->model, sizeof(info->model), "%s", m);
			}
		}
		field(res.out, "Type", type, sizeof(type));
		field(res.out, "Name", name, sizeof(name));
		field(res.out, "Writability", wr, sizeof(wr));
	}
	if (!type[0] || strstr(type, "No Media")) {
		info->state = DISC_EMPTY;
		spawn_result_release(&res);
		return 0;
	}
	info->media = mac_media(type);
	snprintf(info->media_name, sizeof(info->media_name), "%s", type);
	info->write_once = info->media == MEDIA_BD_R || info->media == MEDIA_DVD_R ||
			   info->media == MEDIA_DVD_PLUS_R || info->media == MEDIA_CD_R ||
			   info->media == MEDIA_DVD_PLUS_R_DL || info->media == MEDIA_DVD_R_DL;
	info->capacity = blocks_after(res.out, "Space Free") * DRIVE_SECTOR;
	info->readable = blocks_after(res.out, "Space Used") * DRIVE_SECTOR;
	if (strstr(wr, "blank"))
		info->state = DISC_BLANK;
	else if (strstr(wr, "appendable"))
		info->state = DISC_APPENDABLE;
	else
		info->state = DISC_CLOSED;
	if (!strncmp(name, "/dev/disk", 9))
		snprintf(p->rdisk, sizeof(p->rdisk), "%s/rdisk%s", devdir ? devdir : "/dev", name + 9);
	spawn_result_release(&res);
	return 0;
}

static int mac_write(struct drive *d, const struct write_source *src,
		     const struct write_opts *opts, struct dv_error *err)
{
	struct spawn_result res;
	char speed[32];
	const char *argv[12];
	int n = 0;

	if (!src->path)
		return dv_error_set(err, DV_ERR_USAGE, "the macOS backend burns image files only");
	if (need_tool("hdiutil", err) < 0)
		return -1;
	argv[n++] = "hdiutil";
	argv[n++] = "burn";
	argv[n++] = "-noverifyburn";
	argv[n++] = "-noeject";
	if (opts->speed_kbps > 0) {
		/* hdiutil takes an x-factor; 1x BD = 4496 kB/s */
		snprintf(speed, sizeof(speed), "%d", (opts->speed_kbps + 4495) / 4496);
		argv[n++] = "-speed";
		argv[n++] = speed;
	}
	argv[n++] = src->path;
	argv[n] = NULL;
	if (run_tool(argv, &res, err) < 0)
		return -1;
	spawn_result_release(&res);
	if (opts->progress)
		opts->progress(opts->progress_ctx, src->size, src->size);
	return 0;
}

static int mac_read(struct drive *d, uint64_t off, void *buf, size_t len,
		    size_t *got, struct dv_error *err)
{
	struct mac_priv *p = d->priv;
	ssize_t n;

	*got = 0;
	if (!p->rdisk[0]) {
		struct drive_info info;
		if (mac_status(d, &info, err) < 0)
			return -1;
		if (!p->rdisk[0])
			return dv_error_set(err, DV_ERR_NOTFOUND, "no disc in '%s'", d->address);
	}
	if (p->fd < 0) {
		p->fd = open(p->rdisk, O_RDONLY | O_CLOEXEC);
		if (p->fd < 0)
			return dv_error_errno(err, errno, "cannot open '%s'", p->rdisk);
	}
	n = pread_full(p->fd, buf, len, off);
	if (n < 0)
		return dv_error_errno(err, errno, "read error at sector %llu on '%s'",
				      (unsigned long long)(off / DRIVE_SECTOR), p->rdisk);
	*got = (size_t)n;
	if ((size_t)n < len)
		return dv_error_set(err, DV_ERR_FAIL, "short read at sector %llu on '%s'",
				    (unsigned long long)((off + (uint64_t)n) / DRIVE_SECTOR), p->rdisk);
	return 0;
}

static int mac_eject(struct drive *d, struct dv_error *err)
{
	struct mac_priv *p = d->priv;
	const char *argv[] = { "drutil", "-drive", p->num, "tray", "eject", NULL };
	struct spawn_result res;

	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
	p->rdisk[0] = '\0';
	if (run_tool(argv, &res, err) < 0)
		return -1;
	spawn_result_release(&res);
	return 0;
}

static void mac_describe(const char *address, const char *image, uint64_t size,
			 int speed_kbps, char *buf, size_t len)
{
	if (speed_kbps > 0)
		snprintf(buf, len, "hdiutil burn -noverifyburn -noeject -speed %d '%s'",
			 (speed_kbps + 4495) / 4496, image);
	else
		snprintf(buf, len, "hdiutil burn -noverifyburn -noeject '%s'", image);
}

int drive_macos_scan(char ***addresses, size_t *n, struct dv_error *err);

int drive_macos_scan(char ***addresses, size_t *n, struct dv_error *err)
{
	const char *argv[] = { "drutil", "list", NULL };
	struct spawn_result res;
	char **list = NULL;
	size_t count = 0;

	*addresses = NULL;
	*n = 0;
	if (need_tool("drutil", err) < 0)
		return -1;
	if (run_tool(argv, &res, err) < 0)
		return -1;
	for (char *line = res.out; line && *line; ) {
		char *nl = strchr(line, '\n');
		unsigned num;
		if (sscanf(line, " %u ", &num) == 1) {
			char **grown = realloc(list, (count + 1) * sizeof(*list));
			if (!grown)
				break;
			list = grown;
			list[count] = malloc(24);
			if (!list[count])
				break;
			snprintf(list[count], 24, "mac:%u", num);
			count++;
		}
		line = nl ? nl + 1 : NULL;
	}
	spawn_result_release(&res);
	*addresses = list;
	*n = count;
	return 0;
}

const struct drive_ops drive_macos_ops = {
	.name = "macos",
	.open = mac_open,
	.status = mac_status,
	.write = mac_write,
	.read = mac_read,
	.eject = mac_eject,
	.close = mac_close,
	.describe_write = mac_describe,
};
