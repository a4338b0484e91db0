/*
 * rip_report.c - what a rip leaves for the archive: NAME.iso.log.txt (the
 * seed's human-readable log: summary, disc, outputs, operations, read
 * errors, verification, structure, system) and NAME_manifest.json (every
 * section of makeiso.py's manifest with real values, plus the read
 * errors, PREMIS-style events and the file listing with MD5s). Both are
 * written atomically; the manifest is written last.
 */
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <stdint.h>
#include <jansson.h>
#include <libburn/libburn.h>
#include <libisofs/libisofs.h>
#include <openssl/crypto.h>

#include "imaging/rip.h"
#include "platform/fileio.h"
#include "platform/progress.h"
#include "platform/jsonfile.h"
#include "platform/banned.h"

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static const char *hb(uint64_t n, char *buf)
{
	return human_bytes(n, buf, 32);
}

static double mbps(uint64_t bytes, double s)
{
	return s > 0 ? (double)bytes / s / 1e6 : 0.0;
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && c) {
			c++;
			while (*c == ' ')
				c++;
			c[strcspn(c, "\n")] = '\0';
			snprintf(buf, len, "%s", c);
			break;
		}
	}
	fclose(f);
}

static const char *user_name(void)
{
	struct passwd *pw = getpwuid(geteuid());

	return pw ? pw->pw_name : "unknown";
}

static const char *verification_status(const struct rip *r)
{
	if (r->verify_done && !r->verify_match)
		return "failed";
	if (r->n_tags && !r->tags_match)
		return "failed";
	if (r->second_done && !r->second_match)
		return "failed";
	if (r->verify_done || r->n_tags || r->second_done)
		return "verified";
	return "not_performed";
}

static const char *overall(const struct rip *r)
{
	return r->exit_code == 0 ? "success" : !r->complete ? "incomplete" :
	       r->exit_code == 2 ? "checksum_mismatch" : "failed";
}

static const char *fs_list(const struct rip *r, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (!r->have_rep || !r->rep.n_fs) {
		snprintf(buf, len, "none detected");
		return buf;
	}
	for (size_t i = 0; i < r->rep.n_fs; i++) {
		int w = snprintf(buf + n, len - n, "%s%s", i ? ", " : "", r->rep.fs[i].type);

		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
	return buf;
}

/* ---- the log ---- */

int rip_write_log(struct rip *r, struct dv_error *err)
{
	char *text = NULL, a[32], fsl[128], cpu[128], dur[32];
	size_t len = 0;
	struct utsname un;
	FILE *fp = open_memstream(&text, &len);
	static const char *const algs[] = { "MD5", "SHA-1", "SHA-256", "SHA-512" };
	int rc;

	if (!fp)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	if (uname(&un) < 0)
		memset(&un, 0, sizeof(un));
	cpu_model(cpu, sizeof(cpu));
	fprintf(fp, "================================================================\n"
		    "OPTICAL DISC TO ISO BACKUP LOG\n"
		    "discvault rip %s\n"
		    "================================================================\n\n", DV_VERSION);
	fprintf(fp, "BACKUP SUMMARY\n--------------\n");
	fprintf(fp, "Run ID:              %s\n", r->run_id);
	fprintf(fp, "UUID:                %s\n", r->uuid);
	fprintf(fp, "Operator:            %s\n", r->o.operator_name);
	fprintf(fp, "Started:             %s\n", r->started);
	fprintf(fp, "Finished:            %s\n", r->finished);
	fprintf(fp, "Status:              %s\n", r->exit_code == 0 ? "SUCCESS" : "FAILED");
	fprintf(fp, "Result:              %s\n", r->status_msg);
	fprintf(fp, "Image complete:      %s\n", r->complete ? "YES" : "NO");
	fprintf(fp, "Verification:        %s\n\n",
		!strcmp(verification_status(r), "verified") ? "PASS" :
		!strcmp(verification_status(r), "failed") ? "FAIL" : "NOT PERFORMED");

	fprintf(fp, "DISC INFORMATION\n----------------\n");
	fprintf(fp, "Device:              %s\n", r->o.device);
	fprintf(fp, "Drive:               %s %s (%s) [%s]\n", r->probe.info.vendor,
		r->probe.info.model, r->probe.info.revision, r->probe.info.backend);
	fprintf(fp, "Media:               %s, %s\n", r->probe.info.media_name,
		disc_state_name(r->probe.info.state));
	fprintf(fp, "Volume name:         %s\n", r->probe.volume_id[0] ? r->probe.volume_id : "(none)");
	fprintf(fp, "File systems:        %s\n", fs_list(r, fsl, sizeof(fsl)));
	fprintf(fp, "Readable size:       %" PRIu64 " bytes (%s, %" PRIu64 " sectors)\n",
		r->size, hb(r->size, a), r->size / 2048);
	if (r->probe.have_pvd)
		fprintf(fp, "ISO 9660 size (PVD): %" PRIu64 " bytes (%" PRIu64 " sectors)\n",
			r->probe.fs_size, r->probe.fs_size / 2048);
	else
		fprintf(fp, "ISO 9660 size (PVD): none (%s)\n", r->probe.pvd_error);
	fprintf(fp, "Mount:               %s\n\n", r->mount_note[0] ? r->mount_note : "not applicable (not a block device)");

	fprintf(fp, "OUTPUT FILES\n------------\n");
	fprintf(fp, "Directory:           %s\n", r->dir);
	fprintf(fp, "ISO image:           %s (%" PRIu64 " bytes)\n", base(r->iso), r->size);
	fprintf(fp, "Log:                 %s\n", base(r->log));
	fprintf(fp, "Manifest:            %s\n", base(r->manifest));
	fprintf(fp, "File listing:        %s\n", base(r->tree));
	if (r->tree_ok)
		fprintf(fp, "Per-file MD5s:       %" PRIu64 " computed while reading the disc, %" PRIu64 " from the image file\n",
			r->md5_stream, r->md5_image);
	fprintf(fp, "Structure (XML):     %s\n", base(r->ixml));
	fprintf(fp, "Structure (JSON):    %s\n", base(r->ijson));
	fprintf(fp, "Mapfile:             %s\n\n", base(r->map));

	fprintf(fp, "OPERATION DETAILS\n-----------------\n");
	for (size_t i = 0; i < r->n_events; i++) {
		const struct rip_event *e = &r->ev[i];

		fprintf(fp, "[%.8s] %s: %s\n", e->when + 11, e->type, e->outcome);
		if (e->detail[0])
			fprintf(fp, "           how:    %s\n", e->detail);
		if (e->outcome_detail[0])
			fprintf(fp, "           result: %s\n", e->outcome_detail);
	}
	fprintf(fp, "Read: %" PRIu64 " read calls, %" PRIu64 " failed; copy %.1f s, trim %.1f s, scrape %.1f s, retry %.1f s (%d retries)\n",
		r->rs.reads, r->rs.read_errors, r->rs.seconds[0], r->rs.seconds[1],
		r->rs.seconds[2], r->rs.seconds[3], r->o.retries);
	fprintf(fp, "Read time: %s, %.2f MB/s\n\n", human_duration(r->t_read, dur, sizeof(dur)),
		mbps(r->rs.bytes_read, r->t_read));

	fprintf(fp, "READ ERRORS\n-----------\n");
	if (r->complete) {
		fprintf(fp, "None: every sector was read%s.\n\n",
			r->rs.read_errors ? " (some after retries)" : "");
	} else {
		fprintf(fp, "%" PRIu64 " bytes (%" PRIu64 " sectors) unreadable, zero-filled in the image, in %zu range(s):\n",
			r->bad_bytes, r->bad_bytes / 2048, r->n_ranges_total);
		for (size_t i = 0; i < r->n_ranges; i++)
			fprintf(fp, "  sectors %" PRIu64 "-%" PRIu64 " (%" PRIu64 " sectors, bytes 0x%" PRIX64 "+0x%" PRIX64 ")\n",
				r->range_pos[i] / 2048, (r->range_pos[i] + r->range_len[i]) / 2048 - 1,
				r->range_len[i] / 2048, r->range_pos[i], r->range_len[i]);
		if (r->n_ranges < r->n_ranges_total)
			fprintf(fp, "  ... %zu more in the mapfile\n", r->n_ranges_total - r->n_ranges);
		fprintf(fp, "First error: %s\n\n", r->rs.first_error);
	}

	fprintf(fp, "VERIFICATION RESULTS\n--------------------\n");
	fprintf(fp, "Checksums (%s):\n", r->streamed ? "computed while reading the disc" :
		"computed from the image file");
	for (int k = 0; k < HASH_NALGS; k++)
		if (r->image.mask & (1u << k))
			fprintf(fp, "  %-8s %s\n", algs[k], r->image.hex[k]);
	if (r->verify_done) {
		fprintf(fp, "SHA-256 (Raw Disk):  %s\n", r->stream.hex[2]);
		fprintf(fp, "SHA-256 (ISO file):  %s\n", r->back.hex[2]);
		fprintf(fp, "Match:               %s\n", r->verify_match ? "YES" : "NO");
	}
	fprintf(fp, "Image read back:     %s\n", r->verify_note);
	if (r->n_tags)
		for (size_t i = 0; i < r->n_tags; i++)
			fprintf(fp, "libisofs MD5 tag:    type %d at block %u, blocks %u..%u: recorded %s, image %s: %s\n",
				r->tags[i].type, r->tags[i].pos, r->tags[i].start,
				r->tags[i].start + r->tags[i].blocks, r->tags[i].recorded,
				r->tags[i].computed, r->tags[i].match ? "MATCH" : "MISMATCH");
	else
		fprintf(fp, "libisofs MD5 tags:   none on this disc\n");
	fprintf(fp, "Second read:         %s\n\n", r->o.second_read ? r->second_note : "not requested");

	fprintf(fp, "STRUCTURAL ANALYSIS (discvault inspect, isolyzer-compatible)\n"
		    "-------------------------------------------------------------\n");
	if (r->have_rep) {
		fprintf(fp, "Success:             %s\n", r->rep.success ? "True" : "False");
		fprintf(fp, "File systems:        %s\n", fsl);
		fprintf(fp, "Size expected:       %" PRId64 " bytes (%s)\n", r->rep.size_expected,
			r->rep.size_source[0] ? r->rep.size_source : "no structure gives a size");
		fprintf(fp, "Size actual:         %" PRIu64 " bytes\n", r->rep.size_actual);
		fprintf(fp, "Size difference:     %" PRId64 " bytes\n", r->rep.size_difference);
		fprintf(fp, "Size as expected:    %s\n\n", r->rep.size_as_expected ? "True" : "False");
	}

	fprintf(fp, "SYSTEM INFORMATION\n------------------\n");
	fprintf(fp, "OS:                  %s %s %s\n", un.sysname, un.release, un.version);
	fprintf(fp, "Machine:             %s (%s)\n", un.machine, cpu);
	fprintf(fp, "Host:                %s\n", un.nodename);
	fprintf(fp, "User:                %s (uid %u)\n", user_name(), (unsigned)geteuid());
	fprintf(fp, "Command:             %s\n", r->o.cmdline);
	if (fclose(fp) != 0) {
		free(text);
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	}
	rc = write_file_atomic(r->log, text, len, 0644, err);
	free(text);
	return rc;
}

/* ---- the manifest ---- */

static json_t *timing(double s, uint64_t bytes)
{
	char d[32];

	return json_pack("{s:f, s:s, s:I, s:f}", "duration_seconds", s,
			 "duration_formatted", human_duration(s, d, sizeof(d)),
			 "bytes", (json_int_t)bytes, "average_speed_mb_per_s", mbps(bytes, s));
}

static json_t *digests(const struct rip_digests *d)
{
	json_t *o = json_object();

	for (int k = 0; k < HASH_NALGS; k++)
		if (d->mask & (1u << k))
			json_object_set_new(o, hash_alg_name((enum hash_alg)(1u << k)),
					    json_string(d->hex[k]));
	return o;
}

static json_t *structural(const struct rip *r)
{
	char sec[64], a[32], b[32], c[32];
	json_t *fss = json_array(), *warn = json_array();
	const struct inspect_report *p = &r->rep;

	if (!r->have_rep)
		return json_pack("{s:s, s:b}", "tool_used", "discvault inspect", "analysis_performed", 0);
	for (size_t i = 0; i < p->n_fs; i++) {
		const struct insp_fs *f = &p->fs[i];
		json_t *det = json_object();

		for (size_t j = 0; j < f->n; j++) {
			const struct insp_struct *s = f->s[j];
			static const char *const want[][2] = {
				{ "volumeIdentifier", "volume_identifier" },
				{ "volumeCreationDateAndTime", "creation_date" },
				{ "publisherIdentifier", "publisher" },
				{ "dataPreparerIdentifier", "data_preparer" },
				{ "logicalBlockSize", "logical_block_size" },
				{ "volumeSpaceSize", "volume_space_size" },
				{ "logicalVolumeIdentifier", "logical_volume_identifier" },
				{ "implementationIdentifier", "implementation" },
			};

			if (s->extra)
				continue;
			for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
				const struct insp_field *fl = insp_find(s, want[k][0]);

				if (!fl || json_object_get(det, want[k][1]))
					continue;
				if (fl->type == INSP_TEXT)
					json_object_set_new(det, want[k][1], json_string(fl->text ? fl->text : ""));
				else if (fl->type == INSP_INT)
					json_object_set_new(det, want[k][1], json_integer(fl->i));
				else
					json_object_set_new(det, want[k][1], json_integer((json_int_t)fl->u));
			}
		}
		json_array_append_new(fss, json_pack("{s:s, s:o}", "type", f->type, "details", det));
	}
	if (!p->contains_known_fs)
		json_array_append_new(warn, json_string("no known file system found"));
	if (p->smaller_than_expected)
		json_array_append_new(warn, json_string("the image is smaller than its file system says (truncated)"));
	else if (p->contains_known_fs && !p->size_as_expected)
		json_array_append_new(warn, json_string("the medium holds more than the file system (padding, appended error-correction data or a TAO run-out); all of it was kept"));
	return json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:{s:b, s:I, s:I, s:I, s:s, s:b, s:b, s:s, s:s, s:s, s:s, s:s}, s:o, s:o, s:s?, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s}}",
		"tool_used", "discvault inspect (isolyzer-compatible)",
		"tool_version", DV_VERSION,
		"analysis_performed", 1,
		"analysis_successful", r->inspect_ok && p->success,
		"valid_iso9660", p->has_iso9660,
		"contains_udf", p->has_udf,
		"size_validation",
		"size_as_expected", p->size_as_expected,
		"size_expected_bytes", (json_int_t)p->size_expected,
		"size_actual_bytes", (json_int_t)p->size_actual,
		"size_difference_bytes", (json_int_t)p->size_difference,
		"size_difference_sectors", inspect_diff_sectors(p, sec, sizeof(sec)),
		"smaller_than_expected", p->smaller_than_expected,
		"contains_known_filesystem", p->contains_known_fs,
		"size_expected_source", p->size_source ? p->size_source : "",
		"size_expected_formatted", human_bytes(p->size_expected > 0 ? (uint64_t)p->size_expected : 0, a, sizeof(a)),
		"size_actual_formatted", human_bytes(p->size_actual, b, sizeof(b)),
		"size_difference_formatted", human_bytes(p->size_difference < 0 ? (uint64_t)-p->size_difference : (uint64_t)p->size_difference, c, sizeof(c)),
		"note", "sizeExpected is the largest size any structure gives (isolyzer 1.4 rules); the image holds the whole readable medium",
		"filesystems_detected", fss,
		"warnings", warn,
		"error", r->inspect_ok ? NULL : p->failure,
		"xml_field_mappings",
		"namespace", "http://kb.nl/ns/isolyzer/v1/",
		"size_expected", "/isolyzer/image/tests/sizeExpected",
		"size_actual", "/isolyzer/image/tests/sizeActual",
		"size_difference", "/isolyzer/image/tests/sizeDifference",
		"size_as_expected", "/isolyzer/image/tests/sizeAsExpected",
		"contains_known_filesystem", "/isolyzer/image/tests/containsKnownFileSystem",
		"volume_identifier", "/isolyzer/image/fileSystems/fileSystem[@TYPE='ISO 9660']/primaryVolumeDescriptor/volumeIdentifier");
}

static json_t *events(const struct rip *r)
{
	json_t *a = json_array();
	char agent[192];
	size_t n = 0;

	snprintf(agent, sizeof(agent), "%s %s (firmware %s)", r->probe.info.vendor,
		 r->probe.info.model, r->probe.info.revision);
	for (size_t i = 0; i < r->n_events; i++) {
		const struct rip_event *e = &r->ev[i];
		char id[96];

		if (!e->premis)
			continue;
		snprintf(id, sizeof(id), "%s-event-%zu", r->uuid, ++n);
		json_array_append_new(a, json_pack(
			"{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}], s:[s]}",
			"event_identifier", id,
			"event_type", e->type,
			"event_date_time", e->when,
			"event_detail", e->detail,
			"event_outcome_information", "outcome", e->outcome, "outcome_detail", e->outcome_detail,
			"linking_agents",
			"type", "software", "name", "discvault", "version", DV_VERSION,
			"type", "hardware", "name", agent, "role", "source drive",
			"type", "person", "name", r->o.operator_name, "role", "operator",
			"linking_objects", base(r->iso)));
	}
	return a;
}

int rip_write_manifest(struct rip *r, struct dv_error *err)
{
	char a[32], b[32], fsl[128], cpu[128], sysver[600], lib[160];
	int im, ii, iu, bm, bi, bu;
	struct utsname un;
	json_t *m, *ranges = json_array(), *tags = json_array(), *errors = json_array();
	const char *vs = verification_status(r);
	int rc, read_only;

	if (uname(&un) < 0)
		memset(&un, 0, sizeof(un));
	cpu_model(cpu, sizeof(cpu));
	snprintf(sysver, sizeof(sysver), "%s", un.version);
	iso_lib_version(&im, &ii, &iu);
	burn_version(&bm, &bi, &bu);
	snprintf(lib, sizeof(lib), "libisofs %d.%d.%d, libburn %d.%d.%d, %s, jansson %s",
		 im, ii, iu, bm, bi, bu, OpenSSL_version(OPENSSL_VERSION), JANSSON_VERSION);
	for (size_t i = 0; i < r->n_ranges; i++)
		json_array_append_new(ranges, json_pack("{s:I, s:I, s:I, s:I}",
			"start_sector", (json_int_t)(r->range_pos[i] / 2048),
			"sectors", (json_int_t)(r->range_len[i] / 2048),
			"start_byte", (json_int_t)r->range_pos[i],
			"bytes", (json_int_t)r->range_len[i]));
	for (size_t i = 0; i < r->n_tags; i++)
		json_array_append_new(tags, json_pack("{s:s, s:i, s:i, s:i, s:s, s:s, s:s, s:b}",
			"type", r->tags[i].type == 1 ? "session" : r->tags[i].type == 2 ? "superblock" : "tree",
			"block", (int)r->tags[i].pos, "range_start", (int)r->tags[i].start,
			"range_blocks", (int)r->tags[i].blocks, "recorded_md5", r->tags[i].recorded,
			"image_md5", r->tags[i].computed,
			"computed_from", r->tags[i].from_stream ? "the bytes read from the disc, while reading" :
				"the image file",
			"match", r->tags[i].match));
	if (r->exit_code)
		json_array_append_new(errors, json_string(r->status_msg));
	read_only = r->probe.info.media == MEDIA_CD_ROM || r->probe.info.media == MEDIA_DVD_ROM ||
		    r->probe.info.media == MEDIA_BD_ROM || r->probe.info.state == DISC_CLOSED;

	m = json_object();
	json_object_set_new(m, "backup_metadata", json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}",
		"run_id", r->run_id, "uuid", r->uuid, "tool_name", "discvault rip",
		"tool_version", DV_VERSION, "created", r->finished, "started", r->started,
		"finished", r->finished, "operator", r->o.operator_name, "dry_run", 0,
		"command_line", r->o.cmdline));
	json_object_set_new(m, "backup_status", json_pack("{s:s, s:i, s:b, s:b, s:b, s:b, s:o, s:b, s:s, s:o}",
		"overall_status", overall(r), "exit_code", r->exit_code,
		"iso_created", 1, "image_complete", r->complete, "resumed", r->resumed,
		"verification_performed", strcmp(vs, "not_performed") != 0,
		"verification_passed", !strcmp(vs, "not_performed") ? json_string("skipped") :
			json_boolean(!strcmp(vs, "verified")),
		"interrupted", 0, "message", r->status_msg, "errors", errors));
	json_object_set_new(m, "source_disc", json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:I}",
		"disk_identifier", r->o.device, "device_path", r->o.device,
		"raw_device_path", r->o.device, "volume_name", r->probe.volume_id,
		"media_type", r->probe.info.media_name, "media_state", disc_state_name(r->probe.info.state),
		"filesystem", fs_list(r, fsl, sizeof(fsl)), "drive_vendor", r->probe.info.vendor,
		"drive_model", r->probe.info.model, "drive_firmware", r->probe.info.revision,
		"drive_capabilities", !strcmp(r->probe.info.backend, "sim") ? "simulated drive (discvault sim): reads, unreadable ranges, flipped bytes" :
			!strcmp(r->probe.info.backend, "macos") ? "raw reads of /dev/rdiskN (macOS)" :
			"libburn burn_read_data (SCSI READ, ECC-unit retries, no page cache)",
		"connection_type", r->probe.info.backend,
		"erasable", !r->probe.info.write_once && r->probe.info.media != MEDIA_CD_ROM &&
			r->probe.info.media != MEDIA_DVD_ROM && r->probe.info.media != MEDIA_BD_ROM,
		"read_only", read_only, "disc_id", (json_int_t)r->probe.info.disc_id));
	json_object_set_new(m, "volume_information", json_pack("{s:I, s:s, s:I, s:s, s:I, s:I, s:I, s:s, s:I, s:s?, s:s}",
		"total_size_bytes", (json_int_t)r->size, "total_size_formatted", human_bytes(r->size, a, sizeof(a)),
		"used_space_bytes", (json_int_t)r->tree_bytes, "used_space_formatted", human_bytes(r->tree_bytes, b, sizeof(b)),
		"filesystem_size_bytes", (json_int_t)r->probe.fs_size,
		"medium_readable_bytes", (json_int_t)r->size,
		"beyond_filesystem_bytes", (json_int_t)(r->probe.have_pvd && r->size > r->probe.fs_size ? r->size - r->probe.fs_size : 0),
		"filesystem_size_source", r->probe.have_pvd ? "ISO 9660 primary volume descriptor (volume space size x logical block size)" : "none",
		"allocation_block_size", (json_int_t)2048,
		"mount_point", r->was_mounted ? r->mount_point : NULL,
		"mount_status", r->mount_note[0] ? r->mount_note : "not a block device; no mount involved"));
	json_object_set_new(m, "output_files", json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		"iso_filename", base(r->iso), "iso_file_size_bytes", (json_int_t)r->size,
		"iso_file_size_formatted", human_bytes(r->size, a, sizeof(a)),
		"output_directory", r->dir, "log_filename", base(r->log), "tree_filename", base(r->tree),
		"isolyzer_filename", base(r->ixml), "inspect_json_filename", base(r->ijson),
		"manifest_filename", base(r->manifest), "mapfile_filename", base(r->map)));
	json_object_set_new(m, "read_errors", json_pack("{s:b, s:b, s:I, s:I, s:I, s:I, s:s, s:o, s:s}",
		"image_complete", r->complete, "filesystem_complete", r->complete || r->tail_only,
		"unreadable_bytes", (json_int_t)r->bad_bytes,
		"unreadable_sectors", (json_int_t)(r->bad_bytes / 2048),
		"unreadable_ranges", (json_int_t)r->n_ranges_total,
		"read_errors_during_run", (json_int_t)r->rs.read_errors,
		"fill", "unreadable sectors are zero-filled in the image",
		"ranges", ranges, "mapfile", base(r->map)));
	json_object_set_new(m, "operations_performed", json_pack(
		"{s:{s:s, s:s, s:b, s:{s:I, s:I, s:s, s:I}, s:{s:s, s:I, s:I}}, s:{s:s, s:s}, s:{s:s, s:s, s:I, s:b, s:b, s:i, s:I, s:I, s:[f,f,f,f]}, s:{s:s, s:s, s:i, s:b, s:s}, s:{s:s, s:s, s:s}}",
		"tree_listing", "command", "discvault isotree (ISO 9660 / Rock Ridge / Joliet read from the image, no mount)",
		"output_file", base(r->tree), "performed", r->tree_ok,
		"summary", "total_directories", (json_int_t)r->tree_dirs, "total_files", (json_int_t)r->tree_files,
		"reported_size", human_bytes(r->tree_bytes, a, sizeof(a)), "damaged_files", (json_int_t)r->tree_damaged,
		"per_file_md5", "method", "computed while reading the disc (md5mb lanes next to the image's MD5, after the file tree was read from the first sectors) when the read was one clean pass; otherwise, and for files the stream had passed before the tree was known, from the image file",
		"from_disc_read", (json_int_t)r->md5_stream, "from_image_file", (json_int_t)r->md5_image,
		"disk_unmount", "command", r->was_mounted ? "umount2" : "none",
		"status", r->mount_note[0] ? r->mount_note : "not a block device; nothing to unmount",
		"iso_creation", "command", r->o.cmdline,
		"method", "ddrescue-style rescue read through the drive layer: copy (large reads, skip ahead after errors), trim, scrape, retry; GNU ddrescue mapfile",
		"block_size", (json_int_t)r->o.chunk, "performed", 1, "resumed", r->resumed,
		"retries", r->o.retries, "read_calls", (json_int_t)r->rs.reads,
		"failed_read_calls", (json_int_t)r->rs.read_errors,
		"phase_seconds", r->rs.seconds[0], r->rs.seconds[1], r->rs.seconds[2], r->rs.seconds[3],
		"verification", "method", r->streamed ? "SHA-256 of the image file read back compared with the SHA-256 of the disc stream" :
			"hashes computed from the assembled image file",
		"algorithm", r->streamed ? "SHA-256" : "MD5", "algorithm_bits", r->streamed ? 256 : 128, "performed", r->verify_done,
		"shell_equivalent", "md5sum / sha1sum / sha256sum on the .iso",
		"finalization", "remount_command", r->was_mounted ? "mount -o ro" : "none",
		"eject_command", r->o.eject ? "drive eject" : "none (--no-eject)",
		"status", r->eject_note));
	json_object_set_new(m, "timing_performance", json_pack("{s:o, s:o, s:o}",
		"iso_creation", timing(r->t_read, r->rs.bytes_read),
		"verification", timing(r->t_verify, r->size),
		"total_operation", timing(r->t_total, r->size)));
	json_object_set_new(m, "integrity_verification", json_pack(
		"{s:s, s:i, s:s, s:s?, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:{s:b, s:o, s:s, s:o}}",
		"hash_algorithm", r->verify_done ? "SHA-256" : "MD5",
		"hash_length_bits", r->verify_done ? 256 : 128,
		"iso_hash", r->verify_done ? r->back.hex[2] :
			rip_hex(&r->image, HASH_MD5) ? rip_hex(&r->image, HASH_MD5) : "",
		"source_hash", r->verify_done ? r->stream.hex[2] :
			r->streamed ? rip_hex(&r->stream, HASH_MD5) : NULL,
		"hashes_match", r->verify_done ? json_boolean(r->verify_match) : json_null(),
		"verification_method", r->streamed && r->back_streamed ? "all checksums computed in one pass over the bytes read from the disc; the image file was read back from storage and its SHA-256 compared with the stream's (read back while the disc was read: each range once it was written, flushed to storage and dropped from the page cache)" :
			r->streamed ? "all checksums computed in one pass over the bytes read from the disc; the image file was read back from storage and its SHA-256 compared with the stream's" :
			"no single-pass stream hash (resumed or multi-pass read); image hashed from the file",
		"integrity_status", vs, "notes", r->verify_note,
		"checksums", digests(&r->image),
		"source_checksums", r->streamed ? digests(&r->stream) : json_null(),
		"libisofs_md5_tags", tags,
		"second_read", "performed", r->second_done,
		"match", r->second_done ? json_boolean(r->second_match) : json_null(),
		"note", r->o.second_read ? r->second_note : "not requested",
		"checksums", r->second_done ? digests(&r->second) : json_null()));
	json_object_set_new(m, "structural_analysis", structural(r));
	json_object_set_new(m, "system_environment", json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		"operating_system", un.sysname, "os_version", sysver, "kernel_version", un.release,
		"machine_architecture", un.machine, "processor", cpu, "hostname", un.nodename,
		"c_compiler", __VERSION__, "libraries", lib, "user_context", user_name()));
	json_object_set_new(m, "technical_details", json_pack("{s:{s:s, s:s, s:s, s:b, s:b, s:I, s:I}, s:{s:I, s:i, s:b, s:b, s:b, s:s}}",
		"source_device_properties", "device_identifier", r->o.device,
		"device_node", r->o.device[0] == '/' ? r->o.device : "",
		"backend", r->probe.info.backend, "ejectable", 1, "writable", 0,
		"readable_bytes", (json_int_t)r->probe.info.readable,
		"blank_capacity_bytes", (json_int_t)r->probe.info.capacity,
		"backup_parameters", "read_chunk_bytes", (json_int_t)r->o.chunk, "retries", r->o.retries,
		"verify_image", r->o.verify, "second_read", r->o.second_read, "eject", r->o.eject,
		"hashes", (r->o.hash_mask & HASH_SHA512) ? "md5, sha1, sha256, sha512" : "md5, sha1, sha256"));
	json_object_set_new(m, "quality_assurance", json_pack("{s:{s:b, s:b, s:b, s:b, s:b}, s:[s,s,s], s:[s,s,s,s], s:[s,s,s]}",
		"verification_levels",
		"stream_hashes", r->streamed, "image_read_back", r->verify_done,
		"libisofs_md5_tags", r->n_tags > 0, "second_disc_read", r->second_done,
		"structure_check", r->have_rep && r->rep.contains_known_fs,
		"recommended_verifications",
		"compare the checksums above with the image after every copy or migration",
		"run 'discvault inspect' on the image and check sizeAsExpected",
		r->complete ? "keep a second copy of the image on different storage" :
			"retry the unreadable ranges in another drive: run 'discvault rip' again with the same --filename and --dir (it resumes from the mapfile)",
		"backup_best_practices",
		"clean the disc and use a good drive before imaging",
		"keep the log, the manifest and the mapfile with the image",
		"store checksums separately from the image",
		"do not mount writable media read-write before imaging",
		"manifest_notes",
		"the image holds every readable sector of the medium, including any beyond the ISO 9660 volume",
		"the file listing is read from the image itself, not from a mounted disc; per-file MD5s are computed from the bytes read from the disc (which the read-back check, unless skipped, compares with the image file) or from the image file",
		"preservation_events follow PREMIS event types"));
	json_object_set_new(m, "preservation_events", events(r));
	json_object_set_new(m, "file_listing", r->file_list ? json_incref((json_t *)r->file_list) : json_array());
	rc = json_write_atomic(r->manifest, m, err);
	json_decref(m);
	return rc;
}
