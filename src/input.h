/* input.h: the lines of the files named on the command line, or stdin. */
#ifndef ES_INPUT_H
#define ES_INPUT_H

#include "es.h"

struct input {
	char	**files;	/* NULL-terminated; empty: stdin */
	int	  next;		/* index of the next file to open */
	const char *name;	/* the current file, NULL for stdin */
	es_lines *lines;
	int	  fd;
	char	  where[300];	/* "line 3" or "FILE: line 3" */
	size_t	  prefix_len;	/* of where, up to the number */
};

/* Start reading files (NULL or empty: stdin). */
void	input_init(struct input *in, char **files);
/* The next line: 1, 0 at the end, or -(exit code) after a message. */
int	input_next(struct input *in, const char **line, size_t *len);
/* Non-zero if input_next() would not block now. */
int	input_ready(struct input *in);
void	input_close(struct input *in);

#endif
