/*
 * par2_read.c - reading .par2 files: scan for packet headers, reject every
 * packet whose length, MD5, set ID or body does not check out (one at a
 * time, carrying on with the rest), and build the recovery-set model: the
 * files in main-packet order with their descriptions and block hashes, and
 * where each intact recovery block lies.
 */
#include "engine/par2/par2_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/banned.h"

enum { PK_MAIN, PK_DESC, PK_IFSC, PK_RECV };

struct pkt {
	int type;
	uint8_t set_id[16];
	uint32_t src;
	int preferred;
	uint64_t data_off;        /* RECV: offset of the recovery data */
	uint64_t body_len;
	uint8_t *body;            /* copy of the body (not for RECV) */
	uint32_t exponent;
};

struct p2_reader {
	struct pkt *p;
	size_t n, cap;
	uint32_t bad;
	uint32_t ok;
	int skip_md5;
};

void p2_reader_skip_md5(struct p2_reader *r, int skip)
{
	r->skip_md5 = skip;
}

struct p2_reader *p2_reader_new(void)
{
	return calloc(1, sizeof(struct p2_reader));
}

void p2_reader_free(struct p2_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->p[i].body);
	free(r->p);
	free(r);
}

static struct pkt *reader_push(struct p2_reader *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct pkt *p = realloc(r->p, cap * sizeof(*p));

		if (!p)
			return NULL;
		r->p = p;
		r->cap = cap;
	}
	memset(&r->p[r->n], 0, sizeof(r->p[0]));
	return &r->p[r->n++];
}

void p2_reader_add(struct p2_reader *r, const uint8_t *buf, size_t len,
		   uint32_t src, int preferred)
{
	size_t i = 0;

	while (i + P2_HDR <= len) {
		const uint8_t *m = memmem(buf + i, len - i, P2_MAGIC, 8), *p;
		uint64_t plen;
		uint8_t md5[16];
		int type;

		if (!m)
			break;
		p = m;
		i = (size_t)(p - buf);
		if (len - i < P2_HDR) {
			r->bad++;
			break;
		}
		plen = p2_get64(p + 8);
		if (plen < P2_HDR || plen % 4 || plen > len - i) {
			r->bad++;
			i += 8;
			continue;
		}
		if (!r->skip_md5)
			p2_md5(p + 32, (size_t)plen - 32, md5);
		if (!r->skip_md5 && memcmp(md5, p + 16, 16)) {
			r->bad++;
			i += 8;
			continue;
		}
		if (!memcmp(p + 48, P2_TYPE_MAIN, 16))
			type = PK_MAIN;
		else if (!memcmp(p + 48, P2_TYPE_DESC, 16))
			type = PK_DESC;
		else if (!memcmp(p + 48, P2_TYPE_IFSC, 16))
			type = PK_IFSC;
		else if (!memcmp(p + 48, P2_TYPE_RECV, 16))
			type = PK_RECV;
		else
			type = -1;      /* Creator and unknown types: skipped */
		r->ok++;
		if (type >= 0) {
			struct pkt *k = reader_push(r);

			if (!k)
				break;
			k->type = type;
			memcpy(k->set_id, p + 32, 16);
			k->src = src;
			k->preferred = preferred;
			k->body_len = plen - P2_HDR;
			if (type == PK_RECV) {
				if (k->body_len < 4) {
					r->n--;
					r->bad++;
				} else {
					k->exponent = p2_get32(p + P2_HDR);
					k->data_off = i + P2_HDR + 4;
				}
			} else {
				k->body = malloc(k->body_len ? (size_t)k->body_len : 1);
				if (!k->body) {
					r->n--;
					break;
				}
				memcpy(k->body, p + P2_HDR, (size_t)k->body_len);
			}
		}
		i += (size_t)plen;
	}
}

static int recv_cmp(const void *a, const void *b)
{
	const struct p2_recv *x = a, *y = b;

	return x->exponent < y->exponent ? -1 : x->exponent > y->exponent;
}

static struct p2_file *file_by_id(struct p2_set *s, const uint8_t *id)
{
	for (uint32_t i = 0; i < s->nfiles; i++)
		if (!memcmp(s->files[i].id, id, 16))
			return &s->files[i];
	return NULL;
}

int p2_reader_resolve(struct p2_reader *r, struct p2_set *s, struct dv_error *err)
{
	const struct pkt *main = NULL;

	s->packets_bad += r->bad;
	s->packets_ok += r->ok;
	/* The set is the one of the first valid main packet, preferring the
	 * file the user named. */
	for (int pass = 0; pass < 2 && !main; pass++)
		for (size_t i = 0; i < r->n; i++) {
			const struct pkt *k = &r->p[i];

			if (k->type != PK_MAIN || (pass == 0 && !k->preferred))
				continue;
			if (k->body_len < 12)
				continue;
			uint64_t bs = p2_get64(k->body);
			uint32_t nf = p2_get32(k->body + 8);

			if (!bs || bs % 4 || bs > (1ull << 40) ||
			    (k->body_len - 12) / 16 < nf || (k->body_len - 12) % 16)
				continue;
			main = k;
			break;
		}
	if (!main)
		return dv_error_set(err, DV_ERR_MISMATCH,
				    "no valid main packet found");
	p2_md5(main->body, (size_t)main->body_len, s->set_id);
	s->have_main = 1;
	s->block_size = p2_get64(main->body);
	s->nfiles = p2_get32(main->body + 8);
	s->files = calloc(s->nfiles ? s->nfiles : 1, sizeof(*s->files));
	s->recv = calloc(1, sizeof(*s->recv));
	if (!s->files || !s->recv)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	for (uint32_t i = 0; i < s->nfiles; i++)
		memcpy(s->files[i].id, main->body + 12 + 16 * i, 16);

	size_t nrecv = 0, cap = 1;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->n; i++) {
			const struct pkt *k = &r->p[i];
			struct p2_file *f;

			if (memcmp(k->set_id, s->set_id, 16)) {
				if (pass == 0 && k->preferred)
					s->packets_bad++;
				continue;
			}
			if (pass == 0 && k->type == PK_DESC) {
				if (k->body_len < 57)
					goto bad;
				f = file_by_id(s, k->body);
				if (!f)
					goto bad;
				if (f->have_desc)
					continue;
				uint64_t size = p2_get64(k->body + 48);
				size_t nl = strnlen((const char *)k->body + 56,
						    (size_t)k->body_len - 56);
				uint64_t nb = (size + s->block_size - 1) / s->block_size;

				if (!nl || nb > P2_MAX_BLOCKS ||
				    (size <= 16384 && memcmp(k->body + 16, k->body + 32, 16)))
					goto bad;
				f->name = strndup((const char *)k->body + 56, nl);
				if (!f->name)
					return dv_error_set(err, DV_ERR_FAIL, "out of memory");
				f->have_desc = 1;
				memcpy(f->md5, k->body + 16, 16);
				memcpy(f->md5_16k, k->body + 32, 16);
				f->size = size;
				f->nblocks = (uint32_t)nb;
			} else if (pass == 1 && k->type == PK_IFSC) {
				if (k->body_len < 16 || (k->body_len - 16) % 20)
					goto bad;
				f = file_by_id(s, k->body);
				if (!f || !f->have_desc ||
				    (k->body_len - 16) / 20 != f->nblocks)
					goto bad;
				if (f->ifsc)
					continue;
				f->ifsc = calloc(f->nblocks + 1, sizeof(*f->ifsc));
				if (!f->ifsc)
					return dv_error_set(err, DV_ERR_FAIL, "out of memory");
				for (uint32_t b = 0; b < f->nblocks; b++) {
					memcpy(f->ifsc[b].md5, k->body + 16 + 20 * b, 16);
					f->ifsc[b].crc = p2_get32(k->body + 32 + 20 * b);
				}
			} else if (pass == 1 && k->type == PK_RECV) {
				if (k->body_len != 4 + s->block_size || k->exponent > 65534)
					goto bad;
				if (nrecv == cap) {
					struct p2_recv *nr = realloc(s->recv, 2 * cap * sizeof(*nr));

					if (!nr)
						return dv_error_set(err, DV_ERR_FAIL, "out of memory");
					s->recv = nr;
					cap *= 2;
				}
				s->recv[nrecv++] = (struct p2_recv){ k->exponent, k->src,
								     k->data_off };
			}
			continue;
bad:
			s->packets_bad++;
		}
	qsort(s->recv, nrecv, sizeof(*s->recv), recv_cmp);
	size_t u = 0;
	for (size_t i = 0; i < nrecv; i++)
		if (!u || s->recv[u - 1].exponent != s->recv[i].exponent)
			s->recv[u++] = s->recv[i];
	s->nrecv = (uint32_t)u;
	uint64_t total = 0;
	for (uint32_t i = 0; i < s->nfiles; i++) {
		s->files[i].first_block = (uint32_t)total;
		total += s->files[i].nblocks;
	}
	if (total > P2_MAX_BLOCKS)
		return dv_error_set(err, DV_ERR_MISMATCH,
				    "recovery set has too many blocks");
	s->nblocks = (uint32_t)total;
	return 0;
}

void p2_set_release(struct p2_set *s)
{
	for (uint32_t i = 0; i < s->nfiles && s->files; i++) {
		free(s->files[i].name);
		free(s->files[i].ifsc);
	}
	free(s->files);
	free(s->recv);
	for (uint32_t i = 0; i < s->npaths; i++)
		free(s->paths[i]);
	free(s->paths);
	free(s->dir);
	memset(s, 0, sizeof(*s));
}

char *p2_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *s = malloc(n);

	if (!s)
		return NULL;
	if (!strcmp(dir, "."))
		memcpy(s, name, strlen(name) + 1);
	else {
		memcpy(s, dir, strlen(dir));
		s[strlen(dir)] = '/';
		memcpy(s + strlen(dir) + 1, name, strlen(name) + 1);
	}
	return s;
}

static int add_path(struct p2_set *s, const char *path)
{
	char **np;

	for (uint32_t i = 0; i < s->npaths; i++)
		if (!strcmp(s->paths[i], path))
			return 0;
	np = realloc(s->paths, (s->npaths + 1) * sizeof(*np));
	if (!np)
		return -1;
	s->paths = np;
	s->paths[s->npaths] = strdup(path);
	return s->paths[s->npaths++] ? 0 : -1;
}

static int read_one(struct p2_reader *r, const char *path, uint32_t src,
		    int preferred)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *m;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	if (st.st_size > 0) {
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
			p2_reader_add(r, m, (size_t)st.st_size, src, preferred);
			munmap(m, (size_t)st.st_size);
		}
	}
	close(fd);
	return 0;
}

int p2_set_load(struct p2_set *s, const char *par2_path, struct dv_error *err)
{
	char *base = p2_base_of(par2_path), *slash, *prefix;
	struct p2_reader *r = p2_reader_new();
	DIR *d = NULL;
	struct dirent *de;
	size_t pl;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (!base || !r) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	slash = strrchr(base, '/');
	s->dir = slash ? strndup(base, slash == base ? 1 : (size_t)(slash - base))
		       : strdup(".");
	prefix = slash ? slash + 1 : base;
	pl = strlen(prefix);
	if (!s->dir || add_path(s, par2_path)) {
		dv_error_set(err, DV_ERR_FAIL, "out of memory");
		goto out;
	}
	if (access(par2_path, R_OK)) {
		dv_error_errno(err, errno, "cannot open '%s'", par2_path);
		goto out;
	}
	d = opendir(s->dir);
	if (!d) {
		dv_error_errno(err, errno, "cannot read directory '%s'", s->dir);
		goto out;
	}
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name);
		char *full;

		if (nl <= pl + 5 || strncmp(de->d_name, prefix, pl) ||
		    de->d_name[pl] != '.' || strcasecmp(de->d_name + nl - 5, ".par2"))
			continue;
		full = p2_join(s->dir, de->d_name);
		if (!full || add_path(s, full)) {
			free(full);
			dv_error_set(err, DV_ERR_FAIL, "out of memory");
			goto out;
		}
		free(full);
	}
	for (uint32_t i = 0; i < s->npaths; i++)
		if (read_one(r, s->paths[i], i, i == 0) == 0)
			s->par2_files++;
	if (p2_reader_resolve(r, s, err)) {
		dv_error_prefix(err, "'%s'", par2_path);
		goto out;
	}
	rc = 0;
out:
	if (d)
		closedir(d);
	p2_reader_free(r);
	free(base);
	return rc;
}
