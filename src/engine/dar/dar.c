/*
 * dar.c - archive names, dar argv building and a streaming runner for
 * `dar -c` that reports finished slices through the -E hook pipe.
 */
#include "engine/dar/dar.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "platform/banned.h"

extern char **environ;

int dar_name_check(const char *name, struct dv_error *err)
{
	size_t n = strlen(name);
	const char *g;

	if (n == 0)
		return dv_error_set(err, DV_ERR_USAGE, "the archive name is empty");
	if (n > DAR_NAME_MAX)
		return dv_error_set(err, DV_ERR_USAGE,
				    "archive name '%s' is too long (%zu characters, at most %d)",
				    name, n, DAR_NAME_MAX);
	if (!isalnum((unsigned char)name[0]) || (unsigned char)name[0] >= 0x80)
		return dv_error_set(err, DV_ERR_USAGE,
				    "archive name '%s' must start with a letter or digit", name);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c >= 0x80 || !(isalnum(c) || c == '.' || c == '_' || c == '+' || c == '-'))
			return dv_error_set(err, DV_ERR_USAGE,
					    "archive name '%s' may only contain letters, digits, '.', '_', '+' and '-'",
					    name);
	}
	if (strstr(name, "-catalog"))
		return dv_error_set(err, DV_ERR_USAGE,
				    "archive name '%s' must not contain '-catalog'", name);
	g = strstr(name, "-gen");
	while (g) {
		const char *p = g + 4;
		if (*p && strspn(p, "0123456789") == strlen(p))
			return dv_error_set(err, DV_ERR_USAGE,
					    "archive name '%s' must not end in '-gen<number>'", name);
		g = strstr(g + 1, "-gen");
	}
	return 0;
}

int dar_parse_slice_name(const char *path, char *name, size_t name_cap,
			 unsigned *gen, int *is_catalog, unsigned *slice_no)
{
	const char *base = strrchr(path, '/');
	char buf[512];
	size_t n;
	char *dot, *num, *end;
	unsigned long sl;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n < 7 || n >= sizeof(buf) || strcmp(base + n - 4, ".dar") != 0)
		return -1;
	memcpy(buf, base, n - 4);
	buf[n - 4] = '\0';
	dot = strrchr(buf, '.');
	if (!dot || !dot[1])
		return -1;
	num = dot + 1;
	if (strspn(num, "0123456789") != strlen(num))
		return -1;
	errno = 0;
	sl = strtoul(num, &end, 10);
	if (errno || sl == 0 || sl > 999999)
		return -1;
	*dot = '\0';
	*is_catalog = 0;
	n = strlen(buf);
	if (n > 8 && strcmp(buf + n - 8, "-catalog") == 0) {
		*is_catalog = 1;
		buf[n - 8] = '\0';
	}
	*gen = 1;
	{
		char *g = strstr(buf, "-gen");
		char *last = NULL;
		while (g) {
			last = g;
			g = strstr(g + 1, "-gen");
		}
		if (last && last[4] && strspn(last + 4, "0123456789") == strlen(last + 4) &&
		    strlen(last + 4) <= 6) {
			*gen = (unsigned)strtoul(last + 4, NULL, 10);
			*last = '\0';
			if (*gen == 0)
				return -1;
		}
	}
	if (!buf[0] || strlen(buf) >= name_cap)
		return -1;
	memcpy(name, buf, strlen(buf) + 1);
	if (slice_no)
		*slice_no = (unsigned)sl;
	return 0;
}

int dar_compression_valid(const char *algo)
{
	static const char *const ok[] = { "zstd", "lzma", "lz4", "gzip", "bzip2", "none", "xz", "lzo" };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(algo, ok[i]))
			return 1;
	return 0;
}

void strvec_push(struct strvec *sv, const char *s)
{
	if (sv->n + 2 > sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 32;
		char **nv = realloc(sv->v, cap * sizeof(*nv));
		if (!nv)
			abort();
		sv->v = nv;
		sv->cap = cap;
	}
	sv->v[sv->n] = s ? strdup(s) : NULL;
	if (s && !sv->v[sv->n])
		abort();
	if (s)
		sv->n++;
	sv->v[sv->n] = NULL;
}

void strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	strvec_push(sv, buf);
}

void strvec_release(struct strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

void dar_create_argv(const struct dar_create_args *a, struct strvec *sv)
{
	strvec_push(sv, a->dar ? a->dar : "dar");
	strvec_push(sv, "-c");
	strvec_push(sv, a->basename);
	strvec_push(sv, "-R");
	strvec_push(sv, a->source);
	strvec_push(sv, "-s");
	strvec_pushf(sv, "%llu", (unsigned long long)a->slice_size);
	strvec_push(sv, "--hash");
	strvec_push(sv, "sha512");
	strvec_push(sv, "--min-digits");
	strvec_push(sv, "4,4,4");
	strvec_push(sv, "-Q");
	/* no ~/.darrc or /etc/darrc: the same archive for every user */
	strvec_push(sv, "-N");
	if (a->compression && strcmp(a->compression, "none") != 0) {
		if (a->level >= 0)
			strvec_pushf(sv, "-z%s:%d", a->compression, a->level);
		else
			strvec_pushf(sv, "-z%s", a->compression);
	}
	if (a->catalog) {
		strvec_push(sv, "-@");
		strvec_push(sv, a->catalog);
	}
	if (a->reference) {
		strvec_push(sv, "-A");
		strvec_push(sv, a->reference);
	}
	if (a->exclude_list) {
		strvec_push(sv, "-]");
		strvec_push(sv, a->exclude_list);
	}
	if (a->hook) {
		strvec_push(sv, "-E");
		strvec_push(sv, "echo %N %c >&3");
	}
}

static void tail_add(char *tail, size_t cap, const char *data, size_t n)
{
	size_t have;

	if (!cap)
		return;
	have = strlen(tail);
	if (n >= cap - 1) {
		memcpy(tail, data + n - (cap - 1), cap - 1);
		tail[cap - 1] = '\0';
		return;
	}
	if (have + n >= cap) {
		size_t drop = have + n - (cap - 1);
		memmove(tail, tail + drop, have - drop + 1);
		have -= drop;
	}
	memcpy(tail + have, data, n);
	tail[have + n] = '\0';
}

static void hook_lines(char *lb, size_t *ll, const struct dar_run_cb *cb)
{
	char *nl;

	while ((nl = memchr(lb, '\n', *ll)) != NULL) {
		unsigned long no;
		char *end;
		size_t used = (size_t)(nl - lb) + 1;

		*nl = '\0';
		no = strtoul(lb, &end, 10);
		if (end != lb && no > 0 && cb && cb->on_slice)
			cb->on_slice(cb->ctx, (unsigned)no, strstr(end, "last_slice") != NULL);
		memmove(lb, lb + used, *ll - used);
		*ll -= used;
	}
	if (*ll > 200)
		*ll = 0;   /* garbage, not from our hook */
}

int dar_run(const char *const argv[], const struct dar_run_cb *cb, int *exit_code,
	    char *tail, size_t tail_cap, struct dv_error *err)
{
	int hp[2] = { -1, -1 }, op[2] = { -1, -1 };
	int hookr = -1, hookw = -1, outr = -1, outw = -1;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	pid_t pid;
	int rc, status, stopping = 0;
	double kill_at = 0;
	char lb[256];
	size_t ll = 0;

	if (tail_cap)
		tail[0] = '\0';
	if (pipe2(hp, O_CLOEXEC) < 0 || pipe2(op, O_CLOEXEC) < 0) {
		int e = errno;
		if (hp[0] >= 0) {
			close(hp[0]);
			close(hp[1]);
		}
		return dv_error_errno(err, e, "cannot create a pipe");
	}
	/* move every end above the fds the child gets, so dup2 clears CLOEXEC */
	hookr = fcntl(hp[0], F_DUPFD_CLOEXEC, 10);
	hookw = fcntl(hp[1], F_DUPFD_CLOEXEC, 10);
	outr = fcntl(op[0], F_DUPFD_CLOEXEC, 10);
	outw = fcntl(op[1], F_DUPFD_CLOEXEC, 10);
	close(hp[0]);
	close(hp[1]);
	close(op[0]);
	close(op[1]);
	if (hookr < 0 || hookw < 0 || outr < 0 || outw < 0) {
		rc = dv_error_errno(err, errno, "cannot create a pipe");
		goto close_all;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, outw, 1);
	posix_spawn_file_actions_adddup2(&fa, outw, 2);
	posix_spawn_file_actions_adddup2(&fa, hookw, 3);
	posix_spawnattr_init(&at);
	/* own process group: Ctrl-C reaches us, and we stop dar ourselves */
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	rc = posix_spawnp(&pid, argv[0], &fa, &at, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(hookw);
	close(outw);
	hookw = outw = -1;
	if (rc != 0) {
		rc = dv_error_errno(err, rc, "cannot run '%s'", argv[0]);
		goto close_all;
	}
	{
		struct pollfd pf[2] = { { outr, POLLIN, 0 }, { hookr, POLLIN, 0 } };
		int open_fds = 2;
		char buf[16384];

		while (open_fds) {
			int pr = poll(pf, 2, 200);
			if (pr < 0 && errno != EINTR)
				break;
			for (int i = 0; pr > 0 && i < 2; i++) {
				ssize_t n;
				if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				n = read(pf[i].fd, buf, i ? sizeof(lb) - ll : sizeof(buf));
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0) {
					close(pf[i].fd);
					pf[i].fd = -1;
					open_fds--;
					continue;
				}
				if (i == 0) {
					tail_add(tail, tail_cap, buf, (size_t)n);
				} else {
					memcpy(lb + ll, buf, (size_t)n);
					ll += (size_t)n;
					hook_lines(lb, &ll, cb);
				}
			}
			if (!stopping && cb && cb->tick && cb->tick(cb->ctx)) {
				struct timespec ts;
				stopping = 1;
				kill(-pid, SIGTERM);
				clock_gettime(CLOCK_MONOTONIC, &ts);
				kill_at = (double)ts.tv_sec + 5.0;
			} else if (stopping) {
				struct timespec ts;
				clock_gettime(CLOCK_MONOTONIC, &ts);
				if ((double)ts.tv_sec > kill_at) {
					kill(-pid, SIGKILL);
					kill_at = 1e300;
				}
			}
		}
		outr = hookr = -1;
		for (int i = 0; i < 2; i++)
			if (pf[i].fd >= 0)
				close(pf[i].fd);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			rc = dv_error_errno(err, errno, "cannot wait for '%s'", argv[0]);
			goto close_all;
		}
	}
	*exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	rc = 0;
close_all:
	if (hookr >= 0)
		close(hookr);
	if (hookw >= 0)
		close(hookw);
	if (outr >= 0)
		close(outr);
	if (outw >= 0)
		close(outw);
	return rc;
}

long dar_failed_inodes(const char *out)
{
	const char *p = strstr(out, " inode(s) failed to be saved");
	const char *q;

	if (!p)
		return -1;
	q = p;
	while (q > out && isdigit((unsigned char)q[-1]))
		q--;
	if (q == p)
		return -1;
	return strtol(q, NULL, 10);
}

void dar_first_error(const char *out, char *buf, size_t cap)
{
	const char *line = out;

	if (cap)
		buf[0] = '\0';
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (n && line[0] != ' ' && line[0] != '-' && strncmp(line, "Now performing", 14) != 0 &&
		    strncmp(line, "Auto detecting", 14) != 0) {
			snprintf(buf, cap, "%.*s", (int)n, line);
			return;
		}
		line = nl ? nl + 1 : NULL;
	}
}

const char *dar_exit_meaning(int code)
{
	switch (code) {
	case 0: return "success";
	case 1: return "syntax error on the command line";
	case 2: return "out of memory or a hardware error (disk full?)";
	case 3: return "a bug in dar";
	case 4: return "an answer was needed and none was given";
	case 5: return "an error while reading or writing data";
	case 6: return "the slice hook failed";
	case 7: return "libdar error";
	case 8: return "integer overflow in dar";
	case 9: return "unknown error";
	case 10: return "a feature dar was built without";
	case 11: return "some files changed while they were read";
	default: return code >= 128 ? "killed by a signal" : "unexpected exit code";
	}
}
