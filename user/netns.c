// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "netns.h"

#define NETNS_CACHE 64

struct netns_entry {
	__u32 ino;
	int fd;
};

static struct netns_entry cache[NETNS_CACHE];
static int cache_len;
static int self_fd = -1;

int netns__open(const char *spec)
{
	char path[PATH_MAX];
	const char *p;

	for (p = spec; *p && isdigit((unsigned char)*p); p++)
		;
	if (*spec && !*p)
		snprintf(path, sizeof(path), "/proc/%s/ns/net", spec);
	else if (strchr(spec, '/'))
		snprintf(path, sizeof(path), "%s", spec);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", spec);
	return open(path, O_RDONLY | O_CLOEXEC);
}

__u32 netns__inode(int fd)
{
	struct stat st;
	int err = fd >= 0 ? fstat(fd, &st) : stat("/proc/self/ns/net", &st);

	return err ? 0 : (__u32)st.st_ino;
}

static int cache_add(__u32 ino, int fd)
{
	int i;

	for (i = 0; i < cache_len; i++)
		if (cache[i].ino == ino)
			return cache[i].fd;
	if (cache_len == NETNS_CACHE)
		return -1;
	cache[cache_len].ino = ino;
	cache[cache_len].fd = dup(fd);
	return cache[cache_len++].fd;
}

/* Look at every candidate path in dir/<entry>[suffix]; cache them all. */
static void scan_dir(const char *dir, const char *suffix, bool pids_only)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	int fd;

	if (!d)
		return;
	while ((de = readdir(d)) && cache_len < NETNS_CACHE) {
		if (de->d_name[0] == '.' ||
		    (pids_only && !isdigit((unsigned char)de->d_name[0])))
			continue;
		snprintf(path, sizeof(path), "%s/%s%s", dir, de->d_name, suffix);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		cache_add(netns__inode(fd), fd);
		close(fd);
	}
	closedir(d);
}

static int netns_fd(__u32 ino)
{
	int i, pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < cache_len; i++)
			if (cache[i].ino == ino)
				return cache[i].fd;
		if (pass == 0) {
			scan_dir("/run/netns", "", false);
			scan_dir("/proc", "/ns/net", true);
		}
	}
	return -1;
}

int netns__ifname(__u32 ino, __u32 ifindex, char *buf)
{
	int fd, ok;

	if (self_fd < 0)
		self_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (!ino || ino == netns__inode(-1))
		return if_indextoname(ifindex, buf) ? 0 : -1;
	fd = netns_fd(ino);
	if (fd < 0 || self_fd < 0 || setns(fd, CLONE_NEWNET))
		return -1;
	ok = if_indextoname(ifindex, buf) != NULL;
	if (setns(self_fd, CLONE_NEWNET))
		return -1;
	return ok ? 0 : -1;
}

void netns__cleanup(void)
{
	int i;

	for (i = 0; i < cache_len; i++)
		close(cache[i].fd);
	cache_len = 0;
	if (self_fd >= 0)
		close(self_fd);
	self_fd = -1;
}
