/*
 * hash.c - several EVP digests over one stream.
 */
#include "engine/hash/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "platform/fileio.h"

#include "platform/banned.h"

static const EVP_MD *alg_md(int i)
{
	switch (i) {
	case 0: return EVP_md5();
	case 1: return EVP_sha1();
	case 2: return EVP_sha256();
	default: return EVP_sha512();
	}
}

static int alg_index(enum hash_alg alg)
{
	switch (alg) {
	case HASH_MD5: return 0;
	case HASH_SHA1: return 1;
	case HASH_SHA256: return 2;
	case HASH_SHA512: return 3;
	}
	return -1;
}

const char *hash_alg_name(enum hash_alg alg)
{
	switch (alg) {
	case HASH_MD5: return "md5";
	case HASH_SHA1: return "sha1";
	case HASH_SHA256: return "sha256";
	case HASH_SHA512: return "sha512";
	}
	return "?";
}

int hashset_init(struct hashset *hs, unsigned mask, struct dv_error *err)
{
	memset(hs, 0, sizeof(*hs));
	hs->mask = mask;
	for (int i = 0; i < HASH_NALGS; i++) {
		EVP_MD_CTX *c;
		if (!(mask & (1u << i)))
			continue;
		c = EVP_MD_CTX_new();
		if (!c || !EVP_DigestInit_ex(c, alg_md(i), NULL)) {
			EVP_MD_CTX_free(c);
			hashset_release(hs);
			return dv_error_set(err, DV_ERR_FAIL, "cannot initialize a digest");
		}
		hs->ctx[i] = c;
	}
	return 0;
}

void hashset_update(struct hashset *hs, const void *data, size_t len)
{
	for (int i = 0; i < HASH_NALGS; i++)
		if (hs->ctx[i])
			EVP_DigestUpdate(hs->ctx[i], data, len);
}

int hashset_final(struct hashset *hs, struct dv_error *err)
{
	for (int i = 0; i < HASH_NALGS; i++) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int n = 0;
		if (!hs->ctx[i])
			continue;
		if (!EVP_DigestFinal_ex(hs->ctx[i], md, &n))
			return dv_error_set(err, DV_ERR_FAIL, "cannot finish a digest");
		hash_hex(md, n, hs->hex[i]);
		EVP_MD_CTX_free(hs->ctx[i]);
		hs->ctx[i] = NULL;
	}
	return 0;
}

void hash_hex(const unsigned char *md, size_t n, char *out)
{
	static const char x[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = x[md[i] >> 4];
		out[2 * i + 1] = x[md[i] & 15];
	}
	out[2 * n] = '\0';
}

const char *hashset_hex(const struct hashset *hs, enum hash_alg alg)
{
	int i = alg_index(alg);

	return i < 0 ? "" : hs->hex[i];
}

void hashset_release(struct hashset *hs)
{
	for (int i = 0; i < HASH_NALGS; i++) {
		EVP_MD_CTX_free(hs->ctx[i]);
		hs->ctx[i] = NULL;
	}
}

int hash_file(const char *path, enum hash_alg alg, char hex[HASH_HEX_MAX], struct dv_error *err)
{
	struct hashset hs;
	size_t chunk = 4u << 20;
	char *buf;
	int fd, rc = -1;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dv_error_errno(err, errno, "cannot read '%s'", path);
	buf = malloc(chunk);
	if (!buf || hashset_init(&hs, alg, err) < 0) {
		free(buf);
		close(fd);
		return buf ? -1 : dv_error_set(err, DV_ERR_FAIL, "out of memory");
	}
	while ((n = read_full(fd, buf, chunk)) > 0)
		hashset_update(&hs, buf, (size_t)n);
	if (n < 0)
		dv_error_errno(err, errno, "cannot read '%s'", path);
	else if (hashset_final(&hs, err) == 0) {
		snprintf(hex, HASH_HEX_MAX, "%s", hashset_hex(&hs, alg));
		rc = 0;
	}
	hashset_release(&hs);
	free(buf);
	close(fd);
	return rc;
}

/* ---- background hashing ---- */

struct hash_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct hashset *hs;
	const void *buf;
	size_t len;
	int busy;        /* a buffer is waiting or being hashed */
	int quit;
};

static void *hash_worker_main(void *arg)
{
	struct hash_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->busy && !w->quit)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->busy) {
			const void *buf = w->buf;
			size_t len = w->len;
			pthread_mutex_unlock(&w->lock);
			hashset_update(w->hs, buf, len);
			pthread_mutex_lock(&w->lock);
			w->busy = 0;
			pthread_cond_broadcast(&w->cond);
			continue;
		}
		if (w->quit)
			break;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int hash_worker_start(struct hash_worker **out, struct hashset *hs, struct dv_error *err)
{
	struct hash_worker *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	w->hs = hs;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (pthread_create(&w->thread, NULL, hash_worker_main, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		free(w);
		return dv_error_set(err, DV_ERR_FAIL, "cannot start a hashing thread");
	}
	*out = w;
	return 0;
}

void hash_worker_wait(struct hash_worker *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->busy)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

void hash_worker_submit(struct hash_worker *w, const void *buf, size_t len)
{
	pthread_mutex_lock(&w->lock);
	while (w->busy)
		pthread_cond_wait(&w->cond, &w->lock);
	w->buf = buf;
	w->len = len;
	w->busy = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void hash_worker_stop(struct hash_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	while (w->busy)
		pthread_cond_wait(&w->cond, &w->lock);
	w->quit = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}
