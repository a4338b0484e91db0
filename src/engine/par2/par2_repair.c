/*
 * par2_repair.c - rebuilding damaged and missing files. The missing blocks
 * x solve A x = r, where A[j][c] is the coefficient of missing block c in
 * recovery block j and r is that recovery block minus the contribution of
 * every block still present. A is inverted by Gauss-Jordan elimination; if
 * the chosen recovery blocks give a singular matrix, other subsets are
 * tried. The work runs over byte ranges of the blocks so its memory stays
 * within the budget. Each rebuilt file is written to a temporary name,
 * checked against its MD5, and only then swapped in, the damaged original
 * kept as NAME.1 (or the next free number).
 */
#include "engine/par2/par2_internal.h"
#include "engine/hash/md5mb.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/fileio.h"
#include "platform/banned.h"

struct repairer {
	struct p2_scan *s;
	const struct par2_options *opt;
	struct dv_error *err;
	uint32_t m;               /* missing blocks */
	uint32_t *miss;           /* their global indices */
	uint32_t *use;            /* indices into set.recv used */
	uint16_t *inv;            /* m x m inverse */
	uint16_t *logs;
	int *src_fd;              /* per target, -1 if absent */
	int *par_fd;              /* per .par2 path */
	int *new_fd;              /* per set file being rebuilt, else -1 */
	uint32_t *owner;          /* set file of each block */
	char **new_path;
	uint64_t done, total;
};

static int write_all(int fd, const uint8_t *buf, size_t n, uint64_t off)
{
	while (n) {
		ssize_t r = pwrite(fd, buf, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static void progress(struct repairer *rp, uint64_t add)
{
	rp->done += add;
	if (rp->opt->progress)
		rp->opt->progress(rp->opt->progress_ctx, "repair", rp->done, rp->total);
}

/* Pick m recovery blocks whose matrix is invertible. */
static int choose_recovery(struct repairer *rp)
{
	struct p2_set *set = &rp->s->set;
	uint32_t m = rp->m, n = set->nrecv;
	uint64_t seed = 0x243F6A8885A308D3ull;

	rp->inv = malloc(sizeof(uint16_t) * m * m + 2);
	if (!rp->inv)
		return dv_error_set(rp->err, DV_ERR_FAIL, "out of memory");
	for (uint32_t attempt = 0; attempt < 64; attempt++) {
		if (attempt <= n - m) {
			for (uint32_t j = 0; j < m; j++)
				rp->use[j] = attempt + j;
		} else {
			/* a random subset (partial Fisher-Yates) */
			uint32_t *pick = malloc(sizeof(uint32_t) * n);

			if (!pick)
				return dv_error_set(rp->err, DV_ERR_FAIL, "out of memory");
			for (uint32_t j = 0; j < n; j++)
				pick[j] = j;
			for (uint32_t j = 0; j < m; j++) {
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				uint32_t k = j + (uint32_t)((seed >> 33) % (n - j)), t = pick[j];

				pick[j] = pick[k];
				pick[k] = t;
				rp->use[j] = pick[j];
			}
			free(pick);
		}
		for (uint32_t j = 0; j < m; j++)
			for (uint32_t c = 0; c < m; c++)
				rp->inv[(size_t)j * m + c] = gf16_coef(rp->logs[rp->miss[c]],
					set->recv[rp->use[j]].exponent);
		if (p2_gf_invert(rp->inv, m) == 0)
			return 0;
		if (n == m)
			break;
	}
	return dv_error_set(rp->err, DV_ERR_MISMATCH,
			    "the recovery blocks available give a singular matrix");
}

/* Compute the missing blocks over bytes [a, a+len) and write them out. */
static int solve_range(struct repairer *rp, struct p2_mm *mm, uint8_t **rhs,
		       uint8_t **out, uint8_t *inbuf, unsigned B, uint64_t a,
		       size_t len)
{
	struct p2_scan *s = rp->s;
	struct p2_set *set = &s->set;
	uint32_t m = rp->m;
	const void *in[2][16];
	uint16_t *coef[2];
	uint32_t gid[2][16];
	unsigned n = 0;
	int cur = 0, rc = -1;

	coef[0] = malloc(sizeof(uint16_t) * m * 16);
	coef[1] = malloc(sizeof(uint16_t) * m * 16);
	if (!coef[0] || !coef[1]) {
		dv_error_set(rp->err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	for (uint32_t j = 0; j < m; j++) {
		const struct p2_recv *r = &set->recv[rp->use[j]];

		if (pread_zero_fill(rp->par_fd[r->src], rhs[j], len, r->offset + a)) {
			dv_error_errno(rp->err, errno, "cannot read '%s'", set->paths[r->src]);
			goto out;
		}
		mm->k->pack(rhs[j], rhs[j], len);
	}
	/* r_j ^= sum over present blocks of coef * block */
	for (uint32_t g = 0; g <= set->nblocks; g++) {
		if (g < set->nblocks) {
			const struct p2_found *f = &s->found[g];

			if (f->src < 0)
				continue;
			uint8_t *dst = inbuf + ((size_t)cur * B + n) * len;

			if (pread_zero_fill(rp->src_fd[f->src], dst, len, f->offset + a)) {
				dv_error_errno(rp->err, errno, "cannot read '%s'",
					       s->targets[f->src]);
				goto out;
			}
			/* a block of a file being rebuilt goes straight in */
			uint32_t fi = rp->owner[g];

			if (rp->new_fd[fi] >= 0) {
				const struct p2_file *pf = &set->files[fi];
				uint64_t off = (uint64_t)(g - pf->first_block) * set->block_size + a;

				if (off < pf->size &&
				    write_all(rp->new_fd[fi], dst, pf->size - off < len ?
					      (size_t)(pf->size - off) : len, off)) {
					dv_error_errno(rp->err, errno, "cannot write '%s'",
						       rp->new_path[fi]);
					goto out;
				}
			}
			mm->k->pack(dst, dst, len);
			in[cur][n] = dst;
			gid[cur][n] = g;
			n++;
			progress(rp, len);
		}
		if (n && (n == B || g == set->nblocks)) {
			for (uint32_t j = 0; j < m; j++)
				for (unsigned i = 0; i < n; i++)
					coef[cur][(size_t)j * n + i] = gf16_coef(
						rp->logs[gid[cur][i]],
						set->recv[rp->use[j]].exponent);
			p2_mm_wait(mm);
			if (p2_mm_start(mm, rhs, m, in[cur], n, 0, len, coef[cur])) {
				dv_error_set(rp->err, DV_ERR_FAIL, "out of memory");
				goto out;
			}
			cur = !cur;
			n = 0;
		}
	}
	p2_mm_wait(mm);
	/* x = inv * r, sixteen inputs at a time */
	for (uint32_t c = 0; c < m; c++)
		memset(out[c], 0, len);
	for (uint32_t j0 = 0; j0 < m; j0 += 16) {
		unsigned k = m - j0 < 16 ? m - j0 : 16;

		for (uint32_t c = 0; c < m; c++)
			for (unsigned i = 0; i < k; i++)
				coef[0][(size_t)c * k + i] = rp->inv[(size_t)c * m + j0 + i];
		if (p2_mm_start(mm, out, m, (const void *const *)(rhs + j0), k, 0, len, coef[0])) {
			dv_error_set(rp->err, DV_ERR_FAIL, "out of memory");
			goto out;
		}
		p2_mm_wait(mm);
	}
	for (uint32_t c = 0; c < m; c++) {
		uint32_t g = rp->miss[c];

		mm->k->unpack(out[c], out[c], len);
		for (uint32_t i = 0; i < set->nfiles; i++) {
			const struct p2_file *f = &set->files[i];

			if (g < f->first_block || g >= f->first_block + f->nblocks)
				continue;
			uint64_t off = (uint64_t)(g - f->first_block) * set->block_size + a;

			if (off < f->size) {
				size_t w = f->size - off < len ? (size_t)(f->size - off) : len;

				if (write_all(rp->new_fd[i], out[c], w, off)) {
					dv_error_errno(rp->err, errno, "cannot write '%s'",
						       rp->new_path[i]);
					goto out;
				}
			}
		}
	}
	rc = 0;
out:
	p2_mm_wait(mm);
	free(coef[0]);
	free(coef[1]);
	return rc;
}

/* Copy the blocks of file i that were found intact into its new version. */
static int copy_present(struct repairer *rp, uint32_t i, uint8_t *buf)
{
	struct p2_scan *s = rp->s;
	const struct p2_file *f = &s->set.files[i];
	uint64_t bs = s->set.block_size;

	for (uint32_t b = 0; b < f->nblocks; b++) {
		const struct p2_found *fd = &s->found[f->first_block + b];
		uint64_t off = (uint64_t)b * bs;
		size_t w = f->size - off < bs ? (size_t)(f->size - off) : (size_t)bs;

		if (fd->src < 0)
			continue;
		if (pread_zero_fill(rp->src_fd[fd->src], buf, w, fd->offset) ||
		    write_all(rp->new_fd[i], buf, w, off))
			return dv_error_errno(rp->err, errno, "cannot copy into '%s'",
					      rp->new_path[i]);
		progress(rp, w);
	}
	return 0;
}

struct check_job {
	const struct p2_file *f;
	uint64_t bs;
	int fd;
	unsigned idx, T;
	int bad;                  /* -1 read error, 1 mismatch */
};

/*
 * Read back groups of K blocks (groups idx, idx + T, ...), MD5 them in
 * vector lanes and compare with the IFSC.
 */
static void *check_blocks(void *p)
{
	struct check_job *j = p;
	size_t bs = (size_t)j->bs;
	unsigned K = p2_batch_blocks(j->bs);
	uint8_t *buf = malloc(bs * K), md5[P2_BATCH_MAX][16];
	const void *ptr[P2_BATCH_MAX];

	if (!buf) {
		j->bad = -1;
		return NULL;
	}
	for (uint32_t b0 = j->idx * K; b0 < j->f->nblocks && !j->bad; b0 += j->T * K) {
		unsigned n = j->f->nblocks - b0 < K ? j->f->nblocks - b0 : K;
		uint64_t off = (uint64_t)b0 * j->bs;
		size_t w = j->f->size - off < bs * n ? (size_t)(j->f->size - off) : bs * n;

		if (pread_zero_fill(j->fd, buf, w, off)) {
			j->bad = -1;
			break;
		}
		memset(buf + w, 0, bs * n - w);
		for (unsigned i = 0; i < n; i++)
			ptr[i] = buf + (size_t)i * bs;
		md5mb_digest_many(ptr, bs, md5, n);
		for (unsigned i = 0; i < n; i++)
			if (memcmp(md5[i], j->f->ifsc[b0 + i].md5, 16))
				j->bad = 1;
	}
	free(buf);
	return NULL;
}

/*
 * Read the new file back and check it before it replaces anything: every
 * block against its MD5 from the IFSC packet, on all threads (the blocks
 * and the length determine the file), or the whole-file MD5 when the set
 * has no block hashes for it.
 */
static int check_md5(struct repairer *rp, uint32_t i, uint8_t *buf, size_t n)
{
	const struct p2_file *f = &rp->s->set.files[i];
	struct p2_md5 md;
	uint8_t sum[16];
	uint64_t off = 0;
	struct stat st;

	if (fsync(rp->new_fd[i]) || fstat(rp->new_fd[i], &st))
		return dv_error_errno(rp->err, errno, "cannot write '%s'", rp->new_path[i]);
	if ((uint64_t)st.st_size != f->size)
		return dv_error_set(rp->err, DV_ERR_MISMATCH,
				    "repaired '%s' has the wrong size", f->name);
	if (f->ifsc) {
		unsigned T = p2_threads(rp->opt->threads);
		struct check_job jobs[64];
		pthread_t th[64];
		int started[64] = { 0 }, bad = 0;

		for (unsigned t = 0; t < T; t++) {
			jobs[t] = (struct check_job){ f, rp->s->set.block_size,
						      rp->new_fd[i], t, T, 0 };
			if (t && !pthread_create(&th[t], NULL, check_blocks, &jobs[t]))
				started[t] = 1;
		}
		check_blocks(&jobs[0]);
		for (unsigned t = 1; t < T; t++) {
			if (started[t])
				pthread_join(th[t], NULL);
			else
				check_blocks(&jobs[t]);
		}
		for (unsigned t = 0; t < T; t++)
			if (jobs[t].bad && (!bad || jobs[t].bad < 0))
				bad = jobs[t].bad;
		if (bad < 0)
			return dv_error_errno(rp->err, errno, "cannot read '%s'", rp->new_path[i]);
		if (bad)
			return dv_error_set(rp->err, DV_ERR_MISMATCH,
					    "repaired '%s' does not match its block hashes", f->name);
		progress(rp, f->size);
		return 0;
	}
	if (p2_md5_init(&md))
		return dv_error_set(rp->err, DV_ERR_FAIL, "cannot start MD5");
	while (off < f->size) {
		size_t w = f->size - off < n ? (size_t)(f->size - off) : n;

		if (pread_zero_fill(rp->new_fd[i], buf, w, off)) {
			p2_md5_release(&md);
			return dv_error_errno(rp->err, errno, "cannot read '%s'", rp->new_path[i]);
		}
		p2_md5_update(&md, buf, w);
		off += w;
	}
	p2_md5_final(&md, sum);
	if (memcmp(sum, f->md5, 16))
		return dv_error_set(rp->err, DV_ERR_MISMATCH,
				    "repaired '%s' does not match its MD5", f->name);
	return 0;
}

/* Keep the damaged original as NAME.1 (or the first free number). */
static int swap_in(struct repairer *rp, uint32_t i)
{
	const char *target = rp->s->targets[i];
	size_t n = strlen(target) + 16;
	char *keep = malloc(n);
	struct stat st;
	int rc = -1;

	if (!keep)
		return dv_error_set(rp->err, DV_ERR_FAIL, "out of memory");
	if (lstat(target, &st) == 0) {
		if (rp->opt->purge_backups) {
			if (unlink(target))
				goto fail;
		} else {
			for (unsigned k = 1;; k++) {
				snprintf(keep, n, "%s.%u", target, k);
				if (lstat(keep, &st) && errno == ENOENT)
					break;
			}
			if (rename(target, keep))
				goto fail;
		}
	}
	if (rename(rp->new_path[i], target))
		goto fail;
	rc = 0;
	goto out;
fail:
	dv_error_errno(rp->err, errno, "cannot replace '%s'", target);
out:
	free(keep);
	return rc;
}

static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(path, 0755) && errno != EEXIST) {
				*p = '/';
				return -1;
			}
			*p = '/';
		}
	return 0;
}

int par2_repair(const char *par2_path, const struct par2_options *opt,
		struct par2_report *rep, struct dv_error *err)
{
	struct par2_options defaults = PAR2_OPTIONS_INIT;
	struct repairer rp;
	struct p2_scan s;
	struct p2_set *set = &s.set;
	struct p2_mm mm;
	uint8_t **rhs = NULL, **out = NULL, *inbuf = NULL, *buf = NULL;
	int rc, mm_ok = 0;
	size_t buflen = 1u << 20;

	memset(&rp, 0, sizeof(rp));
	rp.opt = opt ? opt : &defaults;
	rp.err = err;
	rp.s = &s;
	rc = p2_scan_run(&s, par2_path, rp.opt, 1, rep, err);
	if (rc != PAR2_REPAIRABLE)
		goto done;
	rc = -1;
	rp.m = s.missing;
	rp.miss = malloc(sizeof(uint32_t) * (rp.m + 1));
	rp.use = malloc(sizeof(uint32_t) * (rp.m + 1));
	rp.logs = malloc(sizeof(uint16_t) * (set->nblocks + 1));
	rp.src_fd = malloc(sizeof(int) * (s.ntargets + 1));
	rp.par_fd = malloc(sizeof(int) * (set->npaths + 1));
	rp.new_fd = malloc(sizeof(int) * (set->nfiles + 1));
	rp.new_path = calloc(set->nfiles + 1, sizeof(char *));
	buf = malloc(buflen > set->block_size ? buflen : (size_t)set->block_size);
	if (!rp.miss || !rp.use || !rp.logs || !rp.src_fd || !rp.par_fd ||
	    !rp.new_fd || !rp.new_path || !buf) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto done;
	}
	for (uint32_t i = 0; i < s.ntargets; i++)
		rp.src_fd[i] = s.targets[i] ? open(s.targets[i], O_RDONLY | O_CLOEXEC) : -1;
	for (uint32_t i = 0; i < set->npaths; i++)
		rp.par_fd[i] = open(set->paths[i], O_RDONLY | O_CLOEXEC);
	for (uint32_t i = 0; i < set->nfiles; i++)
		rp.new_fd[i] = -1;
	gf16_input_logs(rp.logs, set->nblocks);
	rp.owner = malloc(sizeof(uint32_t) * (set->nblocks + 1));
	if (!rp.owner) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto done;
	}
	for (uint32_t i = 0; i < set->nfiles; i++)
		for (uint32_t b = 0; b < set->files[i].nblocks; b++)
			rp.owner[set->files[i].first_block + b] = i;
	uint32_t k = 0;
	for (uint32_t g = 0; g < set->nblocks; g++)
		if (s.found[g].src < 0)
			rp.miss[k++] = g;
	if (rp.m && choose_recovery(&rp))
		goto done;

	/* temporary outputs for every file that is not intact */
	for (uint32_t i = 0; i < set->nfiles; i++) {
		size_t n;

		if (s.state[i] == PAR2_FILE_OK)
			continue;
		n = strlen(s.targets[i]) + 16;
		rp.new_path[i] = malloc(n);
		if (!rp.new_path[i]) {
			dv_error_set(err, DV_ERR_FAIL, "out of memory");
			goto done;
		}
		snprintf(rp.new_path[i], n, "%s.dvrepair", s.targets[i]);
		make_dirs(rp.new_path[i]);
		rp.new_fd[i] = open(rp.new_path[i], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (rp.new_fd[i] < 0 || ftruncate(rp.new_fd[i], (off_t)set->files[i].size)) {
			dv_error_errno(err, errno, "cannot create '%s'", rp.new_path[i]);
			goto done;
		}
		rp.total += set->files[i].size;
	}

	if (rp.m) {
		uint64_t limit = p2_memory_limit(rp.opt->memory_limit), bs = set->block_size;
		unsigned B = 16;
		/* rhs and out: 2m regions; input: 2B regions */
		uint64_t L = limit / (2 * (uint64_t)rp.m + 2 * B);

		if (L >= bs)
			L = bs;
		else
			L = L < 4096 ? 4096 : L & ~(uint64_t)63;
		if (L > bs)
			L = bs;
		if (p2_mm_init(&mm, rp.opt->threads, err))
			goto done;
		mm_ok = 1;
		rhs = calloc(rp.m, sizeof(*rhs));
		out = calloc(rp.m, sizeof(*out));
		inbuf = p2_aligned((size_t)(2 * B * L));
		if (!rhs || !out || !inbuf) {
			dv_error_set(err, DV_ERR_FAIL, "out of memory");
			goto done;
		}
		for (uint32_t j = 0; j < rp.m; j++) {
			rhs[j] = p2_aligned((size_t)L);
			out[j] = p2_aligned((size_t)L);
			if (!rhs[j] || !out[j]) {
				dv_error_set(err, DV_ERR_FAIL, "out of memory");
				goto done;
			}
		}
		rp.total += (uint64_t)(set->nblocks - rp.m) * bs;
		for (uint64_t a = 0; a < bs; a += L) {
			size_t len = bs - a < L ? (size_t)(bs - a) : (size_t)L;

			if (solve_range(&rp, &mm, rhs, out, inbuf, B, a, len))
				goto done;
		}
	}
	/* present blocks were copied while solving; without missing blocks
	 * (a file only too long, say) copy them now */
	for (uint32_t i = 0; i < set->nfiles; i++)
		if (rp.new_fd[i] >= 0 && ((!rp.m && copy_present(&rp, i, buf)) ||
		    check_md5(&rp, i, buf, buflen)))
			goto done;
	for (uint32_t i = 0; i < set->nfiles; i++) {
		if (rp.new_fd[i] < 0)
			continue;
		if (close(rp.new_fd[i])) {
			rp.new_fd[i] = -1;
			dv_error_errno(err, errno, "cannot write '%s'", rp.new_path[i]);
			goto done;
		}
		rp.new_fd[i] = -1;
	}
	for (uint32_t i = 0; i < set->nfiles; i++) {
		if (!rp.new_path[i])
			continue;
		if (swap_in(&rp, i))
			goto done;
		free(rp.new_path[i]);
		rp.new_path[i] = NULL;
		rep->files[i].state = PAR2_FILE_REPAIRED;
	}
	rep->recovery_used = rp.m;
	rc = PAR2_OK;
done:
	if (mm_ok)
		p2_mm_release(&mm);
	for (uint32_t j = 0; j < rp.m && rhs; j++)
		free(rhs[j]);
	for (uint32_t j = 0; j < rp.m && out; j++)
		free(out[j]);
	free(rhs);
	free(out);
	free(inbuf);
	free(buf);
	for (uint32_t i = 0; rp.src_fd && i < s.ntargets; i++)
		if (rp.src_fd[i] >= 0)
			close(rp.src_fd[i]);
	for (uint32_t i = 0; rp.par_fd && i < set->npaths; i++)
		if (rp.par_fd[i] >= 0)
			close(rp.par_fd[i]);
	for (uint32_t i = 0; rp.new_fd && i < set->nfiles; i++) {
		if (rp.new_fd[i] >= 0)
			close(rp.new_fd[i]);
		if (rp.new_path[i]) {
			unlink(rp.new_path[i]);
			free(rp.new_path[i]);
		}
	}
	free(rp.new_path);
	free(rp.new_fd);
	free(rp.src_fd);
	free(rp.par_fd);
	free(rp.miss);
	free(rp.use);
	free(rp.inv);
	free(rp.logs);
	free(rp.owner);
	p2_scan_release(&s);
	return rc;
}
