/*
 * mapfile.c - GNU ddrescue mapfiles: parse, format, and the block list
 * operations the rescue reader needs (mark a range, find the next block
 * of a status). Parsing is hostile-input safe (a fuzz target covers it).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imaging/mapfile.h"
#include "platform/banned.h"

int mapfile_init(struct mapfile *m, uint64_t size, struct dv_error *err)
{
	struct mapfile z = MAPFILE_INIT;

	*m = z;
	if (!size)
		return 0;
	m->b = malloc(16 * sizeof(*m->b));
	if (!m->b)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	m->cap = 16;
	m->n = 1;
	m->b[0].pos = 0;
	m->b[0].size = size;
	m->b[0].status = MAP_UNTRIED;
	return 0;
}

void mapfile_release(struct mapfile *m)
{
	free(m->b);
	m->b = NULL;
	m->n = m->cap = 0;
}

static int valid_block_status(int c)
{
	return c == MAP_UNTRIED || c == MAP_NONTRIMMED || c == MAP_NONSCRAPED ||
	       c == MAP_BAD || c == MAP_FINISHED;
}

static int valid_cur_status(int c)
{
	return valid_block_status(c) || c == 'F' || c == 'G';
}

/* Parse an unsigned number (decimal or 0x hex) at *p; advances *p. */
static int parse_num(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int base = 10, digits = 0;

	if (end - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	while (s < end) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
		digits++;
		s++;
	}
	if (!digits)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

static void skip_space(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t' || **p == '\r'))
		(*p)++;
}

static int push_block(struct mapfile *m, uint64_t pos, uint64_t size, char st)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct map_block *b;

		if (cap > MAPFILE_MAX_BLOCKS + 4)
			return -1;
		b = realloc(m->b, cap * sizeof(*b));
		if (!b)
			return -1;
		m->b = b;
		m->cap = cap;
	}
	m->b[m->n].pos = pos;
	m->b[m->n].size = size;
	m->b[m->n].status = st;
	m->n++;
	return 0;
}

int mapfile_parse(const char *text, size_t len, struct mapfile *m,
		  struct dv_error *err)
{
	struct mapfile z = MAPFILE_INIT;
	const char *p = text, *end = text + len;
	int have_status = 0;
	unsigned line = 0;
	uint64_t next = 0;

	*m = z;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q = p;

		if (!eol)
			eol = end;
		line++;
		skip_space(&q, eol);
		if (q == eol || *q == '#') {
			p = eol < end ? eol + 1 : end;
			continue;
		}
		if (!have_status) {
			uint64_t pos, pass = 1;

			if (parse_num(&q, eol, &pos) < 0)
				goto bad;
			skip_space(&q, eol);
			if (q == eol || !valid_cur_status((unsigned char)*q))
				goto bad;
			m->cur_pos = pos;
			m->cur_status = *q++;
			skip_space(&q, eol);
			if (q < eol) {
				if (parse_num(&q, eol, &pass) < 0 || pass > 1000000)
					goto bad;
				skip_space(&q, eol);
			}
			m->pass = (int)pass;
			have_status = 1;
		} else {
			uint64_t pos, size;
			char st;

			if (parse_num(&q, eol, &pos) < 0)
				goto bad;
			skip_space(&q, eol);
			if (parse_num(&q, eol, &size) < 0)
				goto bad;
			skip_space(&q, eol);
			if (q == eol || !valid_block_status((unsigned char)*q))
				goto bad;
			st = *q++;
			skip_space(&q, eol);
			if (pos != next || size == 0 || size > UINT64_MAX - pos) {
				mapfile_release(m);
				return dv_error_set(err, DV_ERR_USAGE,
					"mapfile line %u: blocks are not contiguous from 0", line);
			}
			if (m->n && m->b[m->n - 1].status == st)
				m->b[m->n - 1].size += size;
			else if (m->n >= MAPFILE_MAX_BLOCKS || push_block(m, pos, size, st) < 0) {
				mapfile_release(m);
				return dv_error_set(err, DV_ERR_FAIL, "mapfile line %u: too many blocks", line);
			}
			next = pos + size;
		}
		if (q != eol)
			goto bad;
		p = eol < end ? eol + 1 : end;
	}
	if (!have_status) {
		mapfile_release(m);
		return dv_error_set(err, DV_ERR_USAGE, "mapfile has no status line");
	}
	return 0;
bad:
	mapfile_release(m);
	return dv_error_set(err, DV_ERR_USAGE, "mapfile line %u: malformed", line);
}

char *mapfile_format(const struct mapfile *m, const char *cmdline)
{
	char *out = NULL, stamp[64];
	size_t len = 0;
	time_t t = time(NULL);
	struct tm tm;
	FILE *fp = open_memstream(&out, &len);

	if (!fp)
		return NULL;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(fp, "# Mapfile. Created by discvault %s (GNU ddrescue format)\n", DV_VERSION);
	fprintf(fp, "# Command line: %s\n", cmdline ? cmdline : "discvault rip");
	fprintf(fp, "# Current time: %s\n", stamp);
	fprintf(fp, "# current_pos  current_status  current_pass\n");
	fprintf(fp, "0x%08" PRIX64 "     %c               %d\n", m->cur_pos,
		m->cur_status, m->pass);
	fprintf(fp, "#      pos        size  status\n");
	for (size_t i = 0; i < m->n; i++)
		fprintf(fp, "0x%08" PRIX64 "  0x%08" PRIX64 "  %c\n", m->b[i].pos,
			m->b[i].size, m->b[i].status);
	if (fclose(fp) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

uint64_t mapfile_size(const struct mapfile *m)
{
	return m->n ? m->b[m->n - 1].pos + m->b[m->n - 1].size : 0;
}

uint64_t mapfile_count(const struct mapfile *m, char status)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < m->n; i++)
		if (m->b[i].status == status)
			sum += m->b[i].size;
	return sum;
}

size_t mapfile_find(const struct mapfile *m, size_t from, char status)
{
	for (size_t i = from; i < m->n; i++)
		if (m->b[i].status == status)
			return i;
	return m->n;
}

int mapfile_set(struct mapfile *m, uint64_t pos, uint64_t size, char status,
		struct dv_error *err)
{
	uint64_t total = mapfile_size(m), end;
	struct map_block *nb;
	size_t i, k = 0, cap;

	if (pos >= total || !size)
		return 0;
	end = size > total - pos ? total : pos + size;
	cap = m->n + 3;
	nb = malloc(cap * sizeof(*nb));
	if (!nb)
		return dv_error_set(err, DV_ERR_FAIL, "out of memory");
	for (i = 0; i < m->n; i++) {
		const struct map_block *b = &m->b[i];
		uint64_t bend = b->pos + b->size;
		struct map_block parts[3];
		size_t np = 0;

		if (bend <= pos || b->pos >= end) {
			parts[np++] = *b;
		} else {
			if (b->pos < pos)
				parts[np++] = (struct map_block){ b->pos, pos - b->pos, b->status };
			uint64_t a = b->pos > pos ? b->pos : pos;
			uint64_t z = bend < end ? bend : end;

			parts[np++] = (struct map_block){ a, z - a, status };
			if (bend > end)
				parts[np++] = (struct map_block){ end, bend - end, b->status };
		}
		for (size_t j = 0; j < np; j++) {
			if (k && nb[k - 1].status == parts[j].status &&
			    nb[k - 1].pos + nb[k - 1].size == parts[j].pos) {
				nb[k - 1].size += parts[j].size;
				continue;
			}
			if (k == cap) {
				struct map_block *g = realloc(nb, (cap *= 2) * sizeof(*nb));

				if (!g) {
					free(nb);
					return dv_error_set(err, DV_ERR_FAIL, "out of memory");
				}
				nb = g;
			}
			nb[k++] = parts[j];
		}
	}
	free(m->b);
	m->b = nb;
	m->n = k;
	m->cap = cap;
	return 0;
}

int mapfile_resize(struct mapfile *m, uint64_t size, struct dv_error *err)
{
	uint64_t total = mapfile_size(m);

	if (size > total) {
		if (m->n && m->b[m->n - 1].status == MAP_UNTRIED) {
			m->b[m->n - 1].size += size - total;
			return 0;
		}
		if (push_block(m, total, size - total, MAP_UNTRIED) < 0)
			return dv_error_set(err, DV_ERR_FAIL, "out of memory");
		return 0;
	}
	while (m->n && m->b[m->n - 1].pos >= size)
		m->n--;
	if (m->n)
		m->b[m->n - 1].size = size - m->b[m->n - 1].pos;
	return 0;
}
