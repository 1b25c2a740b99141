// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "subproc.h"

/* No firewall listing comes near this; a tool that does is broken. */
#define SUBPROC_MAX_OUTPUT	(256u << 20)

struct output_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* In the child: never returns. Tells the parent why exec failed. */
static void child_exec(char *const argv[], int netns_fd, int out_fd,
		       int err_fd)
{
	int devnull = open("/dev/null", O_RDWR);
	int err;

	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDERR_FILENO);
	}
	if (dup2(out_fd, STDOUT_FILENO) < 0)
		goto fail;
	if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET))
		goto fail;
	execvp(argv[0], argv);
fail:
	err = errno;
	if (write(err_fd, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(127);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int buf_append(struct output_buf *b, int fd)
{
	ssize_t n;
	char *bigger;

	if (b->cap - b->len < 4096) {
		if (b->cap >= SUBPROC_MAX_OUTPUT)
			return -EFBIG;
		bigger = realloc(b->data, b->cap ? b->cap * 2 : 65536);
		if (!bigger)
			return -ENOMEM;
		b->data = bigger;
		b->cap = b->cap ? b->cap * 2 : 65536;
	}
	n = read(fd, b->data + b->len, b->cap - b->len - 1);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	b->len += (size_t)n;
	return n ? 1 : 0;
}

/* Read fd to its end; 0, or -ETIMEDOUT when the deadline passes first. */
static int read_until(int fd, struct output_buf *b, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long left;
	int err;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		err = poll(&pfd, 1, (int)left);
		if (err < 0 && errno != EINTR)
			return -errno;
		if (err <= 0)
			continue;
		err = buf_append(b, fd);
		if (err <= 0)
			return err;
	}
}

static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	/* Killed by a signal: report it as a shell would. */
	return 128 + WTERMSIG(status);
}

/* What the child wrote about a failed exec: 0 when exec succeeded. */
static int exec_error(int err_fd)
{
	int child_errno;

	if (read(err_fd, &child_errno, sizeof(child_errno)) ==
	    sizeof(child_errno))
		return -child_errno;
	return 0;
}

static int open_pipes(int out_pipe[2], int err_pipe[2])
{
	int err;

	if (pipe2(out_pipe, O_CLOEXEC))
		return -errno;
	if (!pipe2(err_pipe, O_CLOEXEC))
		return 0;
	err = -errno;
	close(out_pipe[0]);
	close(out_pipe[1]);
	return err;
}

int subproc__capture(char *const argv[], int netns_fd, int timeout_ms,
		     char **out)
{
	struct output_buf b = { 0 };
	int out_pipe[2], err_pipe[2];
	int err, exec_err, status;
	pid_t pid;

	*out = NULL;
	err = open_pipes(out_pipe, err_pipe);
	if (err)
		return err;
	pid = fork();
	if (pid == 0)
		child_exec(argv, netns_fd, out_pipe[1], err_pipe[1]);
	err = pid < 0 ? -errno : 0;
	close(out_pipe[1]);
	close(err_pipe[1]);
	if (!err)
		err = read_until(out_pipe[0], &b, now_ms() + timeout_ms);
	/* Only this child: it overran its time or we stop reading it. */
	if (pid > 0 && err)
		kill(pid, SIGKILL);
	close(out_pipe[0]);
	exec_err = pid > 0 ? exec_error(err_pipe[0]) : 0;
	close(err_pipe[0]);
	status = pid > 0 ? wait_child(pid) : 0;
	if (!err)
		err = exec_err ? exec_err : status;
	if (err >= 0 && !b.data)
		b.data = malloc(1);
	if (err < 0 || !b.data) {
		free(b.data);
		return err < 0 ? err : -ENOMEM;
	}
	b.data[b.len] = '\0';
	*out = b.data;
	return err;
}
