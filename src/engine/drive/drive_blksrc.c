/*
 * drive_blksrc.c - a disc in a drive as a block source.
 */
#include "engine/drive/drive_blksrc.h"

#include <string.h>

#include "engine/drive/drive.h"
#include "platform/banned.h"

int drive_address_is_drive(const char *address)
{
	return !strncmp(address, "sim:", 4) || !strncmp(address, "mac:", 4) ||
	       !strncmp(address, "stdio:", 6) || !strncmp(address, "/dev/sr", 7);
}

static int read_sectors(void *ctx, uint64_t lba, uint32_t count, void *buf,
			struct dv_error *err)
{
	size_t got = 0;

	return drive_read(ctx, lba * DRIVE_SECTOR, buf, (size_t)count * DRIVE_SECTOR, &got, err);
}

static void close_drive(void *ctx)
{
	drive_close(ctx);
}

int drive_blksrc_open(struct blksrc *src, const char *address, struct dv_error *err)
{
	struct drive_info info;
	struct drive *d;

	if (drive_open_ex(&d, address, DRIVE_NO_LOAD, err) < 0)
		return -1;
	if (drive_status(d, &info, err) < 0) {
		drive_close(d);
		return -1;
	}
	if (info.state == DISC_EMPTY || info.readable == 0) {
		drive_close(d);
		return dv_error_set(err, DV_ERR_NOTFOUND, "no readable disc in '%s'", address);
	}
	if (blksrc_init_sectors(src, read_sectors, close_drive, info.readable / DRIVE_SECTOR,
				d, err) < 0) {
		drive_close(d);
		return -1;
	}
	return 0;
}

int drive_blksrc_from(struct blksrc *src, struct drive *d, struct dv_error *err)
{
	struct drive_info info;

	if (drive_status(d, &info, err) < 0)
		return -1;
	if (info.state == DISC_EMPTY || info.readable == 0)
		return dv_error_set(err, DV_ERR_NOTFOUND, "no readable disc in '%s'", d->address);
	return blksrc_init_sectors(src, read_sectors, NULL, info.readable / DRIVE_SECTOR, d, err);
}
