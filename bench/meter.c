/*
 * meter: run one command, print its wall time and peak anonymous memory.
 *
 *   meter [-i IN] [-o OUT] [-r] -- COMMAND [ARG]...
 *
 * Standard input from IN (default: as inherited), standard output to OUT
 * (default: as inherited).  Prints "elapsed_s rssanon_kb maxrss_kb
 * status" as the last line of its standard error.  With -r, RssAnon is
 * sampled from /proc/PID/status every millisecond and its peak reported
 * (the heap and stacks, not the pages of the LMDB map, which are
 * file-backed); without -r, 0.  maxrss_kb is the kernel's ru_maxrss (what
 * /usr/bin/time -f %M gives: it counts the map's resident pages too).
 */
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
rss_anon(pid_t pid)
{
	char	 path[64], buf[4096], *p;
	ssize_t	 n;
	int	 fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strstr(buf, "RssAnon:")) == NULL)
		return -1;
	return strtol(p + 8, NULL, 10);
}

int
main(int argc, char **argv)
{
	const char	*in = NULL, *out = NULL;
	struct rusage	 ru;
	struct timespec	 ms = { 0, 1000000 };
	double		 t0, t1;
	long		 peak = 0, r;
	int		 c, fd, status, sample = 0, code;
	pid_t		 pid, w;

	while ((c = getopt(argc, argv, "+i:o:r")) != -1) {
		switch (c) {
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		case 'r': sample = 1; break;
		default: goto usage;
		}
	}
	if (optind >= argc) {
usage:
		fprintf(stderr, "usage: meter [-i IN] [-o OUT] [-r] -- "
		    "COMMAND...\n");
		return 64;
	}
	t0 = now();
	if ((pid = fork()) < 0) {
		perror("meter");
		return 71;
	}
	if (pid == 0) {
		if (in && (fd = open(in, O_RDONLY)) >= 0)
			dup2(fd, 0), close(fd);
		else if (in) {
			perror(in);
			_exit(126);
		}
		if (out && (fd = open(out, O_WRONLY | O_CREAT | O_TRUNC,
		    0644)) >= 0)
			dup2(fd, 1), close(fd);
		else if (out) {
			perror(out);
			_exit(126);
		}
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	for (;;) {
		w = wait4(pid, &status, sample ? WNOHANG : 0, &ru);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			perror("meter: wait");
			return 71;
		}
		if (sample) {
			if ((r = rss_anon(pid)) > peak)
				peak = r;
			nanosleep(&ms, NULL);
		}
	}
	t1 = now();
	code = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
	fprintf(stderr, "%.6f %ld %ld %d\n", t1 - t0, peak, ru.ru_maxrss,
	    code);
	return code;
}
