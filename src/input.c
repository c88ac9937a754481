/* input.c: the lines of the files named on the command line, or stdin. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "input.h"

void
input_init(struct input *in, char **files)
{
	memset(in, 0, sizeof(*in));
	in->files = files;
	in->fd = -1;
}

/* Open the next input: 1, 0 if there is none, or -(exit code). */
static int
open_next(struct input *in)
{
	const char *f;

	if (in->files == NULL || in->files[0] == NULL) {
		if (in->next++ > 0)
			return 0;
		f = "-";
	} else if ((f = in->files[in->next++]) == NULL)
		return 0;
	if (strcmp(f, "-") == 0) {
		in->fd = 0;
		in->name = NULL;
	} else if ((in->fd = open(f, O_RDONLY | O_CLOEXEC)) < 0) {
		cli_warn("cannot open %s: %s", f, strerror(errno));
		return -EX_NOINPUT;
	} else
		in->name = f;
	if (es_lines_open(&in->lines, in->fd) != 0) {
		cli_warn("out of memory");
		return -EX_SOFTWARE;
	}
	return 1;
}

static void
close_current(struct input *in)
{
	es_lines_close(in->lines);
	in->lines = NULL;
	in->prefix_len = 0;
	if (in->fd > 0)
		close(in->fd);
	in->fd = -1;
}

/* "line N" or "FILE: line N": the prefix is set once per file, the number
 * written by hand (an snprintf per line was 2% of an import). */
static void
set_where(struct input *in)
{
	uint64_t n = es_lines_number(in->lines);
	char	 digits[24], *d = digits + sizeof(digits);

	if (in->prefix_len == 0)
		in->prefix_len = (size_t)snprintf(in->where,
		    sizeof(in->where) - sizeof(digits), "%s%sline ",
		    in->name ? in->name : "", in->name ? ": " : "");
	*--d = '\0';
	do
		*--d = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	memcpy(in->where + in->prefix_len, d, (size_t)(digits +
	    sizeof(digits) - d));
}

int
input_next(struct input *in, const char **line, size_t *len)
{
	int rc;

	for (;;) {
		if (in->lines == NULL && (rc = open_next(in)) <= 0)
			return rc;
		if ((rc = es_lines_next(in->lines, line, len)) == 1)
			break;
		if (rc < 0) {
			cli_warn("read error: %s%s%s", in->name ? in->name : "",
			    in->name ? ": " : "", strerror(-rc));
			return rc == -ENOMEM ? -EX_SOFTWARE : -EX_IOERR;
		}
		close_current(in);
	}
	set_where(in);
	return 1;
}

int
input_ready(struct input *in)
{
	return in->lines == NULL || es_lines_ready(in->lines);
}

void
input_close(struct input *in)
{
	close_current(in);
}
