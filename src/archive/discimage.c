/*
 * discimage.c - build one disc image with libisofs into a file, hashing
 * as it goes; see discimage.h. Traps handled: <stdint.h> before
 * libisofs.h, the UTF-8 charset set explicitly, absolute paths only,
 * reads from the burn_source never larger than the bytes left, and the
 * ring buffer status plus queued MISHAP messages checked at the end (a
 * failed generation otherwise looks like a short but "good" image).
 */
#include <stdint.h>
#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs/libisofs.h>

#include "archive/discimage.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/hash/hash.h"
#include "platform/fileio.h"
#include "platform/signals.h"

#include "platform/banned.h"

static pthread_once_t iso_once = PTHREAD_ONCE_INIT;
static int iso_init_rc;

static void iso_setup(void)
{
	iso_init_rc = iso_init();
	if (iso_init_rc >= 0) {
		iso_set_local_charset((char *)"UTF-8", 0);
		iso_set_msgs_severities((char *)"MISHAP", (char *)"NEVER", (char *)"discvault");
		iso_set_abort_severity((char *)"MISHAP");
	}
}

static int iso_fail(struct dv_error *err, int rc, const char *what)
{
	return dv_error_set(err, DV_ERR_FAIL, "libisofs: %s: %s (0x%x)", what,
			    iso_error_to_msg(rc), (unsigned)rc);
}

/* Drain queued messages; returns 1 and the first text if any was MISHAP+. */
static int iso_bad_messages(char *first, size_t cap)
{
	char text[ISO_MSGS_MESSAGE_LEN], sev[80];
	int code, imgid, bad = 0;

	while (iso_obtain_msgs((char *)"MISHAP", &code, &imgid, text, sev) > 0) {
		if (!bad)
			snprintf(first, cap, "%.60s: %.400s", sev, text);
		bad = 1;
	}
	return bad;
}

static int verify_file(const char *path, uint64_t size, const char *want,
		       struct dv_error *err)
{
	struct hashset hs;
	char *buf;
	int fd, rc = -1;
	uint64_t done = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dv_error_errno(err, errno, "cannot read back '%s'", path);
	buf = malloc(1u << 20);
	if (!buf || hashset_init(&hs, HASH_SHA256, err) < 0) {
		free(buf);
		close(fd);
		return buf ? -1 : dv_error_set(err, DV_ERR_FAIL, "out of memory");
	}
	for (;;) {
		ssize_t n = read_full(fd, buf, 1u << 20);
		if (n < 0) {
			dv_error_errno(err, errno, "cannot read back '%s'", path);
			goto out;
		}
		if (n == 0)
			break;
		hashset_update(&hs, buf, (size_t)n);
		done += (uint64_t)n;
	}
	if (hashset_final(&hs, err) < 0)
		goto out;
	if (done != size || strcmp(hashset_hex(&hs, HASH_SHA256), want) != 0) {
		dv_error_set(err, DV_ERR_MISMATCH,
			     "image '%s' reads back differently from what was written", path);
		goto out;
	}
	rc = 0;
out:
	hashset_release(&hs);
	free(buf);
	close(fd);
	return rc;
}

int discimage_build(const struct discimage_spec *spec, const char *out_path,
		    uint64_t *size, char sha256_hex[65], struct dv_error *err)
{
	IsoImage *img = NULL;
	IsoWriteOpts *opts = NULL;
	IsoDir *dir = NULL;
	struct burn_source *bs = NULL;
	struct atomic_file af = { .fd = -1 };
	struct hashset hs = { 0 };
	struct hash_worker *hw = NULL;
	unsigned char *buf[2] = { NULL, NULL };
	const size_t chunk = 1u << 20;
	uint64_t total, done = 0;
	char uuid[32], first[512];
	struct tm tm;
	int rc, ret = -1, cur = 0, opened = 0;

	pthread_once(&iso_once, iso_setup);
	if (iso_init_rc < 0)
		return iso_fail(err, iso_init_rc, "cannot initialise");
	iso_obtain_msgs((char *)"NEVER", &rc, &rc, first, first);

	rc = iso_image_new(spec->label, &img);
	if (rc < 0)
		return iso_fail(err, rc, "cannot create an image");
	iso_image_set_volume_id(img, spec->label);
	iso_image_set_publisher_id(img, "discvault");
	iso_image_set_application_id(img, "discvault " DV_VERSION);
	iso_image_set_data_preparer_id(img, "discvault " DV_VERSION);
	rc = iso_tree_add_new_dir(iso_image_get_root(img), spec->dir, &dir);
	if (rc < 0) {
		iso_fail(err, rc, "cannot add the directory");
		goto out;
	}
	for (size_t i = 0; i < spec->nfiles; i++) {
		rc = iso_tree_add_new_node(img, dir, spec->files[i].name, spec->files[i].path, NULL);
		if (rc < 0) {
			dv_error_set(err, DV_ERR_FAIL, "libisofs: cannot add '%s': %s",
				     spec->files[i].path, iso_error_to_msg(rc));
			goto out;
		}
	}
	rc = iso_write_opts_new(&opts, 0);
	if (rc < 0) {
		iso_fail(err, rc, "cannot create write options");
		goto out;
	}
	iso_write_opts_set_iso_level(opts, 3);
	iso_write_opts_set_rockridge(opts, 1);
	iso_write_opts_set_joliet(opts, 1);
	iso_write_opts_set_joliet_long_names(opts, 1);
	iso_write_opts_set_aaip(opts, 1);
	iso_write_opts_set_record_md5(opts, 1, 0);
	iso_write_opts_set_relaxed_vol_atts(opts, 1);
	iso_write_opts_set_always_gmt(opts, 1);
	iso_write_opts_set_dir_rec_mtime(opts, 1);
	iso_write_opts_set_replace_mode(opts, 2, 2, 2, 2);
	iso_write_opts_set_default_dir_mode(opts, 0555);
	iso_write_opts_set_default_file_mode(opts, 0444);
	iso_write_opts_set_default_uid(opts, 0);
	iso_write_opts_set_default_gid(opts, 0);
	iso_write_opts_set_replace_timestamps(opts, 2);
	iso_write_opts_set_default_timestamp(opts, spec->when);
	gmtime_r(&spec->when, &tm);
	strftime(uuid, sizeof(uuid), "%Y%m%d%H%M%S00", &tm);
	iso_write_opts_set_pvd_times(opts, spec->when, spec->when, 0, 0, uuid);

	rc = iso_image_create_burn_source(img, opts, &bs);
	if (rc < 0) {
		iso_fail(err, rc, "cannot start the image");
		goto out;
	}
	total = (uint64_t)bs->get_size(bs);
	if (spec->capacity && total > spec->capacity) {
		dv_error_set(err, DV_ERR_NOSPACE,
			     "image '%s' would be %llu bytes, more than the disc's %llu",
			     out_path, (unsigned long long)total,
			     (unsigned long long)spec->capacity);
		bs->cancel(bs);
		goto out;
	}
	if (atomic_open(&af, out_path, 0644, err) < 0) {
		bs->cancel(bs);
		goto out;
	}
	opened = 1;
	tmpfile_register(af.tmp);
	buf[0] = malloc(chunk);
	buf[1] = malloc(chunk);
	if (!buf[0] || !buf[1]) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		bs->cancel(bs);
		goto out;
	}
	if (hashset_init(&hs, HASH_SHA256, err) < 0 || hash_worker_start(&hw, &hs, err) < 0) {
		bs->cancel(bs);
		goto out;
	}
	while (done < total) {
		size_t want = total - done < chunk ? (size_t)(total - done) : chunk;
		size_t got = 0;
		while (got < want) {
			int n = bs->read_xt(bs, buf[cur] + got, (int)(want - got));
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (got < want) {
			if (!iso_bad_messages(first, sizeof(first)))
				snprintf(first, sizeof(first), "generation ended early");
			dv_error_set(err, DV_ERR_FAIL, "libisofs: image '%s' incomplete: %s",
				     out_path, first);
			bs->cancel(bs);
			goto out;
		}
		if (write_full(af.fd, buf[cur], got) < 0) {
			dv_error_errno(err, errno, "cannot write '%s'", af.tmp);
			bs->cancel(bs);
			goto out;
		}
		hash_worker_submit(hw, buf[cur], got);
		cur ^= 1;
		done += got;
		if (spec->progress)
			spec->progress(spec->progress_ctx, done, total);
		if (signals_interrupted()) {
			dv_error_set(err, DV_ERR_INTERRUPTED, "interrupted while writing '%s'", out_path);
			bs->cancel(bs);
			goto out;
		}
	}
	hash_worker_stop(hw);
	hw = NULL;
	{
		size_t rsz, rfree;
		int st = iso_ring_buffer_get_status(bs, &rsz, &rfree);
		/* the writer thread marks the end just after the last byte */
		for (int i = 0; st == 1 && i < 1000; i++) {
			usleep(10000);
			st = iso_ring_buffer_get_status(bs, &rsz, &rfree);
		}
		if (st != 2 && st != 6) {
			dv_error_set(err, DV_ERR_FAIL, "libisofs: image '%s' failed (state %d)",
				     out_path, st);
			goto out;
		}
	}
	if (iso_bad_messages(first, sizeof(first))) {
		dv_error_set(err, DV_ERR_FAIL, "libisofs: image '%s': %s", out_path, first);
		goto out;
	}
	if (hashset_final(&hs, err) < 0)
		goto out;
	snprintf(sha256_hex, 65, "%s", hashset_hex(&hs, HASH_SHA256));
	if (atomic_commit(&af, err) < 0)
		goto out;
	tmpfile_unregister(af.tmp);
	opened = 0;
	*size = total;
	if (verify_file(out_path, total, sha256_hex, err) < 0) {
		unlink(out_path);
		goto out;
	}
	ret = 0;
out:
	hash_worker_stop(hw);
	hashset_release(&hs);
	if (opened) {
		atomic_abort(&af);
		tmpfile_unregister(af.tmp);
	}
	free(buf[0]);
	free(buf[1]);
	if (bs) {
		bs->free_data(bs);
		free(bs);
	}
	if (opts)
		iso_write_opts_free(opts);
	if (img)
		iso_image_unref(img);
	return ret;
}
