/*
 * rip_mount.c - a mounted disc (Linux): found by its device number in
 * /proc/self/mountinfo, unmounted before the read (umount2, root only) and
 * mounted again read-only afterwards where we unmounted it. Addresses that
 * are not block devices (sim:, stdio:, mac:) are left alone.
 * $DISCVAULT_MOUNTINFO replaces /proc/self/mountinfo for tests.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/mount.h>
#include <sys/sysmacros.h>
#endif

#include "imaging/rip.h"
#include "platform/log.h"
#include "platform/banned.h"

#ifdef __linux__

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* Find the mount of block device dev; 1 when found. */
static int find_mount(dev_t dev, struct rip *r)
{
	const char *path = getenv("DISCVAULT_MOUNTINFO");	/* tests */
	FILE *f = fopen(path && *path ? path : "/proc/self/mountinfo", "re");
	char line[4096], want[32];
	int found = 0;

	if (!f)
		return 0;
	snprintf(want, sizeof(want), "%u:%u", major(dev), minor(dev));
	while (!found && fgets(line, sizeof(line), f)) {
		char id[16], parent[16], mm[32], root[1024], point[1024], rest[2048];
		char *sep, fs[64], src[256];

		if (sscanf(line, "%15s %15s %31s %1023s %1023s %2047[^\n]", id, parent,
			   mm, root, point, rest) != 6 || strcmp(mm, want) != 0)
			continue;
		sep = strstr(rest, " - ");
		if (!sep || sscanf(sep + 3, "%63s %255s", fs, src) != 2)
			continue;
		unescape(point);
		unescape(src);
		snprintf(r->mount_point, sizeof(r->mount_point), "%s", point);
		snprintf(r->mount_fs, sizeof(r->mount_fs), "%s", fs);
		snprintf(r->mount_src, sizeof(r->mount_src), "%s", src);
		found = 1;
	}
	fclose(f);
	return found;
}

int rip_unmount(struct rip *r, struct dv_error *err)
{
	const char *dev = r->o.device;
	struct stat st;

	if (r->was_mounted || r->mount_note[0])
		return 0;	/* already done */
	if (!dev || dev[0] != '/' || stat(dev, &st) < 0 || !S_ISBLK(st.st_mode))
		return 0;
	if (!find_mount(st.st_rdev, r)) {
		snprintf(r->mount_note, sizeof(r->mount_note), "not mounted");
		return 0;
	}
	r->was_mounted = 1;
	log_info("'%s' is mounted on '%s': unmounting it for the read", dev, r->mount_point);
	if (umount2(r->mount_point, 0) < 0) {
		int e = errno;

		snprintf(r->mount_note, sizeof(r->mount_note), "cannot unmount '%s': %s",
			 r->mount_point, strerror(e));
		return dv_error_errno(err, e,
			"'%s' is mounted on '%s' and cannot be unmounted (try 'umount %s' or 'udisksctl unmount -b %s')",
			dev, r->mount_point, r->mount_point, dev);
	}
	snprintf(r->mount_note, sizeof(r->mount_note), "unmounted from '%s'", r->mount_point);
	rip_event(r, 0, "disk unmount", "success", "umount2", "%s", r->mount_point);
	return 0;
}

void rip_remount(struct rip *r)
{
	if (!r->was_mounted || r->remounted)
		return;
	r->remounted = 1;
	if (mount(r->o.device, r->mount_point, r->mount_fs, MS_RDONLY, NULL) < 0) {
		log_warn("cannot mount '%s' on '%s' again: %s", r->o.device,
			 r->mount_point, strerror(errno));
		rip_event(r, 0, "remount", "failure", "mount", "%s: %s", r->mount_point,
			  strerror(errno));
		return;
	}
	rip_event(r, 0, "remount", "success", "mount -o ro", "%s", r->mount_point);
}

#else	/* not Linux: the drive backends handle their own devices */

int rip_unmount(struct rip *r, struct dv_error *err)
{
	return 0;
}

void rip_remount(struct rip *r)
{
}

#endif
