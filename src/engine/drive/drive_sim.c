/*
 * drive_sim.c - the simulated drive backend ("sim:DIR").
 *
 * It behaves like a real drive seen through the drive interface: the state
 * is re-read from DIR on every status call (another process plays the
 * operator), write-once media refuse a second write, unreadable sectors
 * fail reads with the good prefix returned, flipped bytes come back
 * silently wrong, a write can fail at a given sector, and a speed limit
 * throttles reads and writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/drive/drive.h"
#include "engine/drive/sim.h"
#include "platform/fileio.h"
#include "platform/progress.h"
#include "platform/banned.h"

struct sim_priv {
	char dir[PATH_MAX];
	char tray[PATH_MAX + 8];
	int data_fd;
	uint64_t data_id;        /* disc id data_fd belongs to */
};

static int sim_open(struct drive *d, const char *address, struct dv_error *err)
{
	struct sim_priv *p;
	struct sim_drive_conf c;
	const char *dir = address + 4;

	if (!*dir)
		return dv_error_set(err, DV_ERR_USAGE, "'%s': a sim drive needs a directory (sim:DIR)", address);
	if (sim_read_drive_conf(dir, &c, err) < 0)
		return -1;
	p = calloc(1, sizeof(*p));
	if (!p)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	snprintf(p->tray, sizeof(p->tray), "%s/tray", dir);
	p->data_fd = -1;
	d->priv = p;
	return 0;
}

static void sim_close(struct drive *d)
{
	struct sim_priv *p = d->priv;

	if (p && p->data_fd >= 0)
		close(p->data_fd);
	free(p);
	d->priv = NULL;
}

/* Reads the loaded disc's medium; returns 1 when a readable disc is in a
 * closed tray, 0 when the drive is empty. */
static int current_medium(struct sim_priv *p, struct sim_drive_conf *c,
			  struct sim_medium *m, struct dv_error *err)
{
	if (sim_read_drive_conf(p->dir, c, err) < 0)
		return -1;
	if (c->tray_open)
		return 0;
	return sim_read_medium(p->tray, m, err);
}

static int sim_status(struct drive *d, struct drive_info *info, struct dv_error *err)
{
	struct sim_priv *p = d->priv;
	struct sim_drive_conf c;
	struct sim_medium m;
	int rc;

	memset(info, 0, sizeof(*info));
	snprintf(info->address, sizeof(info->address), "%s", d->address);
	snprintf(info->backend, sizeof(info->backend), "sim");
	rc = current_medium(p, &c, &m, err);
	if (rc < 0)
		return -1;
	snprintf(info->vendor, sizeof(info->vendor), "%s", c.vendor);
	snprintf(info->model, sizeof(info->model), "%s", c.model);
	snprintf(info->revision, sizeof(info->revision), "SIM1");
	info->tray_open = c.tray_open;
	if (rc == 0) {
		info->state = DISC_EMPTY;
		return 0;
	}
	const struct sim_media_type *mt = sim_media_lookup(m.type);
	info->state = m.state;
	info->media = mt->kind;
	snprintf(info->media_name, sizeof(info->media_name), "%s", mt->label);
	info->write_once = mt->write_once;
	info->capacity = m.state == DISC_BLANK || !mt->write_once ? m.capacity :
			 m.state == DISC_APPENDABLE ? m.capacity - m.written : 0;
	info->readable = m.written;
	info->disc_id = m.id;
	return 0;
}

/* Sleep so that `bytes` since `start` do not exceed kbps. */
static void throttle(double start, uint64_t bytes, uint64_t kbps)
{
	double want, now;

	if (!kbps)
		return;
	want = start + (double)bytes / ((double)kbps * 1000.0);
	now = now_monotonic();
	if (want > now) {
		struct timespec ts;
		double s = want - now;
		ts.tv_sec = (time_t)s;
		ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

static int sim_write(struct drive *d, const struct write_source *src,
		     const struct write_opts *opts, struct dv_error *err)
{
	struct sim_priv *p = d->priv;
	struct sim_drive_conf c;
	struct sim_medium m;
	struct sim_damage dmg;
	const struct sim_media_type *mt;
	char path[PATH_MAX + 16];
	uint64_t done = 0, fail_at = UINT64_MAX, kbps;
	size_t bufsize = 4u << 20;
	char *buf = NULL;
	int fd = -1, lock, rc = -1;
	double start;

	lock = sim_lock(p->dir, err);
	if (lock < 0)
		return -1;
	rc = current_medium(p, &c, &m, err);
	if (rc <= 0) {
		if (rc == 0)
			dv_error_set(err, DV_ERR_NOTFOUND, "no disc in '%s'", d->address);
		rc = -1;
		goto out;
	}
	rc = -1;
	mt = sim_media_lookup(m.type);
	if (m.state != DISC_BLANK && mt->write_once) {
		dv_error_set(err, DV_ERR_FAIL, "medium not blank: the %s in '%s' is %s",
			     mt->label, d->address, m.state == DISC_CLOSED ? "closed" : "appendable");
		goto out;
	}
	if (src->size > m.capacity) {
		dv_error_set(err, DV_ERR_NOSPACE, "image of %llu bytes does not fit on the medium (%llu bytes)",
			     (unsigned long long)src->size, (unsigned long long)m.capacity);
		goto out;
	}
	if (sim_read_damage(p->tray, &dmg, err) < 0)
		goto out;
	for (size_t i = 0; i < dmg.n; i++)
		if (dmg.f[i].kind == SIM_WRITE_FAIL && dmg.f[i].a * DRIVE_SECTOR < fail_at)
			fail_at = dmg.f[i].a * DRIVE_SECTOR;
	snprintf(path, sizeof(path), "%s/data", p->tray);
	unlink(path);     /* a rewritable disc: start afresh */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		dv_error_errno(err, errno, "cannot write '%s'", path);
		goto out;
	}
	buf = malloc(bufsize);
	if (!buf) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	/* From here on the disc is used, whatever happens. */
	m.state = DISC_APPENDABLE;
	m.written = 0;
	if (sim_write_medium(p->tray, &m, err) < 0)
		goto out;
	kbps = c.speed_kbps;
	if (opts->speed_kbps > 0 && (!kbps || (uint64_t)opts->speed_kbps < kbps))
		kbps = (uint64_t)opts->speed_kbps;
	/* about a tenth of a second of data per step when throttled, so a
	 * cancel is noticed quickly */
	if (kbps && kbps * 100 < bufsize)
		bufsize = kbps * 100 < 65536 ? 65536 : (size_t)(kbps * 100);
	start = now_monotonic();
	while (done < src->size) {
		size_t want = src->size - done < bufsize ? (size_t)(src->size - done) : bufsize;
		ssize_t n;

		if (opts->cancel && *opts->cancel) {
			dv_error_set(err, DV_ERR_INTERRUPTED, "write to '%s' cancelled", d->address);
			goto record;
		}
		n = src->read(src->ctx, buf, want);
		if (n <= 0) {
			dv_error_set(err, DV_ERR_FAIL, "premature end of input after %llu of %llu bytes",
				     (unsigned long long)done, (unsigned long long)src->size);
			goto record;
		}
		if (done + (uint64_t)n > fail_at) {
			size_t part = (size_t)(fail_at - done);
			if (part)
				(void)pwrite_full(fd, buf, part, done);
			done = fail_at;
			dv_error_set(err, DV_ERR_FAIL, "write error at sector %llu (%llu bytes): medium error",
				     (unsigned long long)(fail_at / DRIVE_SECTOR),
				     (unsigned long long)fail_at);
			goto record;
		}
		if (pwrite_full(fd, buf, (size_t)n, done) < 0) {
			dv_error_errno(err, errno, "cannot write '%s'", path);
			goto record;
		}
		done += (uint64_t)n;
		if (opts->progress)
			opts->progress(opts->progress_ctx, done, src->size);
		throttle(start, done, kbps);
	}
	/* pad to a whole sector, as a drive writes whole sectors */
	if (done % DRIVE_SECTOR) {
		static const char zero[DRIVE_SECTOR];
		size_t pad = DRIVE_SECTOR - done % DRIVE_SECTOR;
		if (pwrite_full(fd, zero, pad, done) < 0) {
			dv_error_errno(err, errno, "cannot write '%s'", path);
			goto record;
		}
	}
	m.state = DISC_CLOSED;
	rc = 0;
record:
	m.written = (done + DRIVE_SECTOR - 1) / DRIVE_SECTOR * DRIVE_SECTOR;
	if (sim_write_medium(p->tray, &m, rc == 0 ? err : NULL) < 0)
		rc = -1;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	if (p->data_fd >= 0) {
		close(p->data_fd);
		p->data_fd = -1;
	}
	sim_unlock(lock);
	return rc;
}

static int sim_read(struct drive *d, uint64_t off, void *buf, size_t len,
		    size_t *got, struct dv_error *err)
{
	struct sim_priv *p = d->priv;
	struct sim_drive_conf c;
	struct sim_medium m;
	struct sim_damage dmg;
	uint64_t end = off + len, bad = UINT64_MAX;
	ssize_t n;
	int rc;

	*got = 0;
	if (off % DRIVE_SECTOR)
		return dv_error_set(err, DV_ERR_USAGE, "read at unaligned offset %llu", (unsigned long long)off);
	rc = current_medium(p, &c, &m, err);
	if (rc <= 0)
		return rc < 0 ? -1 : dv_error_set(err, DV_ERR_NOTFOUND, "no disc in '%s'", d->address);
	if (end > m.written)
		return dv_error_set(err, DV_ERR_FAIL,
			"read beyond the end of the recorded data (%llu > %llu bytes)",
			(unsigned long long)end, (unsigned long long)m.written);
	if (p->data_fd < 0 || p->data_id != m.id) {
		char path[PATH_MAX + 16];
		if (p->data_fd >= 0)
			close(p->data_fd);
		snprintf(path, sizeof(path), "%s/data", p->tray);
		p->data_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (p->data_fd < 0)
			return dv_error_errno(err, errno, "cannot read disc data '%s'", path);
		p->data_id = m.id;
	}
	if (sim_read_damage(p->tray, &dmg, err) < 0)
		return -1;
	for (size_t i = 0; i < dmg.n; i++) {
		const struct sim_fault *f = &dmg.f[i];
		uint64_t a = f->a * DRIVE_SECTOR, b = (f->a + f->b) * DRIVE_SECTOR;
		if (f->kind != SIM_UNREADABLE || b <= off || a >= end)
			continue;
		if (a < off)
			a = off;
		if (a < bad)
			bad = a;
	}
	if (bad != UINT64_MAX)
		len = (size_t)(bad - off);
	n = pread_full(p->data_fd, buf, len, off);
	if (n < 0)
		return dv_error_errno(err, errno, "cannot read disc data");
	if ((size_t)n < len)   /* sparse tail of a short file */
		memset((char *)buf + n, 0, len - (size_t)n);
	for (size_t i = 0; i < dmg.n; i++) {
		const struct sim_fault *f = &dmg.f[i];
		if (f->kind == SIM_FLIP && f->a >= off && f->a < off + len)
			((unsigned char *)buf)[f->a - off] ^= (unsigned char)f->b;
	}
	*got = len;
	throttle(now_monotonic(), len, c.speed_kbps);
	if (bad != UINT64_MAX)
		return dv_error_set(err, DV_ERR_FAIL, "read error at sector %llu: unrecovered read error",
				    (unsigned long long)(bad / DRIVE_SECTOR));
	return 0;
}

static int sim_eject_op(struct drive *d, struct dv_error *err)
{
	struct sim_priv *p = d->priv;

	if (p->data_fd >= 0) {
		close(p->data_fd);
		p->data_fd = -1;
	}
	return sim_eject(p->dir, NULL, 0, err);
}

static void sim_describe(const char *address, const char *image, uint64_t size,
			 int speed_kbps, char *buf, size_t len)
{
	if (speed_kbps)
		snprintf(buf, len, "simulated drive %s: write %llu bytes of '%s' at %d kB/s, close the disc",
			 address, (unsigned long long)size, image, speed_kbps);
	else
		snprintf(buf, len, "simulated drive %s: write %llu bytes of '%s' at full speed, close the disc",
			 address, (unsigned long long)size, image);
}

const struct drive_ops drive_sim_ops = {
	.name = "sim",
	.open = sim_open,
	.status = sim_status,
	.write = sim_write,
	.read = sim_read,
	.eject = sim_eject_op,
	.close = sim_close,
	.describe_write = sim_describe,
};
