/* seqset.c: a set of sequence ids: open addressing, FNV-1a hashes. */
#include <stdlib.h>
#include <string.h>

#include "seqset.h"

static size_t
hash(const char *p, size_t n)
{
	size_t h = 14695981039346656037ULL;

	while (n-- > 0)
		h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
	return h;
}

static char **
find(char **slots, size_t cap, const char *id, size_t n)
{
	size_t i = hash(id, n) & (cap - 1);

	while (slots[i] != NULL && ((unsigned char)slots[i][0] != n ||
	    memcmp(slots[i] + 1, id, n) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int
grow(struct seqset *s)
{
	size_t	 cap = s->cap ? s->cap * 2 : 64, i;
	char	**slots;

	if ((slots = calloc(cap, sizeof(*slots))) == NULL)
		return -1;
	for (i = 0; i < s->cap; i++)
		if (s->slots[i] != NULL)
			*find(slots, cap, s->slots[i] + 1,
			    (unsigned char)s->slots[i][0]) = s->slots[i];
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

int
seqset_add(struct seqset *s, const char *id, size_t n)
{
	char **slot;

	if ((s->n + 1) * 2 > s->cap && grow(s) != 0)
		return 1;
	slot = find(s->slots, s->cap, id, n);
	if (*slot != NULL)
		return 0;
	if ((*slot = malloc(n + 1)) == NULL)
		return 1;
	(*slot)[0] = (char)n;
	memcpy(*slot + 1, id, n);
	s->n++;
	return 1;
}

void
seqset_free(struct seqset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
