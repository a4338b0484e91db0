/*
 * sim.c - state of the simulated drive: parsing, writing and the operator
 * actions (new, insert, eject, tray, damage, lock).
 */
#include "engine/drive/sim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/fileio.h"
#include "platform/banned.h"

#define CONF_MAX 65536

/* Real capacities of unformatted media (no spare areas), in 2048-byte
 * sectors, as drives report them for blank discs. */
static const struct sim_media_type media_types[] = {
	{ "cd-r",     "CD-R",     MEDIA_CD_R,          360000ull * 2048, 1 },
	{ "cd-rw",    "CD-RW",    MEDIA_CD_RW,         360000ull * 2048, 0 },
	{ "dvd-r",    "DVD-R",    MEDIA_DVD_R,        2298496ull * 2048, 1 },
	{ "dvd+r",    "DVD+R",    MEDIA_DVD_PLUS_R,   2295104ull * 2048, 1 },
	{ "dvd+rw",   "DVD+RW",   MEDIA_DVD_PLUS_RW,  2295104ull * 2048, 0 },
	{ "dvd+r-dl", "DVD+R DL", MEDIA_DVD_PLUS_R_DL, 4173824ull * 2048, 1 },
	{ "dvd-r-dl", "DVD-R DL", MEDIA_DVD_R_DL,     4171712ull * 2048, 1 },
	{ "bd-r25",   "BD-R",     MEDIA_BD_R,        12219392ull * 2048, 1 },
	{ "bd-r50",   "BD-R DL",  MEDIA_BD_R,        24438784ull * 2048, 1 },
	{ "bd-r100",  "BD-R XL",  MEDIA_BD_R,        48878592ull * 2048, 1 },
	{ "bd-r128",  "BD-R XL",  MEDIA_BD_R,        62500864ull * 2048, 1 },
	{ "bd-re25",  "BD-RE",    MEDIA_BD_RE,       11826176ull * 2048, 0 },
	{ "bd-re50",  "BD-RE DL", MEDIA_BD_RE,       23652352ull * 2048, 0 },
	{ "cd-rom",   "CD-ROM",   MEDIA_CD_ROM,        360000ull * 2048, 1 },
	{ "dvd-rom",  "DVD-ROM",  MEDIA_DVD_ROM,      4173824ull * 2048, 1 },
	{ "bd-rom",   "BD-ROM",   MEDIA_BD_ROM,      24438784ull * 2048, 1 },
};

const struct sim_media_type *sim_media_types(size_t *n)
{
	*n = sizeof(media_types) / sizeof(media_types[0]);
	return media_types;
}

const struct sim_media_type *sim_media_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++)
		if (!strcasecmp(name, media_types[i].name))
			return &media_types[i];
	return NULL;
}

/* ---- key=value parsing ---- */

/* Calls fn for each line shorter than maxlen, NUL-terminated, without its
 * "\r\n"; blank lines and '#' comments are skipped. Errors name the file
 * (what) and the line. */
static int for_each_line(const char *text, size_t len, size_t maxlen, const char *what,
			 int (*fn)(void *ctx, char *line, struct dv_error *err), void *ctx,
			 struct dv_error *err)
{
	char line[512];
	size_t i = 0;
	unsigned lineno = 0;

	if (maxlen > sizeof(line))
		maxlen = sizeof(line);
	while (i < len) {
		size_t start = i, n;

		while (i < len && text[i] != '\n')
			i++;
		n = i - start;
		i++;
		lineno++;
		if (n >= maxlen)
			return dv_error_set(err, DV_ERR_FAIL, "%s: line %u too long", what, lineno);
		memcpy(line, text + start, n);
		line[n] = '\0';
		if (memchr(line, '\0', n))
			return dv_error_set(err, DV_ERR_FAIL, "%s: line %u holds a NUL byte", what, lineno);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		if (fn(ctx, line, err) < 0)
			return dv_error_prefix(err, "%s: line %u", what, lineno);
	}
	return 0;
}

struct kv_ctx {
	int (*fn)(void *ctx, const char *key, const char *val, struct dv_error *err);
	void *ctx;
};

static int kv_line(void *ctx, char *line, struct dv_error *err)
{
	struct kv_ctx *kv = ctx;
	char *eq = strchr(line, '=');

	if (!eq)
		return dv_error_set(err, DV_ERR_FAIL, "not key=value");
	*eq = '\0';
	return kv->fn(kv->ctx, line, eq + 1, err);
}

/* Calls fn for each "key=value" line. */
static int parse_kv(const char *text, size_t len,
		    int (*fn)(void *ctx, const char *key, const char *val, struct dv_error *err),
		    void *ctx, const char *what, struct dv_error *err)
{
	struct kv_ctx kv = { fn, ctx };

	return for_each_line(text, len, 512, what, kv_line, &kv, err);
}

static int parse_u64(const char *s, uint64_t *out, struct dv_error *err)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == ' ')
		return dv_error_set(err, DV_ERR_FAIL, "'%s' is not a number", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return dv_error_set(err, DV_ERR_FAIL, "'%s' is not a number", s);
	*out = v;
	return 0;
}

static int drive_kv(void *ctx, const char *key, const char *val, struct dv_error *err)
{
	struct sim_drive_conf *c = ctx;

	if (!strcmp(key, "vendor"))
		snprintf(c->vendor, sizeof(c->vendor), "%s", val);
	else if (!strcmp(key, "model"))
		snprintf(c->model, sizeof(c->model), "%s", val);
	else if (!strcmp(key, "speed_kbps"))
		return parse_u64(val, &c->speed_kbps, err);
	else if (!strcmp(key, "tray")) {
		if (!strcmp(val, "open"))
			c->tray_open = 1;
		else if (!strcmp(val, "closed"))
			c->tray_open = 0;
		else
			return dv_error_set(err, DV_ERR_FAIL, "tray must be open or closed");
	}
	/* unknown keys are ignored: newer versions may add some */
	return 0;
}

int sim_parse_drive_conf(const char *text, size_t len, struct sim_drive_conf *c,
			 struct dv_error *err)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->vendor, sizeof(c->vendor), "DISCVLT");
	snprintf(c->model, sizeof(c->model), "Simulated BD-RE");
	return parse_kv(text, len, drive_kv, c, "drive.conf", err);
}

static int parse_state(const char *val, enum disc_state *st, struct dv_error *err)
{
	if (!strcmp(val, "blank"))
		*st = DISC_BLANK;
	else if (!strcmp(val, "appendable"))
		*st = DISC_APPENDABLE;
	else if (!strcmp(val, "closed"))
		*st = DISC_CLOSED;
	else
		return dv_error_set(err, DV_ERR_FAIL, "unknown disc state '%s'", val);
	return 0;
}

static int medium_kv(void *ctx, const char *key, const char *val, struct dv_error *err)
{
	struct sim_medium *m = ctx;

	if (!strcmp(key, "type")) {
		if (!sim_media_lookup(val))
			return dv_error_set(err, DV_ERR_FAIL, "unknown media type '%s'", val);
		snprintf(m->type, sizeof(m->type), "%s", val);
	} else if (!strcmp(key, "state"))
		return parse_state(val, &m->state, err);
	else if (!strcmp(key, "capacity"))
		return parse_u64(val, &m->capacity, err);
	else if (!strcmp(key, "written"))
		return parse_u64(val, &m->written, err);
	else if (!strcmp(key, "id"))
		return parse_u64(val, &m->id, err);
	else if (!strcmp(key, "label"))
		snprintf(m->label, sizeof(m->label), "%s", val);
	return 0;
}

int sim_parse_medium(const char *text, size_t len, struct sim_medium *m,
		     struct dv_error *err)
{
	memset(m, 0, sizeof(*m));
	if (parse_kv(text, len, medium_kv, m, "medium.conf", err) < 0)
		return -1;
	if (!m->type[0])
		return dv_error_set(err, DV_ERR_FAIL, "medium.conf: no type");
	if (!m->state)
		return dv_error_set(err, DV_ERR_FAIL, "medium.conf: no state");
	if (!m->capacity)
		m->capacity = sim_media_lookup(m->type)->capacity;
	if (m->written > m->capacity)
		return dv_error_set(err, DV_ERR_FAIL, "medium.conf: written exceeds capacity");
	return 0;
}

static int damage_line(struct sim_damage *d, char *line, struct dv_error *err)
{
	char kind[32];
	unsigned long long a = 0, b = 0;
	int n;

	n = sscanf(line, "%31s %llu %llu", kind, &a, &b);
	if (n < 2)
		return dv_error_set(err, DV_ERR_FAIL, "cannot parse '%s'", line);
	if (d->n >= SIM_MAX_FAULTS)
		return dv_error_set(err, DV_ERR_FAIL, "more than %d faults", SIM_MAX_FAULTS);
	if (!strcmp(kind, "unreadable")) {
		d->f[d->n].kind = SIM_UNREADABLE;
		if (n < 3)
			b = 1;
		if (b == 0 || a > UINT64_MAX / DRIVE_SECTOR || b > UINT64_MAX / DRIVE_SECTOR - a)
			return dv_error_set(err, DV_ERR_FAIL, "bad sector range in '%s'", line);
	} else if (!strcmp(kind, "flip")) {
		d->f[d->n].kind = SIM_FLIP;
		if (n < 3)
			b = 0xff;
		if (b == 0 || b > 0xff)
			return dv_error_set(err, DV_ERR_FAIL, "flip mask must be 1..255 in '%s'", line);
	} else if (!strcmp(kind, "write-fail")) {
		d->f[d->n].kind = SIM_WRITE_FAIL;
		if (a > UINT64_MAX / DRIVE_SECTOR)
			return dv_error_set(err, DV_ERR_FAIL, "bad sector in '%s'", line);
	} else {
		return dv_error_set(err, DV_ERR_FAIL, "unknown fault '%s'", kind);
	}
	d->f[d->n].a = a;
	d->f[d->n].b = b;
	d->n++;
	return 0;
}

static int damage_line_cb(void *ctx, char *line, struct dv_error *err)
{
	return damage_line(ctx, line, err);
}

int sim_parse_damage(const char *text, size_t len, struct sim_damage *d,
		     struct dv_error *err)
{
	d->n = 0;
	return for_each_line(text, len, 256, "damage", damage_line_cb, d, err);
}

/* ---- files ---- */

static int path_join(char *buf, size_t len, const char *a, const char *b,
		     struct dv_error *err)
{
	if ((size_t)snprintf(buf, len, "%s/%s", a, b) >= len)
		return dv_error_set(err, DV_ERR_USAGE, "path too long: '%s/%s'", a, b);
	return 0;
}

/* Read DIR/NAME: 1 when read, 0 when it does not exist, -1 on error. */
static int read_state_file(const char *dir, const char *name, char **text, size_t *len,
			   struct dv_error *err)
{
	char path[PATH_MAX];
	struct dv_error e = DV_ERROR_INIT;

	if (path_join(path, sizeof(path), dir, name, err) < 0)
		return -1;
	if (read_small_file(path, CONF_MAX, text, len, &e) == 0)
		return 1;
	if (e.code == DV_ERR_NOTFOUND)
		return 0;
	if (err)
		*err = e;
	return -1;
}

int sim_read_drive_conf(const char *dir, struct sim_drive_conf *c, struct dv_error *err)
{
	char *text;
	size_t len;
	int rc = read_state_file(dir, "drive.conf", &text, &len, err);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return dv_error_set(err, DV_ERR_NOTFOUND,
			"'%s' is not a simulated drive (no drive.conf; create one with 'discvault sim new %s')",
			dir, dir);
	rc = sim_parse_drive_conf(text, len, c, err);
	free(text);
	return rc;
}

int sim_write_drive_conf(const char *dir, const struct sim_drive_conf *c, struct dv_error *err)
{
	char path[PATH_MAX], text[512];
	int n;

	if (path_join(path, sizeof(path), dir, "drive.conf", err) < 0)
		return -1;
	n = snprintf(text, sizeof(text), "vendor=%s\nmodel=%s\nspeed_kbps=%" PRIu64 "\ntray=%s\n",
		     c->vendor, c->model, c->speed_kbps, c->tray_open ? "open" : "closed");
	return write_file_atomic(path, text, (size_t)n, 0644, err);
}

int sim_read_medium(const char *disc_dir, struct sim_medium *m, struct dv_error *err)
{
	char *text;
	size_t len;
	int rc = read_state_file(disc_dir, "medium.conf", &text, &len, err);

	if (rc <= 0)
		return rc;
	rc = sim_parse_medium(text, len, m, err);
	free(text);
	return rc < 0 ? -1 : 1;
}

static const char *state_word(enum disc_state st)
{
	return st == DISC_BLANK ? "blank" : st == DISC_APPENDABLE ? "appendable" : "closed";
}

int sim_write_medium(const char *disc_dir, const struct sim_medium *m, struct dv_error *err)
{
	char path[PATH_MAX], text[512];
	int n;

	if (path_join(path, sizeof(path), disc_dir, "medium.conf", err) < 0)
		return -1;
	n = snprintf(text, sizeof(text),
		     "type=%s\nstate=%s\ncapacity=%" PRIu64 "\nwritten=%" PRIu64 "\nid=%" PRIu64 "\nlabel=%s\n",
		     m->type, state_word(m->state), m->capacity, m->written, m->id, m->label);
	return write_file_atomic(path, text, (size_t)n, 0644, err);
}

int sim_read_damage(const char *disc_dir, struct sim_damage *d, struct dv_error *err)
{
	char *text;
	size_t len;
	int rc;

	d->n = 0;
	rc = read_state_file(disc_dir, "damage", &text, &len, err);
	if (rc <= 0)
		return rc;
	rc = sim_parse_damage(text, len, d, err);
	free(text);
	return rc;
}

int sim_write_damage(const char *disc_dir, const struct sim_damage *d, struct dv_error *err)
{
	char path[PATH_MAX];
	char *text;
	size_t used = 0, cap = 64 + d->n * 64;
	int rc;

	if (path_join(path, sizeof(path), disc_dir, "damage", err) < 0)
		return -1;
	text = malloc(cap);
	if (!text)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	used += (size_t)snprintf(text, cap, "# faults of this simulated disc\n");
	for (size_t i = 0; i < d->n; i++) {
		const struct sim_fault *f = &d->f[i];
		const char *k = f->kind == SIM_UNREADABLE ? "unreadable" :
				f->kind == SIM_FLIP ? "flip" : "write-fail";
		if (f->kind == SIM_WRITE_FAIL)
			used += (size_t)snprintf(text + used, cap - used, "%s %" PRIu64 "\n", k, f->a);
		else
			used += (size_t)snprintf(text + used, cap - used, "%s %" PRIu64 " %" PRIu64 "\n",
						 k, f->a, f->b);
	}
	rc = write_file_atomic(path, text, used, 0644, err);
	free(text);
	return rc;
}

/* ---- operator actions ---- */

int sim_create(const char *dir, const struct sim_drive_conf *c, struct dv_error *err)
{
	char path[PATH_MAX];
	struct stat st;

	if (path_join(path, sizeof(path), dir, "drive.conf", err) < 0)
		return -1;
	if (stat(path, &st) == 0)
		return dv_error_set(err, DV_ERR_USAGE, "'%s' already holds a simulated drive", dir);
	if (mkdir_p(dir, 0755, err) < 0)
		return -1;
	for (const char *sub = "queue"; sub; sub = strcmp(sub, "queue") ? NULL : "out") {
		if (path_join(path, sizeof(path), dir, sub, err) < 0 || mkdir_p(path, 0755, err) < 0)
			return -1;
	}
	return sim_write_drive_conf(dir, c, err);
}

/* A counter shared by all discs of one drive directory, so that each disc
 * has a distinct id. */
static uint64_t next_disc_id(const char *dir)
{
	char path[PATH_MAX], text[32];
	uint64_t id = 0;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/seq", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return (uint64_t)getpid() << 20 | (uint64_t)time(NULL);
	flock(fd, LOCK_EX);
	n = pread(fd, text, sizeof(text) - 1, 0);
	if (n > 0) {
		text[n] = '\0';
		id = strtoull(text, NULL, 10);
	}
	id++;
	n = snprintf(text, sizeof(text), "%" PRIu64 "\n", id);
	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, text, (size_t)n, 0);
	flock(fd, LOCK_UN);
	close(fd);
	return id;
}

int sim_make_disc(const char *dir, const char *type, uint64_t capacity,
		  const char *image, char *path_out, size_t path_len,
		  struct dv_error *err)
{
	const struct sim_media_type *mt = sim_media_lookup(type);
	struct sim_medium m;
	char tmpl[PATH_MAX];
	struct stat st;

	if (!mt)
		return dv_error_set(err, DV_ERR_USAGE, "unknown media type '%s'", type);
	memset(&m, 0, sizeof(m));
	snprintf(m.type, sizeof(m.type), "%s", mt->name);
	m.capacity = capacity ? capacity : mt->capacity;
	m.capacity -= m.capacity % DRIVE_SECTOR;
	m.state = DISC_BLANK;
	m.id = next_disc_id(dir);
	if ((size_t)snprintf(tmpl, sizeof(tmpl), "%s/.disc-XXXXXX", dir) >= sizeof(tmpl))
		return dv_error_set(err, DV_ERR_USAGE, "path too long: '%s'", dir);
	if (!mkdtemp(tmpl))
		return dv_error_errno(err, errno, "cannot create a disc in '%s'", dir);
	if (image) {
		char abs[PATH_MAX], link[PATH_MAX + 16];
		if (!realpath(image, abs) || stat(abs, &st) < 0) {
			dv_error_errno(err, errno, "cannot use image '%s'", image);
			goto fail;
		}
		if (!S_ISREG(st.st_mode)) {
			dv_error_set(err, DV_ERR_USAGE, "'%s' is not a regular file", image);
			goto fail;
		}
		snprintf(link, sizeof(link), "%s/data", tmpl);
		if (symlink(abs, link) < 0) {
			dv_error_errno(err, errno, "cannot link '%s'", link);
			goto fail;
		}
		m.state = DISC_CLOSED;
		m.written = (uint64_t)st.st_size;
		if (m.capacity < m.written)
			m.capacity = (m.written + DRIVE_SECTOR - 1) / DRIVE_SECTOR * DRIVE_SECTOR;
	}
	if (sim_write_medium(tmpl, &m, err) < 0)
		goto fail;
	snprintf(path_out, path_len, "%s", tmpl);
	return 0;
fail:
	remove_tree(tmpl);
	return -1;
}

int sim_load(const char *dir, const char *disc_path, struct dv_error *err)
{
	char tray[PATH_MAX];
	struct sim_drive_conf c;

	if (sim_read_drive_conf(dir, &c, err) < 0)
		return -1;
	if (path_join(tray, sizeof(tray), dir, "tray", err) < 0)
		return -1;
	if (rename(disc_path, tray) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			return dv_error_set(err, DV_ERR_USAGE,
				"a disc is already in '%s' (eject it first, or use --queue)", dir);
		return dv_error_errno(err, errno, "cannot load '%s'", disc_path);
	}
	if (c.tray_open) {
		c.tray_open = 0;
		return sim_write_drive_conf(dir, &c, err);
	}
	return 0;
}

/* Highest NNNN entry in a directory of numbered discs. */
static int scan_numbered(const char *path, unsigned *lowest, unsigned *highest)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int any = 0;

	*lowest = UINT32_MAX;
	*highest = 0;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *end;
		unsigned long v = strtoul(de->d_name, &end, 10);
		if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end || v > 999999)
			continue;
		any = 1;
		if (v < *lowest)
			*lowest = (unsigned)v;
		if (v > *highest)
			*highest = (unsigned)v;
	}
	closedir(d);
	return any;
}

int sim_enqueue(const char *dir, const char *disc_path, struct dv_error *err)
{
	char q[PATH_MAX], dst[PATH_MAX + 16];
	unsigned lo, hi;

	if (path_join(q, sizeof(q), dir, "queue", err) < 0 || mkdir_p(q, 0755, err) < 0)
		return -1;
	if (!scan_numbered(q, &lo, &hi))
		hi = 0;
	snprintf(dst, sizeof(dst), "%s/%04u", q, hi + 1);
	if (rename(disc_path, dst) < 0)
		return dv_error_errno(err, errno, "cannot queue '%s'", disc_path);
	return 0;
}

long sim_lock_holder(const char *dir)
{
	char path[PATH_MAX], *text;
	struct dv_error e = DV_ERROR_INIT;
	long pid = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/lock", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
		close(fd);
		return 0;
	}
	close(fd);
	if (read_small_file(path, 64, &text, NULL, &e) == 0) {
		pid = strtol(text, NULL, 10);
		free(text);
	}
	return pid ? pid : -1;
}

int sim_lock(const char *dir, struct dv_error *err)
{
	char path[PATH_MAX], text[32];
	int fd, n;

	if (path_join(path, sizeof(path), dir, "lock", err) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return dv_error_errno(err, errno, "cannot open '%s'", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		long pid = sim_lock_holder(dir);
		close(fd);
		return dv_error_set(err, DV_ERR_FAIL, "drive 'sim:%s' is busy: held by process %ld",
				    dir, pid);
	}
	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, text, (size_t)n, 0);
	return fd;
}

void sim_unlock(int fd)
{
	if (fd >= 0) {
		(void)!ftruncate(fd, 0);
		flock(fd, LOCK_UN);
		close(fd);
	}
}

int sim_eject(const char *dir, char *ejected_to, size_t len, struct dv_error *err)
{
	char tray[PATH_MAX], out[PATH_MAX], dst[PATH_MAX + 16], q[PATH_MAX], next[PATH_MAX + 16];
	unsigned lo, hi;
	struct stat st;
	long holder = sim_lock_holder(dir);

	if (holder)
		return dv_error_set(err, DV_ERR_FAIL,
			"cannot eject: the tray of 'sim:%s' is locked by process %ld", dir, holder);
	if (path_join(tray, sizeof(tray), dir, "tray", err) < 0 ||
	    path_join(out, sizeof(out), dir, "out", err) < 0 ||
	    path_join(q, sizeof(q), dir, "queue", err) < 0)
		return -1;
	if (ejected_to && len)
		ejected_to[0] = '\0';
	if (stat(tray, &st) == 0) {
		if (mkdir_p(out, 0755, err) < 0)
			return -1;
		if (!scan_numbered(out, &lo, &hi))
			hi = 0;
		snprintf(dst, sizeof(dst), "%s/%04u", out, hi + 1);
		if (rename(tray, dst) < 0)
			return dv_error_errno(err, errno, "cannot eject '%s'", tray);
		if (ejected_to)
			snprintf(ejected_to, len, "%s", dst);
	}
	/* autoloader: the next queued disc goes in */
	if (scan_numbered(q, &lo, &hi)) {
		snprintf(next, sizeof(next), "%s/%04u", q, lo);
		if (rename(next, tray) < 0)
			return dv_error_errno(err, errno, "cannot load '%s'", next);
	}
	return 0;
}

int sim_set_tray(const char *dir, int open_tray, struct dv_error *err)
{
	struct sim_drive_conf c;

	if (sim_read_drive_conf(dir, &c, err) < 0)
		return -1;
	c.tray_open = open_tray;
	return sim_write_drive_conf(dir, &c, err);
}
