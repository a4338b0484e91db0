/*
 * holders.c - find the processes holding a file or device open by reading
 * the /proc/PID/fd links ($DISCVAULT_PROC moves /proc for tests).
 */
#include "platform/holders.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/banned.h"

static int same_file(const char *link, const struct stat *want)
{
	struct stat st;

	if (stat(link, &st) < 0)
		return 0;
	if (S_ISBLK(want->st_mode) || S_ISCHR(want->st_mode))
		return (st.st_mode & S_IFMT) == (want->st_mode & S_IFMT) && st.st_rdev == want->st_rdev;
	return st.st_dev == want->st_dev && st.st_ino == want->st_ino;
}

void holders_describe(const char *path, char *buf, size_t len)
{
	const char *proc = getenv("DISCVAULT_PROC");
	struct stat want;
	DIR *d;
	struct dirent *de;
	size_t used = 0;
	long self = (long)getpid();

	buf[0] = '\0';
	if (!proc || !*proc)
		proc = "/proc";
	if (stat(path, &want) < 0 || !(d = opendir(proc)))
		return;
	while ((de = readdir(d)) && used + 1 < len) {
		char fddir[PATH_MAX], comm[64] = "?";
		DIR *fds;
		struct dirent *fe;
		long pid;
		int hit = 0;
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, NULL, 10);
		if (pid == self)
			continue;
		snprintf(fddir, sizeof(fddir), "%s/%s/fd", proc, de->d_name);
		fds = opendir(fddir);
		if (!fds)
			continue;
		while (!hit && (fe = readdir(fds))) {
			char link[PATH_MAX + 300];
			if (fe->d_name[0] == '.')
				continue;
			snprintf(link, sizeof(link), "%s/%s", fddir, fe->d_name);
			hit = same_file(link, &want);
		}
		closedir(fds);
		if (!hit)
			continue;
		snprintf(fddir, sizeof(fddir), "%s/%s/comm", proc, de->d_name);
		if ((f = fopen(fddir, "re"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		used += (size_t)snprintf(buf + used, len - used, "%s%ld (%s)", used ? ", " : "", pid, comm);
	}
	closedir(d);
}
