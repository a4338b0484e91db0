/*
 * extract.c - restore an archive chain from its discs, in any order.
 */
#include "archive/extract.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "archive/create.h"
#include "archive/discview.h"
#include "engine/dar/dar.h"
#include "engine/hash/hash.h"
#include "engine/par2/par2.h"
#include "platform/fileio.h"
#include "platform/log.h"
#include "platform/spawn.h"
#include "platform/banned.h"

int extract_init(struct extract_ctx *x, const char *out, const char *work, struct dv_error *err)
{
	memset(x, 0, sizeof(*x));
	snprintf(x->out, sizeof(x->out), "%s", out);
	if (work)
		snprintf(x->work, sizeof(x->work), "%s", work);
	else if ((size_t)snprintf(x->work, sizeof(x->work), "%s/.discvault-work", out) >= sizeof(x->work))
		return dv_error_set(err, DV_ERR_USAGE, "path too long: '%s'", out);
	if (mkdir_p(x->out, 0755, err) < 0 || mkdir_p(x->work, 0700, err) < 0)
		return -1;
	return 0;
}

void extract_release(struct extract_ctx *x)
{
	for (size_t i = 0; i < x->ngens; i++)
		free(x->gens[i].read);
	for (size_t i = 0; i < x->nbad; i++)
		free(x->bad_slices[i]);
	free(x->bad_slices);
	memset(x, 0, sizeof(*x));
}

static struct extract_gen *gen_get(struct extract_ctx *x, unsigned gen, struct dv_error *err)
{
	struct extract_gen *g;

	for (size_t i = 0; i < x->ngens; i++)
		if (x->gens[i].gen == gen)
			return &x->gens[i];
	if (x->ngens >= EXTRACT_MAX_GENS) {
		dv_error_set(err, DV_ERR_FAIL, "more than %d generations", EXTRACT_MAX_GENS);
		return NULL;
	}
	g = &x->gens[x->ngens++];
	memset(g, 0, sizeof(*g));
	g->gen = gen;
	return g;
}

static int mark_read(struct extract_gen *g, unsigned disc)
{
	if (disc > g->nread_cap) {
		size_t cap = disc + 16;
		unsigned char *grown = realloc(g->read, cap);
		if (!grown)
			return -1;
		memset(grown + g->nread_cap, 0, cap - g->nread_cap);
		g->read = grown;
		g->nread_cap = cap;
	}
	g->read[disc - 1] = 1;
	return 0;
}

static int was_read(const struct extract_gen *g, unsigned disc)
{
	return disc && disc <= g->nread_cap && g->read[disc - 1];
}

struct disc_ident {
	char chain[256];
	unsigned gen, disc, discs, base_gen;
	char label[40];
	int from_json;
};

/* The disc's identity: its JSON if there is one, else the slice names
 * (bd-archive discs: one slice per disc, so disc = slice number). */
static int identify(struct discview *v, struct disc_ident *id)
{
	memset(id, 0, sizeof(*id));
	for (size_t i = 0; i < v->nfiles; i++) {
		const struct discview_file *f = &v->files[i];
		const char *b = path_base(f->path);
		struct dv_error err = DV_ERROR_INIT;
		char *text;
		json_t *j;
		int64_t n;

		if (!strstr(b, ".disc") || !str_ends_with(b, ".json") || f->size > (1u << 20))
			continue;
		text = malloc((size_t)f->size + 1);
		if (!text)
			return -1;
		n = discview_read(v, f, 0, text, (size_t)f->size, &err);
		j = n >= 0 ? (text[n] = '\0', json_loads(text, 0, NULL)) : NULL;
		free(text);
		if (!j)
			continue;
		if (json_string_value(json_object_get(j, "chain")) &&
		    json_integer_value(json_object_get(j, "disc")) > 0) {
			snprintf(id->chain, sizeof(id->chain), "%s",
				 json_string_value(json_object_get(j, "chain")));
			id->gen = (unsigned)json_integer_value(json_object_get(j, "generation"));
			id->disc = (unsigned)json_integer_value(json_object_get(j, "disc"));
			id->discs = (unsigned)json_integer_value(json_object_get(j, "discs"));
			id->base_gen = (unsigned)json_integer_value(json_object_get(j, "base_generation"));
			if (json_string_value(json_object_get(j, "label")))
				snprintf(id->label, sizeof(id->label), "%s",
					 json_string_value(json_object_get(j, "label")));
			id->from_json = 1;
		}
		json_decref(j);
		if (id->from_json) {
			if (!id->gen)
				id->gen = 1;
			return 1;
		}
	}
	for (size_t i = 0; i < v->nfiles; i++) {
		char name[256];
		unsigned gen, no;
		int cat;

		if (!str_ends_with(v->files[i].path, ".dar") ||
		    dar_parse_slice_name(v->files[i].path, name, sizeof(name), &gen, &cat, &no) < 0 || cat)
			continue;
		snprintf(id->chain, sizeof(id->chain), "%s", name);
		id->gen = gen;
		id->disc = no;
		return 1;
	}
	return 0;
}

static int add_bad(struct extract_ctx *x, const char *what)
{
	char **grown = realloc(x->bad_slices, (x->nbad + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	x->bad_slices = grown;
	x->bad_slices[x->nbad] = strdup(what);
	if (!x->bad_slices[x->nbad])
		return -1;
	x->nbad++;
	return 0;
}

/* Stage one slice: copy, check SHA-512, repair with PAR2 from this disc
 * when needed. Returns 1 intact, 0 still damaged (kept for dar's best
 * effort), -1 when staging itself failed. */
static int stage_slice(struct extract_ctx *x, struct discview *v, const struct discview_file *f,
		       const char *dir, int is_catalog, struct dv_error *err)
{
	char dest[2 * PATH_MAX], want[129], got[HASH_HEX_MAX];
	uint64_t bad = 0;
	int have_sum;

	snprintf(dest, sizeof(dest), "%s/%s", dir, path_base(f->path));
	have_sum = discview_sidecar_sha512(v, f->path, want) == 0;
	if (discview_copy_sha512(v, f, dest, &bad, got, err) < 0)
		return -1;
	if (have_sum && !strcmp(want, got) && !bad)
		return 1;
	if (!have_sum && !bad)
		return 1;    /* nothing to check it against; dar's CRCs will */
	log_warn("%s is damaged (%s): repairing with its PAR2 files", f->path,
		 bad ? "unreadable sectors" : "SHA-512 differs");
	if (is_catalog)
		return 0;    /* catalogs carry no PAR2: take it from another disc */
	{
		char index[2 * PATH_MAX] = "", p2[2 * PATH_MAX];
		struct par2_options opt = PAR2_OPTIONS_INIT;
		struct par2_report rep = PAR2_REPORT_INIT;
		struct dv_error perr = DV_ERROR_INIT;
		size_t nlen = strlen(f->path);
		int rc;

		for (size_t i = 0; i < v->nfiles; i++) {
			const struct discview_file *p = &v->files[i];
			uint64_t pb;
			if (strncmp(p->path, f->path, nlen) || !str_ends_with(p->path, ".par2") ||
			    (strcmp(p->path + nlen, ".par2") && strncmp(p->path + nlen, ".vol", 4)))
				continue;
			snprintf(p2, sizeof(p2), "%s/%s", dir, path_base(p->path));
			if (discview_copy(v, p, p2, &pb, &perr) < 0)
				continue;
			if (!index[0] || !strcmp(p->path + nlen, ".par2"))
				snprintf(index, sizeof(index), "%s", p2);
		}
		if (!index[0]) {
			log_error("%s: no PAR2 files on this disc", f->path);
			return 0;
		}
		opt.purge_backups = 1;
		rc = par2_repair(index, &opt, &rep, &perr);
		par2_report_release(&rep);
		/* the PAR2 files are not needed any more */
		for (size_t i = 0; i < v->nfiles; i++) {
			const struct discview_file *p = &v->files[i];
			if (!strncmp(p->path, f->path, nlen) && str_ends_with(p->path, ".par2")) {
				snprintf(p2, sizeof(p2), "%s/%s", dir, path_base(p->path));
				unlink(p2);
			}
		}
		if (rc < 0) {
			log_error("%s: PAR2 repair failed: %s", f->path, perr.msg);
			return 0;
		}
		if (hash_file(dest, HASH_SHA512, got, err) < 0)
			return -1;
		if (rc == PAR2_OK && (!have_sum || !strcmp(want, got))) {
			log_ok("%s repaired", f->path);
			return 1;
		}
		log_error("%s: damage beyond what its PAR2 files can repair", f->path);
		return 0;
	}
}

/* Data slices per disc (create gives every disc but the last the same
 * number), from the slices on this disc. */
static void note_per_disc(struct extract_gen *g, struct discview *v, const char *chain,
			  const struct disc_ident *id)
{
	unsigned k = 0, hi = 0;

	for (size_t i = 0; i < v->nfiles; i++) {
		char name[256];
		unsigned gen, no;
		int cat;
		if (!str_ends_with(v->files[i].path, ".dar") ||
		    dar_parse_slice_name(v->files[i].path, name, sizeof(name), &gen, &cat, &no) < 0 ||
		    cat || gen != id->gen || strcmp(name, chain))
			continue;
		k++;
		if (no > hi)
			hi = no;
	}
	if (!k)
		return;
	if (id->disc < id->discs)
		g->per_disc = k;
	else if (id->discs > 1 && hi > k && (hi - k) % (id->discs - 1) == 0)
		g->per_disc = (hi - k) / (id->discs - 1);
	else if (id->discs == 1)
		g->per_disc = k;
}

/* Which discs hold the asked paths: dar lists the slice range from the
 * generation's catalog ("... have their data in slice range [a-b]"). */
static void compute_needed(struct extract_ctx *x, struct extract_gen *g)
{
	char cat[PATH_MAX + 600];
	const char **argv;
	struct spawn_result res;
	struct dv_error err = DV_ERROR_INIT;
	size_t n = 0;
	const char *r;
	unsigned a = 0, b = 0;

	if (!g->per_disc || !g->discs)
		return;
	argv = calloc(8 + 2 * x->npaths, sizeof(*argv));
	if (!argv)
		return;
	snprintf(cat, sizeof(cat), "%s/gen%u/%s-gen%u-catalog", x->work, g->gen, x->chain, g->gen);
	argv[n++] = "dar";
	argv[n++] = "-l";
	argv[n++] = cat;
	argv[n++] = "-Tslice";
	argv[n++] = "-Q";
	for (size_t i = 0; i < x->npaths; i++) {
		argv[n++] = "-g";
		argv[n++] = x->paths[i];
	}
	if (spawn_capture(argv, &res, &err) < 0) {
		free(argv);
		return;
	}
	free(argv);
	r = res.out ? strstr(res.out, "have their data in slice range [") : NULL;
	if (res.exit_code == 0 && r) {
		r += strlen("have their data in slice range [");
		if (sscanf(r, "%u-%u", &a, &b) == 2 || (sscanf(r, "%u", &a) == 1 && (b = a))) {
			g->need_lo = (a + g->per_disc - 1) / g->per_disc;
			g->need_hi = (b + g->per_disc - 1) / g->per_disc;
			if (g->need_hi > g->discs)
				g->need_hi = g->discs;
			g->need_known = 1;
			if (g->need_lo == g->need_hi)
				log_info("The asked paths are on disc %u of generation %u "
					 "(and dar reads the last, disc %u)", g->need_lo, g->gen, g->discs);
			else
				log_info("The asked paths are on discs %u-%u of generation %u "
					 "(and dar reads the last, disc %u)", g->need_lo, g->need_hi, g->gen,
					 g->discs);
		}
	} else if (res.exit_code == 0) {
		g->need_known = g->need_none = 1;
		log_info("The asked paths have no data in generation %u", g->gen);
	}
	spawn_result_release(&res);
}

static int disc_needed(const struct extract_gen *g, unsigned d)
{
	if (!g->need_known)
		return 1;
	if (g->need_none)
		return 0;
	return (d >= g->need_lo && d <= g->need_hi) || d == g->discs;
}

int extract_collect(struct extract_ctx *x, struct discview *v, enum extract_disc_result *res,
		    char *what, size_t what_len, struct dv_error *err)
{
	struct disc_ident id;
	struct extract_gen *g;
	char dir[PATH_MAX + 64];
	int found;

	*res = EXTRACT_DISC_EMPTY;
	found = identify(v, &id);
	if (found < 0)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	if (!found) {
		snprintf(what, what_len, "no archive on this disc");
		return 0;
	}
	if (!x->chain[0])
		snprintf(x->chain, sizeof(x->chain), "%s", id.chain);
	else if (strcmp(x->chain, id.chain)) {
		*res = EXTRACT_DISC_FOREIGN;
		snprintf(what, what_len, "this disc belongs to archive '%s', not '%s': skipped",
			 id.chain, x->chain);
		return 0;
	}
	g = gen_get(x, id.gen, err);
	if (!g)
		return -1;
	if (id.discs)
		g->discs = id.discs;
	if (id.base_gen)
		g->base_gen = id.base_gen;
	if (id.disc <= 64 && id.label[0])
		snprintf(g->labels[id.disc - 1], sizeof(g->labels[0]), "%s", id.label);
	if (was_read(g, id.disc)) {
		*res = EXTRACT_DISC_ALREADY;
		snprintf(what, what_len, "disc %u of generation %u was already read", id.disc, id.gen);
		return 0;
	}
	if (x->npaths && !disc_needed(g, id.disc)) {
		*res = EXTRACT_DISC_NOT_NEEDED;
		snprintf(what, what_len, "disc %u of generation %u holds none of the asked paths: skipped",
			 id.disc, id.gen);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/gen%u", x->work, id.gen);
	if (mkdir_p(dir, 0700, err) < 0)
		return -1;
	for (size_t i = 0; i < v->nfiles; i++) {
		const struct discview_file *f = &v->files[i];
		char name[256], dest[2 * PATH_MAX];
		unsigned gen, no;
		int cat, rc;

		if (!str_ends_with(f->path, ".dar") ||
		    dar_parse_slice_name(f->path, name, sizeof(name), &gen, &cat, &no) < 0 ||
		    strcmp(name, x->chain) || gen != id.gen)
			continue;
		if (cat && g->catalog_ok)
			continue;
		snprintf(dest, sizeof(dest), "%s/%s", dir, path_base(f->path));
		rc = stage_slice(x, v, f, dir, cat, err);
		if (rc < 0)
			return -1;
		if (cat) {
			if (rc)
				g->catalog_ok = 1;
			else
				unlink(dest);
			continue;
		}
		if (no > g->max_slice)
			g->max_slice = no;
		if (rc)
			g->slices++;
		else if (add_bad(x, f->path) < 0)
			return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	}
	if (!g->per_disc && id.discs)
		note_per_disc(g, v, x->chain, &id);
	if (x->npaths && g->catalog_ok && !g->need_known)
		compute_needed(x, g);
	if (mark_read(g, id.disc ? id.disc : 1) < 0)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	x->discs_read++;
	*res = EXTRACT_DISC_USED;
	if (id.discs)
		snprintf(what, what_len, "%s generation %u, disc %u of %u%s%s", id.chain, id.gen,
			 id.disc, id.discs, id.label[0] ? " " : "", id.label);
	else
		snprintf(what, what_len, "%s generation %u, slice %u (bd-archive disc)", id.chain,
			 id.gen, id.disc);
	return 0;
}

int extract_missing(const struct extract_ctx *x, char *buf, size_t len)
{
	size_t used = 0;
	int missing = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < x->ngens; i++) {
		const struct extract_gen *g = &x->gens[i];
		int have_base = !g->base_gen;

		for (size_t k = 0; k < x->ngens && !have_base; k++)
			have_base = x->gens[k].gen == g->base_gen;
		if (!have_base) {
			missing = 1;
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0,
						 "%sa disc of generation %u", used ? ", " : "", g->base_gen);
		}
		if (!g->discs) {
			/* bd-archive discs do not say how many their set has */
			missing = 1;
			if (used < len)
				used += (size_t)snprintf(buf + used, len - used,
							 "%sany further discs of generation %u (their number is not recorded)",
							 used ? ", " : "", g->gen);
		}
		for (unsigned d = 1; d <= g->discs; d++) {
			char label[64];
			if (was_read(g, d) || !disc_needed(g, d))
				continue;
			missing = 1;
			/* a disc not seen yet: its label follows from the naming rule */
			if (d <= 64 && g->labels[d - 1][0])
				snprintf(label, sizeof(label), "%s", g->labels[d - 1]);
			else
				create_label(label, sizeof(label), x->chain, g->gen, d);
			if (used < len)
				used += (size_t)snprintf(buf + used, len - used,
							 "%sdisc %u of %u of generation %u (%s)",
							 used ? ", " : "", d, g->discs, g->gen, label);
		}
	}
	return missing;
}

static int cmp_gen(const void *a, const void *b)
{
	const struct extract_gen *x = a, *y = b;

	return x->gen < y->gen ? -1 : x->gen > y->gen;
}

/* Collect the paths dar could not restore from its output. */
static int parse_dar_output(const char *text, const char *out, FILE *list, unsigned *count)
{
	const char *line = text;
	size_t olen = strlen(out);

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char buf[4096];
		char *p = NULL;

		snprintf(buf, sizeof(buf), "%.*s", (int)n, line);
		if (!strncmp(buf, "Error while restoring ", 22)) {
			char *colon = strstr(buf, " : ");
			p = buf + 22;
			if (colon)
				*colon = '\0';
		} else {
			char *nr = strstr(buf, " not restored");
			if (nr && buf[0] == '/') {
				*nr = '\0';
				p = buf;
			}
		}
		if (p) {
			if (!strncmp(p, out, olen) && p[olen] == '/')
				p += olen + 1;
			fprintf(list, "%s\n", p);
			(*count)++;
		}
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

int extract_restore(struct extract_ctx *x, const char *const *paths, size_t npaths,
		    int *unclean, struct dv_error *err)
{
	char *files = NULL;
	size_t flen = 0;
	FILE *list = open_memstream(&files, &flen);
	unsigned nfiles = 0;
	char outabs[PATH_MAX];
	int rc = -1;

	*unclean = 0;
	if (!list)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	if (!realpath(x->out, outabs))
		snprintf(outabs, sizeof(outabs), "%s", x->out);
	qsort(x->gens, x->ngens, sizeof(x->gens[0]), cmp_gen);
	for (size_t i = 0; i < x->ngens; i++) {
		struct extract_gen *g = &x->gens[i];
		struct spawn_result res;
		char base[PATH_MAX + 600], first[PATH_MAX + 620];
		const char **argv = calloc(16 + 2 * npaths, sizeof(*argv));
		size_t n = 0;
		struct stat st;

		if (!argv)
			goto out;
		if (g->need_none) {
			free(argv);
			continue;
		}
		snprintf(base, sizeof(base), "%s/gen%u/%s-gen%u", x->work, g->gen, x->chain, g->gen);
		snprintf(first, sizeof(first), "%s.0001.dar", base);
		if (stat(first, &st) < 0 && g->gen == 1) {
			/* discs of the original bd-archive: NAME.NNNN.dar */
			snprintf(base, sizeof(base), "%s/gen1/%s", x->work, x->chain);
		}
		log_step("restore");
		log_info("Restoring generation %u with dar (%u intact slices)", g->gen, g->slices);
		argv[n++] = "dar";
		argv[n++] = "-x";
		argv[n++] = base;
		argv[n++] = "-R";
		argv[n++] = outabs;
		argv[n++] = "-w";      /* later generations overwrite and delete */
		argv[n++] = "-O";      /* ownership as the restoring user */
		argv[n++] = "-Q";
		for (size_t k = 0; k < npaths; k++) {
			argv[n++] = "-g";
			argv[n++] = paths[k];
		}
		argv[n] = NULL;
		if (spawn_capture(argv, &res, err) < 0) {
			free(argv);
			goto out;
		}
		free(argv);
		parse_dar_output(res.out ? res.out : "", outabs, list, &nfiles);
		parse_dar_output(res.err ? res.err : "", outabs, list, &nfiles);
		if (res.exit_code != 0 && res.exit_code != 5) {
			log_error("dar failed on generation %u (exit %d): %.300s", g->gen, res.exit_code,
				  res.err && *res.err ? res.err : res.out ? res.out : "");
			fprintf(list, "# generation %u: dar failed (exit %d)\n", g->gen, res.exit_code);
			nfiles++;
		}
		spawn_result_release(&res);
	}
	fclose(list);
	list = NULL;
	if (nfiles || x->nbad) {
		char path[PATH_MAX + 32];
		char *text = NULL;
		size_t tlen = 0;
		FILE *t = open_memstream(&text, &tlen);
		if (!t)
			goto out;
		fprintf(t, "# discvault: files and slices of archive '%s' that could not be restored intact\n",
			x->chain);
		fprintf(t, "## %u file(s) reported by dar as not restored or with bad CRC:\n%s", nfiles,
			files ? files : "");
		fprintf(t, "## %zu slice(s) failed SHA-512 and PAR2 repair:\n", x->nbad);
		for (size_t i = 0; i < x->nbad; i++)
			fprintf(t, "%s\n", x->bad_slices[i]);
		fclose(t);
		snprintf(path, sizeof(path), "%s/corrupted-files.txt", x->out);
		rc = write_file_atomic(path, text, tlen, 0644, err);
		free(text);
		if (rc < 0)
			goto out;
		*unclean = 1;
	}
	rc = 0;
out:
	if (list)
		fclose(list);
	free(files);
	return rc;
}
