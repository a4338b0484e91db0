/*
 * sim.h - the simulated drive's state, kept in a directory so that another
 * process (a test, or a person at a shell) can act as the operator.
 *
 *   DIR/drive.conf        vendor=, model=, speed_kbps= (0: unlimited), tray=open|closed
 *   DIR/tray/             the loaded disc; absent when the drive is empty
 *     medium.conf         type=, state=blank|appendable|closed, capacity=, written=, id=, label=
 *     data                the bytes on the disc (sparse file, or a symlink to an image)
 *     damage              one fault a line: "unreadable LBA COUNT", "flip OFFSET MASK",
 *                         "write-fail LBA"
 *   DIR/queue/NNNN/       autoloader queue: the next disc goes in on eject
 *   DIR/out/NNNN/         ejected discs, in order
 *   DIR/lock              flock()ed by a process that has the tray locked (writing)
 *
 * Every change is made by renaming a complete file or directory into place,
 * so a reader polling the drive never sees half a state.
 */
#ifndef DV_SIM_H
#define DV_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "engine/drive/drive.h"
#include "platform/error.h"

struct sim_media_type {
	const char *name;        /* "bd-r25" */
	const char *label;       /* "BD-R" */
	enum media_kind kind;
	uint64_t capacity;       /* bytes */
	int write_once;
};

const struct sim_media_type *sim_media_lookup(const char *name);
const struct sim_media_type *sim_media_types(size_t *n);

struct sim_drive_conf {
	char vendor[32];
	char model[64];
	uint64_t speed_kbps;
	int tray_open;
};

struct sim_medium {
	char type[32];
	enum disc_state state;
	uint64_t capacity;
	uint64_t written;
	uint64_t id;
	char label[64];
};

#define SIM_MAX_FAULTS 256

struct sim_fault {
	enum { SIM_UNREADABLE, SIM_FLIP, SIM_WRITE_FAIL } kind;
	uint64_t a, b;       /* LBA+count, offset+mask, LBA */
};

struct sim_damage {
	size_t n;
	struct sim_fault f[SIM_MAX_FAULTS];
};

/* Parsing of the key=value files (also the fuzz target's entry points). */
int sim_parse_drive_conf(const char *text, size_t len, struct sim_drive_conf *c,
			 struct dv_error *err);
int sim_parse_medium(const char *text, size_t len, struct sim_medium *m,
		     struct dv_error *err);
int sim_parse_damage(const char *text, size_t len, struct sim_damage *d,
		     struct dv_error *err);

int sim_read_drive_conf(const char *dir, struct sim_drive_conf *c, struct dv_error *err);
int sim_write_drive_conf(const char *dir, const struct sim_drive_conf *c, struct dv_error *err);
/* Returns 1 and fills m when disc_dir holds a disc, 0 when it does not. */
int sim_read_medium(const char *disc_dir, struct sim_medium *m, struct dv_error *err);
int sim_write_medium(const char *disc_dir, const struct sim_medium *m, struct dv_error *err);
int sim_read_damage(const char *disc_dir, struct sim_damage *d, struct dv_error *err);
int sim_write_damage(const char *disc_dir, const struct sim_damage *d, struct dv_error *err);

/* Operator actions. */
int sim_create(const char *dir, const struct sim_drive_conf *c, struct dv_error *err);
/* Make a new disc directory under dir (not yet loaded); returns its path
 * in path_out. image may be NULL (blank medium of the given type). */
int sim_make_disc(const char *dir, const char *type, uint64_t capacity,
		  const char *image, char *path_out, size_t path_len,
		  struct dv_error *err);
/* Load a prepared disc into the tray (fails when one is there). */
int sim_load(const char *dir, const char *disc_path, struct dv_error *err);
/* Append a prepared disc to the autoloader queue. */
int sim_enqueue(const char *dir, const char *disc_path, struct dv_error *err);
/* Move the loaded disc to out/ and load the next queued disc, if any.
 * Fails with a message naming the pid when the tray is locked. */
int sim_eject(const char *dir, char *ejected_to, size_t len, struct dv_error *err);
int sim_set_tray(const char *dir, int open, struct dv_error *err);

/* Tray lock held while writing. Returns an fd to pass to sim_unlock, or -1
 * (with a message naming the holder) when another process holds it. */
int sim_lock(const char *dir, struct dv_error *err);
void sim_unlock(int fd);
/* pid holding the lock, or 0. */
long sim_lock_holder(const char *dir);

#endif
