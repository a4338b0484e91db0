/*
 * test_archive_plan.c - archive names, slice/catalog name parsing, labels,
 * slice and disc sizing, and deferral for --min-last-disc-fill.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/create.h"
#include "archive/plan.h"
#include "engine/dar/dar.h"
#include "tap.h"

#include "platform/banned.h"

static int name_ok(const char *n)
{
	struct dv_error err = DV_ERROR_INIT;
	return dar_name_check(n, &err) == 0;
}

int main(void)
{
	char name[64], label[64];
	unsigned gen, sl;
	int cat;
	struct dv_error err = DV_ERROR_INIT;

	tap_plan_lazy();
	TAP_OK(name_ok("photos"));
	TAP_OK(name_ok("My_image_archive"));
	TAP_OK(name_ok("a.b+c-d_9"));
	TAP_OK(!name_ok(""));
	TAP_OK(!name_ok("-photos"));
	TAP_OK(!name_ok(".photos"));
	TAP_OK(!name_ok("pho tos"));
	TAP_OK(!name_ok("pho/tos"));
	TAP_OK(!name_ok("photos-catalog"));
	TAP_OK(!name_ok("photos-gen2"));
	TAP_OK(name_ok("photos-gen2x"));
	TAP_OK(name_ok("photos-genx"));
	TAP_OK(!name_ok("ph\xc3\xa9otos"));
	TAP_OK(name_ok("abcdefghijklmnopqrstuvwxyz0"));          /* 27 */
	TAP_OK(!name_ok("abcdefghijklmnopqrstuvwxyz01"));        /* 28 */

	TAP_OK(dar_parse_slice_name("/x/y/photos-gen3.0002.dar", name, sizeof(name), &gen, &cat, &sl) == 0);
	TAP_STREQ(name, "photos");
	TAP_EQ_U64(gen, 3);
	TAP_EQ_U64(cat, 0);
	TAP_EQ_U64(sl, 2);
	TAP_OK(dar_parse_slice_name("photos-gen12-catalog.0001.dar", name, sizeof(name), &gen, &cat, &sl) == 0);
	TAP_STREQ(name, "photos");
	TAP_EQ_U64(gen, 12);
	TAP_EQ_U64(cat, 1);
	TAP_OK(dar_parse_slice_name("old-catalog.0001.dar", name, sizeof(name), &gen, &cat, &sl) == 0);
	TAP_STREQ(name, "old");
	TAP_EQ_U64(gen, 1);
	TAP_EQ_U64(cat, 1);
	TAP_OK(dar_parse_slice_name("my-gen-x.1.dar", name, sizeof(name), &gen, &cat, &sl) == 0);
	TAP_STREQ(name, "my-gen-x");
	TAP_OK(dar_parse_slice_name("photos.dar", name, sizeof(name), &gen, &cat, &sl) < 0);
	TAP_OK(dar_parse_slice_name("photos.0001.dar.sha512", name, sizeof(name), &gen, &cat, &sl) < 0);
	TAP_OK(dar_parse_slice_name("photos-gen0.0001.dar", name, sizeof(name), &gen, &cat, &sl) < 0);

	create_label(label, sizeof(label), "photos", 2, 7);
	TAP_STREQ(label, "photos_G02_0007");
	create_label(label, sizeof(label), "abcdefghijklmnopqrstuvwxyz0", 1, 1);
	TAP_STREQ(label, "abcdefghijklmnopqrstuvw_G01_0001");
	TAP_OK(strlen(label) <= 32);

	{
		struct dar_create_args a = { .basename = "/w/p-gen1", .source = "/s d", .catalog = "/o/p-gen1-catalog",
			.compression = "zstd", .level = 3, .slice_size = 1048576, .hook = 1 };
		struct strvec sv = { 0 };
		int has_hook = 0, has_z = 0, paths_separate = 0;
		dar_create_argv(&a, &sv);
		for (size_t i = 0; i < sv.n; i++) {
			if (!strcmp(sv.v[i], "echo %N %c >&3"))
				has_hook = 1;
			if (!strcmp(sv.v[i], "-zzstd:3"))
				has_z = 1;
			if (!strcmp(sv.v[i], "/s d"))
				paths_separate = 1;
		}
		TAP_OK(has_hook);
		TAP_OK(has_z);
		TAP_OK(paths_separate);
		TAP_OK(sv.v[sv.n] == NULL);
		strvec_release(&sv);
	}

	/* dar's output */
	{
		const char *out =
			"Cannot read directory contents: /s/closed : Permission denied\n"
			"Error while saving /s/d/locked: Permission denied\n\n\n"
			" --------------------------------------------\n"
			" 3 inode(s) saved\n"
			" 12 inode(s) failed to be saved (filesystem error)\n"
			"Now performing on-fly isolation...\n";
		char first[200];
		TAP_EQ_U64(dar_failed_inodes(out), 12);
		TAP_OK(dar_failed_inodes("nothing here") == -1);
		TAP_OK(dar_failed_inodes(" inode(s) failed to be saved") == -1);
		dar_first_error(out, first, sizeof(first));
		TAP_STREQ(first, "Cannot read directory contents: /s/closed : Permission denied");
		dar_first_error(" 3 inode(s) saved\nNow performing on-fly isolation...\n", first, sizeof(first));
		TAP_STREQ(first, "");
	}

	/* sizing: BD-25, 5 %, 1000 files */
	{
		struct scan_result sr = { 0 };
		struct plan p;
		sr.files = 1000;
		sr.bytes = 60ull * 1000 * 1000 * 1000;
		sr.catalog_est = 64 * 1024 + 1000 * (256 + 20);
		TAP_OK(plan_compute(&p, &sr, 1.0, 12219392ull * 2048, 5, 0, &err) == 0);
		TAP_OK(p.slice_size < 4096ull * MIB);
		TAP_OK(p.slices_per_disc == 6);
		/* a full disc's slices plus PAR2 plus catalog fit */
		TAP_OK((double)p.slices_per_disc * p.slice_size * 1.06 + sr.catalog_est + PLAN_MISC_OVERHEAD
		       + PLAN_END_MARGIN <= 12219392.0 * 2048);
		TAP_OK(p.disc_fill > 0.97 && p.disc_fill <= 1.0);
		TAP_EQ_U64(p.discs, 3);
		TAP_OK(p.last_fill > 0.5 && p.last_fill < 0.6);

		/* tiny discs: one slice per disc */
		TAP_OK(plan_compute(&p, &sr, 1.0, 40 * MIB, 5, 0, &err) == 0);
		TAP_EQ_U64(p.slices_per_disc, 1);
		TAP_OK(p.slice_size >= 30 * MIB && p.slice_size < 34 * MIB);
		/* too small for anything */
		TAP_OK(plan_compute(&p, &sr, 1.0, 5 * MIB, 5, 0, &err) < 0);
		TAP_EQ_U64(err.code, DV_ERR_NOSPACE);
		/* a slice limit gives several slices per disc */
		TAP_OK(plan_compute(&p, &sr, 1.0, 40 * MIB, 5, 8 * MIB, &err) == 0);
		TAP_EQ_U64(p.slices_per_disc, 4);
	}

	/* deferral: the newest files go until the last disc is full enough */
	{
		struct scan_result sr = { 0 };
		struct plan p;
		unsigned char def[7] = { 0 };
		sr.nent = 7;
		sr.ent = calloc(7, sizeof(*sr.ent));
		for (int i = 0; i < 7; i++) {
			char nm[16];
			snprintf(nm, sizeof(nm), "f%02d", i);
			sr.ent[i].path = strdup(nm);
			sr.ent[i].size = 5 * MIB;
			sr.ent[i].mtime = 1000 + i;
			sr.files++;
			sr.bytes += 5 * MIB;
		}
		sr.catalog_est = 64 * 1024;
		TAP_OK(plan_compute(&p, &sr, 1.0, 40 * MIB, 5, 0, &err) == 0);
		TAP_EQ_U64(p.discs, 2);
		TAP_OK(p.last_fill < 0.5);
		TAP_OK(plan_defer(&p, &sr, 0, 90, 0, def, &err) == 0);
		TAP_EQ_U64(p.discs, 1);
		TAP_OK(p.deferred_files > 0);
		TAP_EQ_U64(p.deferred_files, 1);
		TAP_OK(def[6] == 1);    /* newest first */
		TAP_OK(def[5] == 0);
		TAP_OK(p.last_fill >= 0.85);
		/* with a base time, only files changed after it are candidates */
		memset(def, 0, sizeof(def));
		TAP_OK(plan_compute(&p, &sr, 1.0, 40 * MIB, 5, 0, &err) == 0);
		TAP_OK(plan_defer(&p, &sr, 1006, 90, 0, def, &err) == 0);
		TAP_EQ_U64(p.deferred_files, 0);
		TAP_EQ_U64(p.discs, 2);
		scan_result_release(&sr);
	}
	return tap_done();
}
