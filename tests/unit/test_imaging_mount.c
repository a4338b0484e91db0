/*
 * test_imaging_mount.c - finding a mounted disc in mountinfo (by device
 * number, with octal escapes in the mount point) and the clear error when
 * it cannot be unmounted; addresses that are not block devices are left
 * alone. Uses $DISCVAULT_MOUNTINFO and the first block device in /dev.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sysmacros.h>
#endif

#include "tap.h"
#include "imaging/rip.h"
#include "platform/banned.h"

static int find_blockdev(char *path, size_t len, struct stat *st)
{
	DIR *d = opendir("/dev");
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		snprintf(path, len, "/dev/%s", de->d_name);
		if (stat(path, st) == 0 && S_ISBLK(st->st_mode))
			found = 1;
	}
	closedir(d);
	return found;
}

#ifndef __linux__
int main(void)
{
	tap_plan_lazy();
	tap_skip("mount handling is Linux-only");
	return tap_done();
}
#else
int main(void)
{
	static struct rip r;
	struct dv_error err = DV_ERROR_INIT;
	char dev[300], info[] = "/tmp/dvmountinfoXXXXXX";
	struct stat st;
	FILE *f;
	int fd;

	tap_plan_lazy();
	memset(&r, 0, sizeof(r));
	r.o.device = "sim:/tmp/nowhere";
	TAP_OK(rip_unmount(&r, &err) == 0 && !r.was_mounted);

	if (!find_blockdev(dev, sizeof(dev), &st)) {
		tap_skip("no block device in /dev");
		return tap_done();
	}
	fd = mkstemp(info);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		tap_ok(0, "cannot write %s", info);
		return tap_done();
	}
	fprintf(f, "22 1 0:21 / /proc rw,nosuid - proc proc rw\n");
	fprintf(f, "98 22 %u:%u / /media/no\\040such\\040disc ro,relatime shared:1 - iso9660 %s ro\n",
		major(st.st_rdev), minor(st.st_rdev), dev);
	fclose(f);
	setenv("DISCVAULT_MOUNTINFO", info, 1);

	memset(&r, 0, sizeof(r));
	r.o.device = dev;
	tap_ok(rip_unmount(&r, &err) < 0, "a mount that cannot be unmounted is an error");
	TAP_OK(r.was_mounted);
	TAP_STREQ(r.mount_point, "/media/no such disc");
	TAP_STREQ(r.mount_fs, "iso9660");
	tap_ok(strstr(err.msg, "cannot be unmounted") && strstr(err.msg, "udisksctl"),
	       "the error suggests a way out: %s", err.msg);

	/* not in mountinfo: nothing to do */
	f = fopen(info, "w");
	if (f) {
		fprintf(f, "22 1 0:21 / /proc rw,nosuid - proc proc rw\n");
		fclose(f);
	}
	memset(&r, 0, sizeof(r));
	r.o.device = dev;
	TAP_OK(rip_unmount(&r, &err) == 0 && !r.was_mounted);
	TAP_STREQ(r.mount_note, "not mounted");
	unlink(info);
	return tap_done();
}
#endif
