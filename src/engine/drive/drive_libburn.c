/*
 * drive_libburn.c - real drives (/dev/srN) and libburn stdio pseudo-drives
 * (stdio:PATH) through libburn.
 *
 * Kept thin on purpose: the simulated drive cannot exercise these paths, so
 * each libburn call here follows the checked notes in
 * shared/notes/libburn-libisofs.md:
 *  - the burn size is compared with burn_disc_available_space() by us,
 *    because burn_precheck_write() does not;
 *  - a fifo of at least 16 MiB feeds real drives (small fifos throttle);
 *    stdio pseudo-drives get no fifo;
 *  - BD media are written with stream recording (no defect management
 *    slow-down), speed in kB/s;
 *  - burn_drive_wrote_well() and queued messages of severity SORRY and
 *    above decide success; the caller always verifies by reading back;
 *  - reads never go past burn_get_read_capacity() (stdio returns success
 *    with garbage there);
 *  - a stdio target file is truncated first (libburn never truncates);
 *  - after an eject the drive is re-grabbed without loading, so the tray
 *    stays open for the operator.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libburn/libburn.h>

#include "engine/drive/drive.h"
#include "platform/holders.h"
#include "platform/log.h"
#include "platform/banned.h"

struct lb_priv {
	struct burn_drive_info *infos;
	struct burn_drive *d;
	char adr[512];
	int role;
	int fresh;      /* just grabbed: no re-assess needed */
};

static int lb_initialized;

static void lb_finish(void)
{
	burn_finish();
}

static int lb_init(struct dv_error *err)
{
	if (lb_initialized)
		return 0;
	if (!burn_initialize())
		return dv_error_set(err, DV_ERR_FAIL, "cannot initialize libburn");
	/* queue every message, print none: we log them ourselves */
	{
		char q[] = "ALL", pr[] = "NEVER", pfx[] = "libburn: ";
		burn_msgs_set_severities(q, pr, pfx);
	}
	lb_initialized = 1;
	atexit(lb_finish);
	return 0;
}

/* Drain libburn's message queue into the log; the most severe message of
 * at least SORRY severity is copied to worst (if not NULL). */
static void lb_drain_messages(char *worst, size_t len)
{
	char text[BURN_MSGS_MESSAGE_LEN], sev[80];
	int code, os_errno, have = 0;

	if (worst && len)
		worst[0] = '\0';
	char all[] = "ALL";

	while (burn_msgs_obtain(all, &code, text, &os_errno, sev) > 0) {
		int bad = strcmp(sev, "SORRY") == 0 || strcmp(sev, "FAILURE") == 0 ||
			  strcmp(sev, "FATAL") == 0 || strcmp(sev, "ABORT") == 0 ||
			  strcmp(sev, "MISHAP") == 0;
		if (bad) {
			log_warn("libburn %s: %s", sev, text);
			if (worst && (!have || strcmp(sev, "SORRY") != 0)) {
				snprintf(worst, len, "%s", text);
				have = 1;
			}
		} else {
			log_file_only("libburn %s: %s", sev, text);
		}
	}
}

static int lb_grab(struct lb_priv *p, int load, struct dv_error *err)
{
	char worst[BURN_MSGS_MESSAGE_LEN];
	int rc;

	rc = burn_drive_scan_and_grab(&p->infos, p->adr, load);
	lb_drain_messages(worst, sizeof(worst));
	if (rc <= 0) {
		/* busy? say who holds it, as lsof would */
		char who[512] = "";
		if (!strncmp(p->adr, "/dev/", 5))
			holders_describe(p->adr, who, sizeof(who));
		if (who[0])
			return dv_error_set(err, DV_ERR_FAIL, "drive '%s' is busy: held by process %s%s%s",
					    p->adr, who, worst[0] ? "; " : "", worst);
	}
	if (rc == 0)
		return dv_error_set(err, DV_ERR_NOTFOUND, "drive '%s' not found%s%s", p->adr,
				    worst[0] ? ": " : "", worst);
	if (rc < 0)
		return dv_error_set(err, DV_ERR_FAIL, "cannot open drive '%s'%s%s", p->adr,
				    worst[0] ? ": " : "", worst);
	p->d = p->infos[0].drive;
	p->role = burn_drive_get_drive_role(p->d);
	p->fresh = 1;
	return 0;
}

static void lb_ungrab(struct lb_priv *p, int eject)
{
	if (p->d) {
		burn_drive_release(p->d, eject);
		p->d = NULL;
	}
	if (p->infos) {
		burn_drive_info_free(p->infos);
		p->infos = NULL;
	}
}

static int lb_open(struct drive *d, const char *address, struct dv_error *err)
{
	struct lb_priv *p;

	if (lb_init(err) < 0)
		return -1;
	p = calloc(1, sizeof(*p));
	if (!p)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	snprintf(p->adr, sizeof(p->adr), "%s", address);
	/* grabbing with load=1 closes an open tray, as a person expects
	 * when they start a burn (not when they only list drives) */
	if (lb_grab(p, !(d->flags & DRIVE_NO_LOAD), err) < 0) {
		free(p);
		return -1;
	}
	d->priv = p;
	return 0;
}

static void lb_close(struct drive *d)
{
	struct lb_priv *p = d->priv;

	if (!p)
		return;
	lb_ungrab(p, 0);
	free(p);
	d->priv = NULL;
}

static enum media_kind profile_kind(int pno)
{
	switch (pno) {
	case 0x08: return MEDIA_CD_ROM;
	case 0x09: return MEDIA_CD_R;
	case 0x0a: return MEDIA_CD_RW;
	case 0x10: return MEDIA_DVD_ROM;
	case 0x11: return MEDIA_DVD_R;
	case 0x12: return MEDIA_DVD_RAM;
	case 0x13: case 0x14: return MEDIA_DVD_RW;
	case 0x15: case 0x16: return MEDIA_DVD_R_DL;
	case 0x1a: return MEDIA_DVD_PLUS_RW;
	case 0x1b: return MEDIA_DVD_PLUS_R;
	case 0x2b: return MEDIA_DVD_PLUS_R_DL;
	case 0x40: return MEDIA_BD_ROM;
	case 0x41: case 0x42: return MEDIA_BD_R;
	case 0x43: return MEDIA_BD_RE;
	case 0xffff: return MEDIA_FILE;
	case 0: return MEDIA_NONE;
	default: return MEDIA_OTHER;
	}
}

static int lb_status(struct drive *d, struct drive_info *info, struct dv_error *err)
{
	struct lb_priv *p = d->priv;
	enum burn_disc_status st;
	char pname[80];
	int pno = 0, cap = 0;

	memset(info, 0, sizeof(*info));
	snprintf(info->address, sizeof(info->address), "%s", d->address);
	snprintf(info->backend, sizeof(info->backend), "libburn");
	if (!p->d && lb_grab(p, 0, err) < 0)
		return -1;
	if (!p->fresh) {
		/* look again: the operator may have changed the disc */
		if (burn_drive_re_assess(p->d, 0) <= 0) {
			lb_ungrab(p, 0);
			if (lb_grab(p, 0, err) < 0)
				return -1;
		}
	}
	p->fresh = 0;
	snprintf(info->vendor, sizeof(info->vendor), "%s", p->infos[0].vendor);
	snprintf(info->model, sizeof(info->model), "%s", p->infos[0].product);
	snprintf(info->revision, sizeof(info->revision), "%s", p->infos[0].revision);
	st = burn_disc_get_status(p->d);
	switch (st) {
	case BURN_DISC_EMPTY: info->state = DISC_EMPTY; break;
	case BURN_DISC_BLANK: info->state = DISC_BLANK; break;
	case BURN_DISC_APPENDABLE: info->state = DISC_APPENDABLE; break;
	case BURN_DISC_FULL: info->state = DISC_CLOSED; break;
	default: info->state = DISC_UNKNOWN; break;
	}
	lb_drain_messages(NULL, 0);
	if (info->state == DISC_EMPTY)
		return 0;
	if (burn_disc_get_profile(p->d, &pno, pname) > 0) {
		info->media = profile_kind(pno);
		if (pname[0])
			snprintf(info->media_name, sizeof(info->media_name), "%.47s", pname);
		else
			snprintf(info->media_name, sizeof(info->media_name), "%s",
				 media_kind_name(info->media));
	}
	info->write_once = info->media == MEDIA_CD_R || info->media == MEDIA_DVD_R ||
			   info->media == MEDIA_DVD_PLUS_R || info->media == MEDIA_DVD_PLUS_R_DL ||
			   info->media == MEDIA_DVD_R_DL || info->media == MEDIA_BD_R;
	if (info->state == DISC_BLANK || info->state == DISC_APPENDABLE || !info->write_once) {
		off_t space = burn_disc_available_space(p->d, NULL);
		info->capacity = space > 0 ? (uint64_t)space : 0;
	}
	if (info->state != DISC_BLANK && burn_get_read_capacity(p->d, &cap, 0) > 0 && cap > 0)
		info->readable = (uint64_t)cap * DRIVE_SECTOR;
	lb_drain_messages(NULL, 0);
	return 0;
}

/* A burn_source that pulls from our write_source. */
struct pull_src {
	const struct write_source *src;
	uint64_t done;
	off_t fixed;
};

static int pull_read_xt(struct burn_source *bs, unsigned char *buf, int size)
{
	struct pull_src *ps = bs->data;
	uint64_t left = ps->src->size - ps->done;
	size_t want = (uint64_t)size < left ? (size_t)size : (size_t)left;
	size_t got = 0;

	while (got < want) {
		ssize_t n = ps->src->read(ps->src->ctx, buf + got, want - got);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	ps->done += got;
	return (int)got;
}

static off_t pull_get_size(struct burn_source *bs)
{
	struct pull_src *ps = bs->data;

	return ps->fixed ? ps->fixed : (off_t)ps->src->size;
}

static int pull_set_size(struct burn_source *bs, off_t size)
{
	struct pull_src *ps = bs->data;

	ps->fixed = size;
	return 1;
}

static void pull_free(struct burn_source *bs)
{
	free(bs->data);
}

static int pull_cancel(struct burn_source *bs)
{
	return 1;
}

static struct burn_source *pull_source_new(const struct write_source *src)
{
	struct burn_source *bs = calloc(1, sizeof(*bs));
	struct pull_src *ps = calloc(1, sizeof(*ps));

	if (!bs || !ps) {
		free(bs);
		free(ps);
		return NULL;
	}
	ps->src = src;
	bs->refcount = 1;
	bs->read = NULL;
	bs->read_sub = NULL;
	bs->get_size = pull_get_size;
	bs->set_size = pull_set_size;
	bs->free_data = pull_free;
	bs->next = NULL;
	bs->data = ps;
	bs->version = 1;
	bs->read_xt = pull_read_xt;
	bs->cancel = pull_cancel;
	return bs;
}

static int lb_write(struct drive *d, const struct write_source *src,
		    const struct write_opts *opts, struct dv_error *err)
{
	struct lb_priv *p = d->priv;
	struct burn_disc *disc = NULL;
	struct burn_session *session = NULL;
	struct burn_track *track = NULL;
	struct burn_source *bs = NULL, *fifo = NULL;
	struct burn_write_opts *o = NULL;
	struct burn_progress prog;
	struct drive_info info;
	char reasons[BURN_REASONS_LEN], worst[BURN_MSGS_MESSAGE_LEN];
	int rc = -1, cancelled = 0;

	if (lb_status(d, &info, err) < 0)
		return -1;
	if (info.state != DISC_BLANK &&
	    !(info.state == DISC_CLOSED && !info.write_once && info.media != MEDIA_FILE))
		return dv_error_set(err, DV_ERR_FAIL, "medium not blank: the %s in '%s' is %s",
				    info.media_name, d->address, disc_state_name(info.state));
	if (info.capacity < src->size)
		return dv_error_set(err, DV_ERR_NOSPACE,
			"image of %llu bytes does not fit on the medium (%llu bytes free)",
			(unsigned long long)src->size, (unsigned long long)info.capacity);
	if (p->role == 2 && !strncmp(p->adr, "stdio:", 6)) {
		struct stat st;
		if (stat(p->adr + 6, &st) == 0 && S_ISREG(st.st_mode) && truncate(p->adr + 6, 0) < 0)
			return dv_error_errno(err, errno, "cannot truncate '%s'", p->adr + 6);
	}
	bs = pull_source_new(src);
	if (!bs)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	if (p->role == 1) {
		/* 32 KiB chunks x 1024 = 32 MiB: smooth feeding at BD speeds */
		fifo = burn_fifo_source_new(bs, 32768, 1024, 0);
		if (!fifo) {
			dv_error_set(err, DV_ERR_FAIL, "cannot create the burn fifo");
			goto out;
		}
	}
	disc = burn_disc_create();
	session = burn_session_create();
	track = burn_track_create();
	if (!disc || !session || !track) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	burn_disc_add_session(disc, session, BURN_POS_END);
	burn_track_define_data(track, 0, 0, 1, BURN_MODE1);
	if (burn_track_set_source(track, fifo ? fifo : bs) != BURN_SOURCE_OK) {
		dv_error_set(err, DV_ERR_FAIL, "cannot attach the image to the track");
		goto out;
	}
	burn_session_add_track(session, track, BURN_POS_END);
	o = burn_write_opts_new(p->d);
	if (!o) {
		dv_error_set(err, DV_ERR_FAIL, "cannot create write options");
		goto out;
	}
	burn_write_opts_set_multi(o, 0);            /* close the disc */
	burn_write_opts_set_underrun_proof(o, 1);
	if (media_is_bd(info.media))
		burn_write_opts_set_stream_recording(o, 32);
	if (burn_write_opts_auto_write_type(o, disc, reasons, 0) == BURN_WRITE_NONE) {
		lb_drain_messages(NULL, 0);
		dv_error_set(err, DV_ERR_FAIL, "the drive cannot write this medium: %s", reasons);
		goto out;
	}
	burn_drive_set_speed(p->d, 0, opts->speed_kbps > 0 ? opts->speed_kbps : 0);
	lb_drain_messages(NULL, 0);
	burn_disc_write(o, disc);
	while (burn_drive_get_status(p->d, NULL) == BURN_DRIVE_SPAWNING)
		usleep(20000);
	while (burn_drive_get_status(p->d, &prog) != BURN_DRIVE_IDLE) {
		if (opts->cancel && *opts->cancel && !cancelled) {
			burn_drive_cancel(p->d);
			cancelled = 1;
		}
		if (opts->progress && prog.sectors > 0)
			opts->progress(opts->progress_ctx, (uint64_t)prog.sector * DRIVE_SECTOR, src->size);
		usleep(100000);
	}
	lb_drain_messages(worst, sizeof(worst));
	if (cancelled) {
		dv_error_set(err, DV_ERR_INTERRUPTED, "write to '%s' cancelled", d->address);
		goto out;
	}
	if (!burn_drive_wrote_well(p->d)) {
		dv_error_set(err, DV_ERR_FAIL, "write to '%s' failed%s%s", d->address,
			     worst[0] ? ": " : "", worst);
		goto out;
	}
	if (opts->progress)
		opts->progress(opts->progress_ctx, src->size, src->size);
	rc = 0;
out:
	if (o)
		burn_write_opts_free(o);
	if (disc)
		burn_disc_free(disc);
	if (session)
		burn_session_free(session);
	if (track)
		burn_track_free(track);
	if (fifo)
		burn_source_free(fifo);
	if (bs)
		burn_source_free(bs);
	if (p->d)
		burn_drive_re_assess(p->d, 0);
	p->fresh = 1;
	lb_drain_messages(NULL, 0);
	return rc;
}

static int lb_read(struct drive *d, uint64_t off, void *buf, size_t len,
		   size_t *got, struct dv_error *err)
{
	struct lb_priv *p = d->priv;
	char worst[BURN_MSGS_MESSAGE_LEN];
	int cap = 0, rc;
	off_t count = 0;

	*got = 0;
	if (!p->d && lb_grab(p, 0, err) < 0)
		return -1;
	if (off % DRIVE_SECTOR)
		return dv_error_set(err, DV_ERR_USAGE, "read at unaligned offset %llu",
				    (unsigned long long)off);
	if (burn_get_read_capacity(p->d, &cap, 0) <= 0 || cap <= 0)
		return dv_error_set(err, DV_ERR_FAIL, "'%s': nothing readable on the medium", d->address);
	if (off + len > (uint64_t)cap * DRIVE_SECTOR)
		return dv_error_set(err, DV_ERR_FAIL,
			"read beyond the readable size of the medium (%llu > %llu bytes)",
			(unsigned long long)(off + len), (unsigned long long)cap * DRIVE_SECTOR);
	/* bit1: no messages on stderr (we queue them) */
	rc = burn_read_data(p->d, (off_t)off, buf, (off_t)len, &count, 2);
	lb_drain_messages(worst, sizeof(worst));
	*got = count > 0 ? (size_t)count : 0;
	if (rc <= 0)
		return dv_error_set(err, DV_ERR_FAIL, "read error at sector %llu%s%s",
				    (unsigned long long)((off + *got) / DRIVE_SECTOR),
				    worst[0] ? ": " : "", worst);
	*got = len;
	return 0;
}

static int lb_eject(struct drive *d, struct dv_error *err)
{
	struct lb_priv *p = d->priv;

	lb_ungrab(p, 1);
	lb_drain_messages(NULL, 0);
	return 0;
}

static void lb_describe(const char *address, const char *image, uint64_t size,
			int speed_kbps, char *buf, size_t len)
{
	char speed[48];

	if (speed_kbps > 0)
		snprintf(speed, sizeof(speed), " speed=%dk", speed_kbps);
	else
		speed[0] = '\0';
	snprintf(buf, len,
		 "libburn: grab '%s', write %llu bytes in one closed session (SAO, stream recording on BD)%s%s\n"
		 "  equivalent: xorriso -as cdrecord -v dev=%s%s stream_recording=on -eject '%s'",
		 address, (unsigned long long)size,
		 speed_kbps > 0 ? ", speed kB/s =" : ", maximum speed", speed_kbps > 0 ? speed + 7 : "",
		 address, speed, image);
}

const struct drive_ops drive_libburn_ops = {
	.name = "libburn",
	.open = lb_open,
	.status = lb_status,
	.write = lb_write,
	.read = lb_read,
	.eject = lb_eject,
	.close = lb_close,
	.describe_write = lb_describe,
};
