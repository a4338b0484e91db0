/*
 * blksrc.c - block sources over a file, a block device or memory.
 */
#include "engine/iso/blksrc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/fs.h>
#endif

#include "platform/banned.h"

struct file_ctx {
	int fd;
	char *path;
};

static int file_read(void *ctx, uint64_t off, void *buf, size_t len, struct dv_error *err)
{
	struct file_ctx *f = ctx;
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = pread(f->fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return dv_error_errno(err, errno, "cannot read '%s' at byte %llu", f->path,
					      (unsigned long long)off);
		}
		if (n == 0)
			return dv_error_set(err, DV_ERR_FAIL,
					    "cannot read '%s' at byte %llu: unexpected end of data",
					    f->path, (unsigned long long)off);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static void file_close(void *ctx)
{
	struct file_ctx *f = ctx;

	close(f->fd);
	free(f->path);
	free(f);
}

int blksrc_open_path(struct blksrc *src, const char *path, struct dv_error *err)
{
	struct file_ctx *f;
	struct stat st;
	uint64_t size = 0;
	int fd;

	*src = (struct blksrc)BLKSRC_INIT;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return dv_error_errno(err, errno, "cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		dv_error_errno(err, errno, "cannot stat '%s'", path);
		close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
#ifdef BLKGETSIZE64
		if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
			dv_error_errno(err, errno, "cannot get the size of '%s'", path);
			close(fd);
			return -1;
		}
#else
		off_t end = lseek(fd, 0, SEEK_END);

		if (end < 0) {
			dv_error_errno(err, errno, "cannot get the size of '%s'", path);
			close(fd);
			return -1;
		}
		size = (uint64_t)end;
#endif
	} else {
		dv_error_set(err, DV_ERR_USAGE, "cannot read '%s': not a file or block device",
			     path);
		close(fd);
		return -1;
	}
	f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(path))) {
		free(f);
		close(fd);
		return dv_error_errno(err, ENOMEM, "cannot open '%s'", path);
	}
	f->fd = fd;
	src->read = file_read;
	src->close = file_close;
	src->size = size;
	src->ctx = f;
	return 0;
}

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len, struct dv_error *err)
{
	memcpy(buf, (const unsigned char *)ctx + off, len);
	return 0;
}

void blksrc_init_mem(struct blksrc *src, const void *data, size_t len)
{
	src->read = mem_read;
	src->close = NULL;
	src->size = len;
	src->ctx = (void *)(uintptr_t)data;
}

#define SEC 2048u
#define CACHE_SECTORS 32u

struct sector_ctx {
	blksrc_sector_fn read_sectors;
	void (*close_ctx)(void *ctx);
	void *ctx;
	uint64_t nsectors;
	uint64_t cache_lba;   /* first sector in the cache */
	uint32_t cache_count; /* 0: empty */
	unsigned char cache[CACHE_SECTORS * SEC];
};

static int sector_read(void *vctx, uint64_t off, void *buf, size_t len, struct dv_error *err)
{
	struct sector_ctx *s = vctx;
	unsigned char *out = buf;

	while (len > 0) {
		uint64_t lba = off / SEC;
		size_t in, n;

		if (!s->cache_count || lba < s->cache_lba || lba >= s->cache_lba + s->cache_count) {
			uint64_t left = s->nsectors - lba;
			uint32_t count = left < CACHE_SECTORS ? (uint32_t)left : CACHE_SECTORS;

			s->cache_count = 0;
			/* On an error, retry the one sector needed: a bad
			 * sector nearby must not hide a good one. */
			if (s->read_sectors(s->ctx, lba, count, s->cache, err) < 0) {
				if (count == 1)
					return -1;
				count = 1;
				if (s->read_sectors(s->ctx, lba, 1, s->cache, err) < 0)
					return -1;
			}
			s->cache_lba = lba;
			s->cache_count = count;
		}
		in = (size_t)(off - s->cache_lba * SEC);
		n = (size_t)s->cache_count * SEC - in;
		if (n > len)
			n = len;
		memcpy(out, s->cache + in, n);
		out += n;
		off += n;
		len -= n;
	}
	return 0;
}

static void sector_close(void *vctx)
{
	struct sector_ctx *s = vctx;

	if (s->close_ctx)
		s->close_ctx(s->ctx);
	free(s);
}

int blksrc_init_sectors(struct blksrc *src, blksrc_sector_fn read_sectors,
			void (*close_ctx)(void *ctx), uint64_t nsectors, void *ctx,
			struct dv_error *err)
{
	struct sector_ctx *s;

	*src = (struct blksrc)BLKSRC_INIT;
	if (nsectors > UINT64_MAX / SEC)
		return dv_error_set(err, DV_ERR_USAGE, "source too large");
	s = calloc(1, sizeof(*s));
	if (!s)
		return dv_error_errno(err, ENOMEM, "cannot set up a sector source");
	s->read_sectors = read_sectors;
	s->close_ctx = close_ctx;
	s->ctx = ctx;
	s->nsectors = nsectors;
	src->read = sector_read;
	src->close = sector_close;
	src->size = nsectors * SEC;
	src->ctx = s;
	return 0;
}

void blksrc_close(struct blksrc *src)
{
	if (src->close && src->ctx)
		src->close(src->ctx);
	*src = (struct blksrc)BLKSRC_INIT;
}

int64_t blksrc_read_clamped(const struct blksrc *src, uint64_t off, void *buf, size_t len,
			    struct dv_error *err)
{
	size_t have = 0;

	if (off < src->size) {
		uint64_t left = src->size - off;

		have = left < len ? (size_t)left : len;
	}
	if (have > 0 && src->read(src->ctx, off, buf, have, err) < 0)
		return -1;
	if (have < len)
		memset((unsigned char *)buf + have, 0, len - have);
	return (int64_t)have;
}
