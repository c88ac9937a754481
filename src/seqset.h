/* seqset.h: a set of sequence ids (es-append --expect-last). */
#ifndef ES_SEQSET_H
#define ES_SEQSET_H

#include <stddef.h>

struct seqset {
	char	**slots;	/* each: length byte, then the id */
	size_t	  cap, n;
};

/* Add an id: 1 if it was new, 0 if present (or out of memory: the
 * caller then checks it again, which is harmless). */
int	seqset_add(struct seqset *s, const char *id, size_t n);
void	seqset_free(struct seqset *s);

#endif
