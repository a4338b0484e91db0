/*
 * drive.h - one interface to optical drives, several backends.
 *
 * The backend is chosen by the address:
 *   /dev/srN, stdio:PATH   real drives and libburn pseudo-drives (libburn)
 *   sim:DIR                the simulated drive kept in DIR (drive_sim.c)
 *   mac:diskN              macOS, through hdiutil/drutil processes
 *
 * A drive is opened once and polled with drive_status(), exactly as a
 * person watches a tray: the medium may appear, change or disappear
 * between two calls. Reads and writes are in bytes at 2048-byte aligned
 * offsets. Nothing here prints results; failures fill struct dv_error.
 */
#ifndef DV_DRIVE_H
#define DV_DRIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform/error.h"

#define DRIVE_SECTOR 2048u

enum media_kind {
	MEDIA_NONE = 0,
	MEDIA_CD_ROM, MEDIA_CD_R, MEDIA_CD_RW,
	MEDIA_DVD_ROM, MEDIA_DVD_R, MEDIA_DVD_RW, MEDIA_DVD_PLUS_R,
	MEDIA_DVD_PLUS_RW, MEDIA_DVD_PLUS_R_DL, MEDIA_DVD_R_DL, MEDIA_DVD_RAM,
	MEDIA_BD_ROM, MEDIA_BD_R, MEDIA_BD_RE,
	MEDIA_FILE,      /* libburn stdio pseudo-drive */
	MEDIA_OTHER,
};

enum disc_state {
	DISC_UNKNOWN = 0,
	DISC_EMPTY,      /* no disc (or tray open) */
	DISC_BLANK,
	DISC_APPENDABLE,
	DISC_CLOSED,     /* written and finalized, or read-only media */
};

struct drive_info {
	char address[512];
	char backend[16];      /* "libburn", "sim", "macos" */
	char vendor[32];
	char model[64];
	char revision[16];
	int tray_open;         /* 1 when the backend knows the tray is open */
	enum disc_state state;
	enum media_kind media;
	char media_name[48];   /* "BD-R", "DVD+R DL", ... */
	int write_once;        /* 1 for -R media, 0 for -RW/RE/RAM */
	uint64_t capacity;     /* bytes a blank medium can take (0 if none) */
	uint64_t readable;     /* bytes that can be read (0 if none) */
	uint64_t disc_id;      /* changes when another disc is inserted (sim) */
};

/* Where burn data comes from: read() is called sequentially until size
 * bytes were delivered. path is set when the data is a whole file (the
 * macOS backend burns files by name). */
struct write_source {
	uint64_t size;
	const char *path;
	ssize_t (*read)(void *ctx, void *buf, size_t len);
	void *ctx;
};

struct write_opts {
	int speed_kbps;        /* 0: drive maximum; in kB/s, k = 1000 */
	/* Called now and then with bytes written so far; may be NULL. */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	/* Polled during the write; when it becomes non-zero the write is
	 * cancelled and drive_write() fails with DV_ERR_INTERRUPTED. */
	volatile int *cancel;
};

struct drive;

struct drive_ops {
	const char *name;
	int (*open)(struct drive *d, const char *address, struct dv_error *err);
	int (*status)(struct drive *d, struct drive_info *info, struct dv_error *err);
	int (*write)(struct drive *d, const struct write_source *src,
		     const struct write_opts *opts, struct dv_error *err);
	/* Reads len bytes at off; *got is the count of good bytes before the
	 * first error. Returns 0 when all len bytes were read. */
	int (*read)(struct drive *d, uint64_t off, void *buf, size_t len,
		    size_t *got, struct dv_error *err);
	int (*eject)(struct drive *d, struct dv_error *err);
	void (*close)(struct drive *d);
	/* Describe the command(s) a write would run, for --dry-run. */
	void (*describe_write)(const char *address, const char *image,
			       uint64_t size, int speed_kbps, char *buf, size_t len);
};

struct drive {
	const struct drive_ops *ops;
	char address[512];
	unsigned flags;        /* DRIVE_* given to drive_open_ex() */
	void *priv;
};

/* Do not close an open tray when opening the drive (listing drives). */
#define DRIVE_NO_LOAD 1u

/* The backend that handles an address, or NULL. */
const struct drive_ops *drive_backend_for(const char *address);

int drive_open(struct drive **out, const char *address, struct dv_error *err);
int drive_open_ex(struct drive **out, const char *address, unsigned flags,
		  struct dv_error *err);
int drive_status(struct drive *d, struct drive_info *info, struct dv_error *err);
int drive_write(struct drive *d, const struct write_source *src,
		const struct write_opts *opts, struct dv_error *err);
int drive_read(struct drive *d, uint64_t off, void *buf, size_t len,
	       size_t *got, struct dv_error *err);
int drive_eject(struct drive *d, struct dv_error *err);
void drive_close(struct drive *d);   /* accepts NULL */

/* Addresses of the drives this machine has (real drives from sysfs, or on
 * macOS from drutil). Never includes sim drives. *n may be 0. */
int drive_scan(char ***addresses, size_t *n, struct dv_error *err);
void drive_scan_free(char **addresses, size_t n);

/* The drive to use when the user named none: $DISCVAULT_DEVICE, else the
 * first scanned drive. Fails with DV_ERR_NOTFOUND "no drive detected". */
int drive_default_address(char *buf, size_t len, struct dv_error *err);

const char *media_kind_name(enum media_kind kind);
const char *disc_state_name(enum disc_state state);
/* 1x speed in kB/s for the media family (BD 4496, DVD 1385, CD 176). */
int media_speed_1x_kbps(enum media_kind kind);
int media_is_bd(enum media_kind kind);

#endif
