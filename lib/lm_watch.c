/* lm_watch.c: the LMDB backend: waiting for commits of other processes.
 * LMDB writes its pages with write(2) (es never uses MDB_WRITEMAP), so
 * every commit shows as IN_MODIFY on the store file. */
#include <sys/inotify.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "lm.h"

#define POLL_MS	20	/* how often to look without inotify */

/* Start watching; 0, or -1 if inotify cannot watch this file. */
static int
watch(struct lm_store *ls)
{
	ls->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ls->ifd < 0)
		return -1;
	if (inotify_add_watch(ls->ifd, ls->path, IN_MODIFY | IN_CLOSE_WRITE |
	    IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
		close(ls->ifd);
		ls->ifd = -1;
		return -1;
	}
	return 0;
}

static void
drain(int fd)
{
	char	 buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

int
lm_wait(es_store *s, int timeout_ms, int fd)
{
	struct lm_store	*ls = s->impl;
	struct pollfd	 p[2];
	int		 n = 0, rc;

	if (!ls->watching) {
		ls->watching = 1;
		watch(ls);
		return 0;	/* anything committed before the watch: look */
	}
	if (ls->ifd >= 0) {
		p[n].fd = ls->ifd;
		p[n++].events = POLLIN;
	} else if (timeout_ms < 0 || timeout_ms > POLL_MS)
		timeout_ms = POLL_MS;
	if (fd >= 0) {
		p[n].fd = fd;
		p[n++].events = 0;	/* POLLERR, POLLHUP: the reader left */
	}
	rc = poll(p, (nfds_t)n, timeout_ms);
	if (rc < 0 && errno != EINTR)
		return es_seterr(s, ES_EIO, "poll: %s", strerror(errno));
	if (rc <= 0)
		return 0;
	if (fd >= 0 && (p[n - 1].revents & (POLLERR | POLLHUP | POLLNVAL)))
		return 1;
	if (ls->ifd >= 0)
		drain(ls->ifd);
	return 0;
}
