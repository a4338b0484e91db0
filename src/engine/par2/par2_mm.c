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

struct mm_arg {
	struct p2_mm *mm;
	unsigned idx;
};

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
	mm->args = calloc(mm->nthreads, sizeof(struct mm_arg));
	if (!mm->threads || !mm->args) {
		free(mm->threads);
		free(mm->args);
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	}
	return 0;
}

/*
 * Thread idx takes outputs idx, idx + T, ... when there are enough outputs
 * to go round (each thread then prepares only its own tables); otherwise
 * the threads split the region and the tables were prepared up front.
 */
static void *mm_worker(void *p)
{
	struct mm_arg *a = p;
	struct p2_mm *mm = a->mm;
	const struct gf16_kernel *k = mm->k;
	size_t row = (size_t)mm->nin * k->tbl_size;
	size_t chunk = k->ideal_chunk;
	unsigned T = mm->active;

	if (mm->split_out) {
		for (unsigned o = a->idx; o < mm->nout; o += T)
			for (unsigned i = 0; i < mm->nin; i++)
				k->prepare(mm->tbls + o * row + (size_t)i * k->tbl_size,
					   mm->coef[(size_t)o * mm->nin + i]);
		for (size_t c = 0; c < mm->len; c += chunk) {
			size_t n = mm->len - c < chunk ? mm->len - c : chunk;

			for (unsigned o = a->idx; o < mm->nout; o += T)
				k->muladd_packed(mm->out[o] + c, mm->in, mm->off + c,
						mm->tbls + o * row, mm->nin, n);
		}
		return NULL;
	}
	/* split the region: chunk-aligned slices */
	size_t nchunks = (mm->len + chunk - 1) / chunk;
	size_t c0 = nchunks * a->idx / T * chunk, c1 = nchunks * (a->idx + 1) / T * chunk;

	if (c1 > mm->len)
		c1 = mm->len;
	for (size_t c = c0; c < c1; c += chunk) {
		size_t n = c1 - c < chunk ? c1 - c : chunk;

		for (unsigned o = 0; o < mm->nout; o++)
			k->muladd_packed(mm->out[o] + c, mm->in, mm->off + c,
					mm->tbls + o * row, mm->nin, n);
	}
	return NULL;
}

void p2_mm_start(struct p2_mm *mm, uint8_t *const *out, unsigned nout,
		 const void *const *in, unsigned nin, size_t off, size_t len,
		 const uint16_t *coef)
{
	const struct gf16_kernel *k = mm->k;
	size_t need = (size_t)nout * nin * k->tbl_size;
	pthread_t *th = mm->threads;
	struct mm_arg *args = mm->args;
	unsigned T = mm->nthreads;

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
	mm->coef = coef;
	if (!nout || !nin || !len)
		return;
	if (nout < 2 * T && len < 2 * k->ideal_chunk * T)
		T = 1;      /* small job: one thread does it all */
	mm->active = T;
	mm->split_out = T == 1 || nout >= 2 * T;
	if (!mm->split_out) {
		size_t row = (size_t)nin * k->tbl_size;

		for (unsigned o = 0; o < nout; o++)
			for (unsigned i = 0; i < nin; i++)
				k->prepare(mm->tbls + o * row + (size_t)i * k->tbl_size,
					   coef[(size_t)o * nin + i]);
	}
	for (unsigned t = 0; t < T; t++) {
		args[t].mm = mm;
		args[t].idx = t;
	}
	if (T == 1) {
		mm_worker(&args[0]);
		return;
	}
	mm->running = (int)T;
	for (unsigned t = 0; t < T; t++)
		if (pthread_create(&th[t], NULL, mm_worker, &args[t])) {
			/* cannot start a thread: do its share here */
			mm_worker(&args[t]);
			th[t] = 0;
		}
}

void p2_mm_wait(struct p2_mm *mm)
{
	pthread_t *th = mm->threads;

	for (int t = 0; t < mm->running; t++)
		if (th[t])
			pthread_join(th[t], NULL);
	mm->running = 0;
}

void p2_mm_release(struct p2_mm *mm)
{
	p2_mm_wait(mm);
	free(mm->tbls);
	free(mm->threads);
	free(mm->args);
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
