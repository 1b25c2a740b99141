// SPDX-License-Identifier: GPL-2.0
/*
 * dw-flood: the benchmark's UDP traffic, sent with sendmmsg and counted with
 * recvmmsg. Every run is bounded in both packets and seconds.
 *
 *   dw-flood send --dst ADDR --port N [--seconds S] [--count N] [--rate PPS]
 *   dw-flood recv --port N [--seconds S] [--idle S]
 *
 * Each payload carries a sequence number and the CLOCK_REALTIME time it was
 * sent. Both modes print one JSON object on stdout when done; recv prints
 * "ready" on stderr once its socket is bound.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH_MAX	64
#define PAYLOAD_MAX	1400
#define PAYLOAD_MIN	((int)sizeof(struct payload))
#define SECONDS_MAX	60.0
#define COUNT_MAX	100000000UL
#define SOCKBUF_BYTES	(16 << 20)

struct payload {
	uint64_t seq;
	uint64_t sent_realtime_ns;
};

struct flood_opts {
	bool send;
	struct sockaddr_in dst;
	double seconds;
	double idle_s;
	unsigned long count;
	unsigned long rate;
	int size;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "dw-flood: error: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: dw-flood send --dst ADDR --port N [--seconds S] [--count N]\n"
		"                     [--rate PPS] [--size BYTES]\n"
		"       dw-flood recv --port N [--seconds S] [--idle S]\n"
		"Limits: %.0f s, %lu packets, payload %d..%d bytes.\n",
		SECONDS_MAX, COUNT_MAX, PAYLOAD_MIN, PAYLOAD_MAX);
	exit(status);
}

static double now_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static double parse_number(const char *text, double max)
{
	char *end;
	double value = strtod(text, &end);

	if (end == text || *end || !(value > 0) || value > max) {
		fprintf(stderr, "dw-flood: error: bad value '%s' (0 < v <= %g)\n",
			text, max);
		exit(2);
	}
	return value;
}

static void parse_mode(int argc, char **argv, struct flood_opts *o)
{
	if (argc < 2)
		usage(2);
	if (!strcmp(argv[1], "send"))
		o->send = true;
	else if (!strcmp(argv[1], "recv"))
		o->send = false;
	else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		usage(0);
	else
		usage(2);
}

static void parse_args(int argc, char **argv, struct flood_opts *o)
{
	static const struct option longopts[] = {
		{ "dst", required_argument, NULL, 'd' },
		{ "port", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 'z' },
		{ "idle", required_argument, NULL, 'i' },
		{ 0 },
	};
	int opt;

	*o = (struct flood_opts){ .seconds = 2, .idle_s = 0.5,
				  .count = COUNT_MAX, .size = 32 };
	o->dst.sin_family = AF_INET;
	parse_mode(argc, argv, o);
	optind = 2;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (inet_pton(AF_INET, optarg, &o->dst.sin_addr) != 1)
				usage(2);
			break;
		case 'p':
			o->dst.sin_port = htons(parse_number(optarg, 65535));
			break;
		case 's':
			o->seconds = parse_number(optarg, SECONDS_MAX);
			break;
		case 'c':
			o->count = parse_number(optarg, COUNT_MAX);
			break;
		case 'r':
			o->rate = parse_number(optarg, 10e6);
			break;
		case 'z':
			o->size = parse_number(optarg, PAYLOAD_MAX);
			break;
		case 'i':
			o->idle_s = parse_number(optarg, SECONDS_MAX);
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc || !o->dst.sin_port || o->size < PAYLOAD_MIN ||
	    (o->send && !o->dst.sin_addr.s_addr))
		usage(2);
}

static int udp_socket(int bufopt)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int bytes = SOCKBUF_BYTES;

	if (fd < 0)
		die("socket");
	/* The FORCE variant ignores rmem_max/wmem_max; we run as root. */
	setsockopt(fd, SOL_SOCKET, bufopt, &bytes, sizeof(bytes));
	return fd;
}

/* Paced sending keeps batches small so that drops arrive evenly spread. */
static unsigned int batch_size(const struct flood_opts *o)
{
	unsigned long batch = o->rate ? o->rate / 1000 : BATCH_MAX;

	if (batch < 1)
		return 1;
	return batch > BATCH_MAX ? BATCH_MAX : batch;
}

static void pace(const struct flood_opts *o, double start, uint64_t sent)
{
	double due;
	struct timespec ts;

	if (!o->rate)
		return;
	due = start + (double)sent / o->rate;
	ts.tv_sec = (time_t)due;
	ts.tv_nsec = (long)((due - ts.tv_sec) * 1e9);
	while (!stop_requested &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int send_batch(int fd, struct mmsghdr *msgs, struct payload **pl,
		      unsigned int n, uint64_t seq)
{
	uint64_t stamp = realtime_ns();
	unsigned int i;
	int sent;

	for (i = 0; i < n; i++) {
		pl[i]->seq = seq + i;
		pl[i]->sent_realtime_ns = stamp;
	}
	sent = sendmmsg(fd, msgs, n, 0);
	/* A refused or full send is retried; the count says what left. */
	if (sent < 0 && errno != ECONNREFUSED && errno != ENOBUFS &&
	    errno != EAGAIN && errno != EINTR)
		die("sendmmsg");
	return sent < 0 ? 0 : sent;
}

static void setup_messages(struct mmsghdr *msgs, struct iovec *iov,
			   struct payload **pl, char *buf, int size)
{
	int i;

	memset(msgs, 0, sizeof(*msgs) * BATCH_MAX);
	for (i = 0; i < BATCH_MAX; i++) {
		pl[i] = (struct payload *)(buf + (size_t)i * size);
		iov[i].iov_base = pl[i];
		iov[i].iov_len = size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
}

static void run_send(const struct flood_opts *o)
{
	static char buf[BATCH_MAX * PAYLOAD_MAX];
	struct mmsghdr msgs[BATCH_MAX];
	struct iovec iov[BATCH_MAX];
	struct payload *pl[BATCH_MAX];
	unsigned int batch = batch_size(o), n;
	uint64_t sent = 0;
	double start, end;
	int fd = udp_socket(SO_SNDBUFFORCE);

	if (connect(fd, (struct sockaddr *)&o->dst, sizeof(o->dst)))
		die("connect");
	setup_messages(msgs, iov, pl, buf, o->size);
	start = now_s(CLOCK_MONOTONIC);
	end = start + o->seconds;
	while (!stop_requested && sent < o->count &&
	       now_s(CLOCK_MONOTONIC) < end) {
		n = o->count - sent < batch ? o->count - sent : batch;
		sent += send_batch(fd, msgs, pl, n, sent);
		pace(o, start, sent);
	}
	end = now_s(CLOCK_MONOTONIC) - start;
	printf("{\"sent\":%llu,\"seconds\":%.6f,\"pps\":%.1f}\n",
	       (unsigned long long)sent, end, sent / end);
	close(fd);
}

static void set_timeout(int fd, double seconds)
{
	struct timeval tv = { .tv_sec = (time_t)seconds };

	tv.tv_usec = (seconds - tv.tv_sec) * 1e6;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		die("SO_RCVTIMEO");
}

static int recv_socket(const struct flood_opts *o)
{
	struct sockaddr_in any = { .sin_family = AF_INET,
				   .sin_port = o->dst.sin_port };
	int fd = udp_socket(SO_RCVBUFFORCE);

	if (bind(fd, (struct sockaddr *)&any, sizeof(any)))
		die("bind");
	/* Short timeouts let the loop notice the deadline and signals. */
	set_timeout(fd, 0.1);
	fprintf(stderr, "ready\n");
	return fd;
}

static void run_recv(const struct flood_opts *o)
{
	static char buf[BATCH_MAX * PAYLOAD_MAX];
	struct mmsghdr msgs[BATCH_MAX];
	struct iovec iov[BATCH_MAX];
	struct payload *pl[BATCH_MAX];
	double deadline = now_s(CLOCK_MONOTONIC) + o->seconds;
	double first = 0, last = 0, now;
	uint64_t received = 0;
	int fd = recv_socket(o), n;

	setup_messages(msgs, iov, pl, buf, PAYLOAD_MAX);
	while (!stop_requested) {
		n = recvmmsg(fd, msgs, BATCH_MAX, MSG_WAITFORONE, NULL);
		now = now_s(CLOCK_MONOTONIC);
		if (n > 0) {
			first = received ? first : now;
			last = now;
			received += n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			die("recvmmsg");
		}
		if (now >= deadline || (received && now - last >= o->idle_s))
			break;
	}
	printf("{\"received\":%llu,\"seconds\":%.6f}\n",
	       (unsigned long long)received, last - first);
	close(fd);
}

int main(int argc, char **argv)
{
	struct flood_opts opts;
	struct sigaction sa = { .sa_handler = on_signal };

	/* Parse: usage errors exit with status 2. */
	parse_args(argc, argv, &opts);

	/* SIGINT/SIGTERM end the run early; the summary is still printed. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* Send or receive until the count, the deadline or a signal. */
	if (opts.send)
		run_send(&opts);
	else
		run_recv(&opts);
	return 0;
}
