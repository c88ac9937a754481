/* lines.c: reading input line by line, with memory bounded by the
 * longest line, and telling whether more input is ready now. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "es.h"

#define CHUNK	(256 * 1024)

struct es_lines {
	int	 fd;
	int	 eof;
	char	*buf;
	size_t	 cap;
	size_t	 start, end;	/* unread bytes are buf[start..end) */
	size_t	 scanned;	/* bytes past start known to hold no LF */
	uint64_t number;	/* of the last line returned */
};

int
es_lines_open(es_lines **lp, int fd)
{
	if ((*lp = calloc(1, sizeof(**lp))) == NULL)
		return ES_ENOMEM;
	(*lp)->fd = fd;
	return 0;
}

void
es_lines_close(es_lines *l)
{
	if (l == NULL)
		return;
	free(l->buf);
	free(l);
}

uint64_t
es_lines_number(const es_lines *l)
{
	return l->number;
}

/* Read once into the buffer, making room first.  0, or -errno. */
static int
fill(es_lines *l)
{
	ssize_t	 n;
	char	*p;
	size_t	 cap;

	if (l->start > 0) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->start = 0;
	}
	if (l->cap - l->end < CHUNK / 2) {
		cap = l->cap ? l->cap * 2 : CHUNK;
		if ((p = realloc(l->buf, cap)) == NULL)
			return -ENOMEM;
		l->buf = p;
		l->cap = cap;
	}
	n = read(l->fd, l->buf + l->end, l->cap - l->end);
	if (n < 0)
		return -errno;
	if (n == 0)
		l->eof = 1;
	l->end += (size_t)n;
	return 0;
}

/* Is a whole line buffered?  Sets *nl to its newline, if any. */
static int
have_line(es_lines *l, char **nl)
{
	*nl = memchr(l->buf + l->start + l->scanned, '\n',
	    l->end - l->start - l->scanned);
	if (*nl == NULL)
		l->scanned = l->end - l->start;
	return *nl != NULL || (l->eof && l->end > l->start);
}

int
es_lines_next(es_lines *l, const char **line, size_t *len)
{
	char	*nl = NULL;
	size_t	 n;
	int	 rc;

	while (l->buf == NULL || !have_line(l, &nl)) {
		if (l->eof)
			return 0;
		if ((rc = fill(l)) != 0)
			return rc;
	}
	*line = l->buf + l->start;
	n = nl ? (size_t)(nl - *line) : l->end - l->start;
	l->start += nl ? n + 1 : n;
	l->scanned = 0;
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*len = n;
	l->number++;
	return 1;
}

int
es_lines_ready(es_lines *l)
{
	struct pollfd	 pfd;
	char		*nl;

	if (l->buf != NULL && have_line(l, &nl))
		return 1;
	if (l->eof)
		return 1;
	pfd.fd = l->fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) != 1)
		return 0;
	if (fill(l) != 0)
		return 1;	/* let the next read report the error */
	return have_line(l, &nl) || l->eof;
}
