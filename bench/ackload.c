/*
 * ackload: drive a long-lived writer one unit at a time, for scripts/bench.
 *
 *   ackload -i INPUT [-n COUNT] [-t SECONDS] [-a START] [-o LATFILE]
 *           -- COMMAND [ARG]...
 *
 * Starts COMMAND with pipes on its stdin and stdout, then, for each line of
 * INPUT: writes the line, waits for one line of output (the writer's
 * acknowledgement of a durable commit) and records the time between the
 * two.  Stops after COUNT lines, or SECONDS after the start, or at the end
 * of INPUT.  With -a, waits until START (seconds since the epoch, with a
 * fraction) before the first line, so that several ackloads start together
 * once their writers are up.  Prints "count elapsed_s p50_us p99_us
 * p999_us max_us"; with -o, also every latency in microseconds, one a line.
 */
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Read until a newline arrives; keep what follows it for next time. */
static int
read_line(int fd, char *buf, size_t size, size_t *have)
{
	struct pollfd	 p = { fd, POLLIN, 0 };
	char		*nl;
	ssize_t		 n;

	for (;;) {
		if ((nl = memchr(buf, '\n', *have)) != NULL) {
			*have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, *have);
			return 0;
		}
		if (*have == size)
			*have = 0;	/* a very long line: keep waiting */
		if (poll(&p, 1, 60000) <= 0)
			return -1;	/* no acknowledgement in a minute */
		n = read(fd, buf + *have, size - *have);
		if (n <= 0 && !(n < 0 && errno == EINTR))
			return -1;
		if (n > 0)
			*have += (size_t)n;
	}
}

static ssize_t
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w, n -= (size_t)w;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*in = NULL, *out = NULL;
	double		 secs = 0, start = 0, t0, t1, begin;
	unsigned long	 count = 0, n = 0, cap = 1 << 16;
	uint32_t	*lat;
	int		 c, to[2], from[2], status, bad = 0;
	char		*line = NULL, buf[1 << 16];
	size_t		 lcap = 0, have = 0;
	ssize_t		 len;
	FILE		*f;
	pid_t		 pid;

	while ((c = getopt(argc, argv, "+i:n:t:a:o:")) != -1) {
		switch (c) {
		case 'i': in = optarg; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 't': secs = strtod(optarg, NULL); break;
		case 'a': start = strtod(optarg, NULL); break;
		case 'o': out = optarg; break;
		default: goto usage;
		}
	}
	if (in == NULL || optind >= argc) {
usage:
		fprintf(stderr, "usage: ackload -i INPUT [-n COUNT] "
		    "[-t SECONDS] [-a START] [-o LATFILE] -- COMMAND...\n");
		return 64;
	}
	if ((f = fopen(in, "r")) == NULL) {
		perror(in);
		return 66;
	}
	signal(SIGPIPE, SIG_IGN);
	if (pipe(to) || pipe(from) || (pid = fork()) < 0) {
		perror("ackload");
		return 71;
	}
	if (pid == 0) {
		dup2(to[0], 0), dup2(from[1], 1);
		close(to[0]), close(to[1]), close(from[0]), close(from[1]);
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	close(to[0]), close(from[1]);
	lat = malloc(cap * sizeof(*lat));
	if (start > 0) {
		double d = start - now(CLOCK_REALTIME);

		if (d > 0) {
			struct timespec ts = { (time_t)d,
			    (long)((d - (time_t)d) * 1e9) };
			nanosleep(&ts, NULL);
		}
	}
	begin = now(CLOCK_MONOTONIC);
	while ((count == 0 || n < count) &&
	    (len = getline(&line, &lcap, f)) > 0) {
		t0 = now(CLOCK_MONOTONIC);
		if (secs > 0 && t0 - begin >= secs)
			break;
		if (write_all(to[1], line, (size_t)len) != 0 ||
		    read_line(from[0], buf, sizeof(buf), &have) != 0) {
			fprintf(stderr, "ackload: no acknowledgement for "
			    "line %lu\n", n + 1);
			bad = 1;
			break;
		}
		t1 = now(CLOCK_MONOTONIC);
		if (n == cap && (lat = realloc(lat, (cap *= 2) *
		    sizeof(*lat))) == NULL)
			return 71;
		lat[n++] = (uint32_t)((t1 - t0) * 1e6 + 0.5);
	}
	t1 = now(CLOCK_MONOTONIC);
	close(to[1]);
	while (read(from[0], buf, sizeof(buf)) > 0)
		;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "ackload: %s exited with status %d\n",
		    argv[optind], WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status));
		bad = 1;
	}
	if (out != NULL && (f = fopen(out, "w")) != NULL) {
		for (unsigned long i = 0; i < n; i++)
			fprintf(f, "%u\n", lat[i]);
		fclose(f);
	}
	qsort(lat, n, sizeof(*lat), cmp);
#define PCT(p) (n ? lat[(unsigned long)((p) / 100.0 * (double)n) < n ? \
    (unsigned long)((p) / 100.0 * (double)n) : n - 1] : 0)
	printf("%lu %.6f %u %u %u %u\n", n, t1 - begin, PCT(50), PCT(99),
	    PCT(99.9), n ? lat[n - 1] : 0);
	return bad;
}
