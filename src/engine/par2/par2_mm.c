/*
 * par2_mm.c - the multiply-add driver: out[o] ^= sum_i coef[o][i] * in[i]
 * over block-sized regions, on worker threads, cache-blocked (each thread
 * walks the region in kernel-sized chunks and, per chunk, accumulates all
 * inputs of the batch into one output before moving to the next). Also a
 * small parallel-for and the GF(2^16) matrix inversion repair needs.
 */
#include "engine/par2/par2_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/banned.h"

unsigned p2_threads(unsigned requested)
{
	long n;

	if (requested)
		return requested > 64 ? 64 : requested;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

uint64_t p2_memory_limit(uint64_t requested)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	uint64_t lim;

	if (requested)
		return requested;
	lim = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize / 8 : 0;
	return lim < (256u << 20) ? (256u << 20) : lim;
}

int p2_mm_init(struct p2_mm *mm, unsigned nthreads, struct dv_error *err)
{
	memset(mm, 0, sizeof(*mm));
	mm->k = gf16_kernel_default();
	mm->nthreads = p2_threads(nthreads);
	mm->threads = calloc(mm->nthreads, sizeof(pthread_t));
	if (!mm->threads)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	return 0;
}

/*
 * Take work items until none is left. Item i covers region chunk
 * i / groups (kernel-sized, so the inputs' slice stays in cache while the
 * threads go through the outputs) and outputs group i % groups of it.
 */
static void *mm_worker(void *p)
{
	struct p2_mm *mm = p;
	const struct gf16_kernel *k = mm->k;
	size_t row = (size_t)mm->nin * k->tbl_size;
	uint64_t groups = (mm->nout + mm->group - 1) / mm->group, i;

	while ((i = __atomic_fetch_add(&mm->next, 1, __ATOMIC_RELAXED)) < mm->nitems) {
		size_t c = (size_t)(i / groups) * mm->chunk;
		size_t n = mm->len - c < mm->chunk ? mm->len - c : mm->chunk;
		unsigned o0 = (unsigned)(i % groups) * mm->group;
		unsigned o1 = o0 + mm->group < mm->nout ? o0 + mm->group : mm->nout;

		for (unsigned o = o0; o < o1; o++)
			k->muladd_packed(mm->out[o] + c, mm->in, mm->off + c,
					 mm->tbls + o * row, mm->nin, n);
	}
	return NULL;
}

/*
 * Start out[o] ^= sum_i coef[o][i] * in[i] on the worker threads and
 * return; p2_mm_wait() joins in and returns when all is done. The caller
 * keeps in, out and coef unchanged until then. -1 (nothing started) when
 * the tables do not fit in memory.
 */
int p2_mm_start(struct p2_mm *mm, uint8_t *const *out, unsigned nout,
		const void *const *in, unsigned nin, size_t off, size_t len,
		const uint16_t *coef)
{
	const struct gf16_kernel *k = mm->k;
	size_t need = (size_t)nout * nin * k->tbl_size, row = (size_t)nin * k->tbl_size;
	pthread_t *th = mm->threads;
	unsigned T = mm->nthreads;
	uint64_t nchunks;

	if (need > mm->tbls_size) {
		free(mm->tbls);
		mm->tbls = p2_aligned(need);
		mm->tbls_size = mm->tbls ? need : 0;
	}
	mm->out = out;
	mm->nout = nout;
	mm->in = in;
	mm->nin = nin;
	mm->off = off;
	mm->len = len;
	mm->nitems = 0;
	mm->next = 0;
	mm->running = 0;
	if (!nout || !nin || !len)
		return 0;
	if (!mm->tbls)
		return -1;
	for (unsigned o = 0; o < nout; o++)
		for (unsigned i = 0; i < nin; i++)
			k->prepare(mm->tbls + o * row + (size_t)i * k->tbl_size,
				   coef[(size_t)o * nin + i]);
	/* about 8 items per thread at least, chunks a multiple of the unit */
	mm->chunk = k->ideal_chunk;
	mm->group = nout < 8 ? nout : 8;
	nchunks = (len + mm->chunk - 1) / mm->chunk;
	while (nchunks * ((nout + mm->group - 1) / mm->group) < 8 * (uint64_t)T &&
	       mm->chunk >= 2 * k->packed_unit && mm->chunk >= 4096) {
		mm->chunk /= 2;
		nchunks = (len + mm->chunk - 1) / mm->chunk;
	}
	mm->nitems = nchunks * ((nout + mm->group - 1) / mm->group);
	if ((uint64_t)len * nin * nout < (1u << 20))
		T = 0;      /* small job: the caller does it in p2_mm_wait() */
	for (unsigned t = 0; t < T; t++)
		if (!pthread_create(&th[t], NULL, mm_worker, mm))
			mm->running++;
		else
			break;
	return 0;
}

void p2_mm_wait(struct p2_mm *mm)
{
	pthread_t *th = mm->threads;

	if (mm->nitems)
		mm_worker(mm);
	for (int t = 0; t < mm->running; t++)
		pthread_join(th[t], NULL);
	mm->running = 0;
	mm->nitems = 0;
}

void p2_mm_release(struct p2_mm *mm)
{
	p2_mm_wait(mm);
	free(mm->tbls);
	free(mm->threads);
	memset(mm, 0, sizeof(*mm));
}

struct pf_arg {
	void (*fn)(void *ctx, uint32_t i);
	void *ctx;
	uint32_t n;
	unsigned idx, T;
};

static void *pf_worker(void *p)
{
	struct pf_arg *a = p;

	for (uint32_t i = a->idx; i < a->n; i += a->T)
		a->fn(a->ctx, i);
	return NULL;
}

void p2_parallel_for(unsigned nthreads, uint32_t n,
		     void (*fn)(void *ctx, uint32_t i), void *ctx)
{
	unsigned T = p2_threads(nthreads);
	pthread_t th[64];
	struct pf_arg a[64];
	int started[64] = { 0 };

	if (T > n)
		T = n ? n : 1;
	for (unsigned t = 0; t < T; t++) {
		a[t] = (struct pf_arg){ fn, ctx, n, t, T };
		if (t > 0 && !pthread_create(&th[t], NULL, pf_worker, &a[t]))
			started[t] = 1;
	}
	pf_worker(&a[0]);
	for (unsigned t = 1; t < T; t++)
		if (started[t])
			pthread_join(th[t], NULL);
		else
			pf_worker(&a[t]);
}

int p2_gf_invert(uint16_t *a, uint32_t m)
{
	uint16_t *inv = calloc((size_t)m * m, sizeof(*inv));

	if (!inv)
		return -1;
	for (uint32_t i = 0; i < m; i++)
		inv[(size_t)i * m + i] = 1;
	for (uint32_t c = 0; c < m; c++) {
		uint32_t p = c;

		while (p < m && !a[(size_t)p * m + c])
			p++;
		if (p == m) {
			free(inv);
			return -1;
		}
		if (p != c)
			for (uint32_t j = 0; j < m; j++) {
				uint16_t t = a[(size_t)p * m + j];

				a[(size_t)p * m + j] = a[(size_t)c * m + j];
				a[(size_t)c * m + j] = t;
				t = inv[(size_t)p * m + j];
				inv[(size_t)p * m + j] = inv[(size_t)c * m + j];
				inv[(size_t)c * m + j] = t;
			}
		uint16_t f = gf16_inv(a[(size_t)c * m + c]);

		for (uint32_t j = 0; j < m; j++) {
			a[(size_t)c * m + j] = gf16_mul(a[(size_t)c * m + j], f);
			inv[(size_t)c * m + j] = gf16_mul(inv[(size_t)c * m + j], f);
		}
		for (uint32_t r = 0; r < m; r++) {
			uint16_t g = a[(size_t)r * m + c];

			if (r == c || !g)
				continue;
			for (uint32_t j = 0; j < m; j++) {
				a[(size_t)r * m + j] ^= gf16_mul(g, a[(size_t)c * m + j]);
				inv[(size_t)r * m + j] ^= gf16_mul(g, inv[(size_t)c * m + j]);
			}
		}
	}
	memcpy(a, inv, (size_t)m * m * sizeof(*a));
	free(inv);
	return 0;
}
