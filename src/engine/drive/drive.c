/*
 * drive.c - backend dispatch, drive discovery and media names.
 */
#include "engine/drive/drive.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/banned.h"

extern const struct drive_ops drive_sim_ops;
extern const struct drive_ops drive_libburn_ops;
extern const struct drive_ops drive_macos_ops;

const struct drive_ops *drive_backend_for(const char *address)
{
	if (!strncmp(address, "sim:", 4))
		return &drive_sim_ops;
	if (!strncmp(address, "mac:", 4))
		return &drive_macos_ops;
	if (!strncmp(address, "stdio:", 6) || !strncmp(address, "/dev/", 5))
		return &drive_libburn_ops;
	return NULL;
}

int drive_open(struct drive **out, const char *address, struct dv_error *err)
{
	return drive_open_ex(out, address, 0, err);
}

int drive_open_ex(struct drive **out, const char *address, unsigned flags,
		  struct dv_error *err)
{
	const struct drive_ops *ops = drive_backend_for(address);
	struct drive *d;

	*out = NULL;
	if (!ops)
		return dv_error_set(err, DV_ERR_USAGE,
			"unknown drive address '%s' (expected /dev/srN, stdio:FILE, sim:DIR or mac:diskN)",
			address);
	d = calloc(1, sizeof(*d));
	if (!d)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	d->ops = ops;
	d->flags = flags;
	snprintf(d->address, sizeof(d->address), "%s", address);
	if (ops->open(d, address, err) < 0) {
		free(d);
		return -1;
	}
	*out = d;
	return 0;
}

int drive_status(struct drive *d, struct drive_info *info, struct dv_error *err)
{
	return d->ops->status(d, info, err);
}

int drive_write(struct drive *d, const struct write_source *src,
		const struct write_opts *opts, struct dv_error *err)
{
	return d->ops->write(d, src, opts, err);
}

int drive_read(struct drive *d, uint64_t off, void *buf, size_t len,
	       size_t *got, struct dv_error *err)
{
	return d->ops->read(d, off, buf, len, got, err);
}

int drive_eject(struct drive *d, struct dv_error *err)
{
	return d->ops->eject(d, err);
}

void drive_close(struct drive *d)
{
	if (!d)
		return;
	d->ops->close(d);
	free(d);
}

/* Linux: optical drives are the sr* block devices (SCSI type 5). The sysfs
 * root can be moved for tests with $DISCVAULT_SYSFS. */
static int scan_linux(char ***addresses, size_t *n, struct dv_error *err)
{
	const char *root = getenv("DISCVAULT_SYSFS");
	char path[1024];
	DIR *dir;
	struct dirent *de;
	char **list = NULL;
	size_t count = 0;

	snprintf(path, sizeof(path), "%s/class/block", root && *root ? root : "/sys");
	dir = opendir(path);
	if (!dir) {
		*addresses = NULL;
		*n = 0;
		return 0;
	}
	while ((de = readdir(dir))) {
		char **grown;
		if (strncmp(de->d_name, "sr", 2) || !de->d_name[2])
			continue;
		grown = realloc(list, (count + 1) * sizeof(*list));
		if (!grown) {
			closedir(dir);
			drive_scan_free(list, count);
			return dv_error_set(err, DV_ERR_FAIL, "out of memory");
		}
		list = grown;
		list[count] = malloc(strlen(de->d_name) + 6);
		if (!list[count]) {
			closedir(dir);
			drive_scan_free(list, count);
			return dv_error_set(err, DV_ERR_FAIL, "out of memory");
		}
		snprintf(list[count], strlen(de->d_name) + 6, "/dev/%s", de->d_name);
		count++;
	}
	closedir(dir);
	/* /dev/sr0 before /dev/sr1 before /dev/sr10 */
	for (size_t i = 1; i < count; i++)
		for (size_t j = i; j > 0; j--) {
			size_t a = strlen(list[j - 1]), b = strlen(list[j]);
			if (a < b || (a == b && strcmp(list[j - 1], list[j]) <= 0))
				break;
			char *t = list[j - 1];
			list[j - 1] = list[j];
			list[j] = t;
		}
	*addresses = list;
	*n = count;
	return 0;
}

int drive_scan(char ***addresses, size_t *n, struct dv_error *err)
{
	const char *backend = getenv("DISCVAULT_BACKEND");

#ifdef __APPLE__
	if (!backend)
		backend = "macos";
#endif
	if (backend && !strcmp(backend, "macos")) {
		extern int drive_macos_scan(char ***addresses, size_t *n, struct dv_error *err);
		return drive_macos_scan(addresses, n, err);
	}
	return scan_linux(addresses, n, err);
}

void drive_scan_free(char **addresses, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(addresses[i]);
	free(addresses);
}

int drive_default_address(char *buf, size_t len, struct dv_error *err)
{
	const char *env = getenv("DISCVAULT_DEVICE");
	char **list;
	size_t n;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return 0;
	}
	if (drive_scan(&list, &n, err) < 0)
		return -1;
	if (n == 0)
		return dv_error_set(err, DV_ERR_NOTFOUND,
			"No drive detected: no optical drive found (name one with --device, e.g. /dev/sr0 or sim:DIR)");
	snprintf(buf, len, "%s", list[0]);
	drive_scan_free(list, n);
	return 0;
}

const char *media_kind_name(enum media_kind kind)
{
	switch (kind) {
	case MEDIA_NONE: return "none";
	case MEDIA_CD_ROM: return "CD-ROM";
	case MEDIA_CD_R: return "CD-R";
	case MEDIA_CD_RW: return "CD-RW";
	case MEDIA_DVD_ROM: return "DVD-ROM";
	case MEDIA_DVD_R: return "DVD-R";
	case MEDIA_DVD_RW: return "DVD-RW";
	case MEDIA_DVD_PLUS_R: return "DVD+R";
	case MEDIA_DVD_PLUS_RW: return "DVD+RW";
	case MEDIA_DVD_PLUS_R_DL: return "DVD+R DL";
	case MEDIA_DVD_R_DL: return "DVD-R DL";
	case MEDIA_DVD_RAM: return "DVD-RAM";
	case MEDIA_BD_ROM: return "BD-ROM";
	case MEDIA_BD_R: return "BD-R";
	case MEDIA_BD_RE: return "BD-RE";
	case MEDIA_FILE: return "file";
	case MEDIA_OTHER: return "other";
	}
	return "other";
}

const char *disc_state_name(enum disc_state state)
{
	switch (state) {
	case DISC_UNKNOWN: return "unknown";
	case DISC_EMPTY: return "empty";
	case DISC_BLANK: return "blank";
	case DISC_APPENDABLE: return "appendable";
	case DISC_CLOSED: return "closed";
	}
	return "unknown";
}

int media_is_bd(enum media_kind kind)
{
	return kind == MEDIA_BD_ROM || kind == MEDIA_BD_R || kind == MEDIA_BD_RE;
}

int media_speed_1x_kbps(enum media_kind kind)
{
	if (media_is_bd(kind))
		return 4496;
	if (kind >= MEDIA_DVD_ROM && kind <= MEDIA_DVD_RAM)
		return 1385;
	if (kind >= MEDIA_CD_ROM && kind <= MEDIA_CD_RW)
		return 176;
	return 4496;
}
