/* buf.c: growable byte buffers and number formatting. */
#include <stdlib.h>
#include <string.h>

#include "es.h"

int
es_buf_reserve(es_buf *b, size_t more)
{
	size_t	 cap;
	char	*p;

	if (b->cap - b->len > more)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len <= more) {
		if (cap > SIZE_MAX / 2)
			return ES_ENOMEM;
		cap *= 2;
	}
	if ((p = realloc(b->p, cap)) == NULL)
		return ES_ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int
es_buf_adds(es_buf *b, const char *s)
{
	return es_buf_add(b, s, strlen(s));
}

void
es_buf_free(es_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* Write the decimal digits of v backwards ending at end; return start. */
static char *
utoa_back(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return end;
}

int
es_buf_add_i64(es_buf *b, int64_t v)
{
	char	 tmp[24], *p;
	uint64_t u;

	u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	p = utoa_back(tmp + sizeof(tmp), u);
	if (v < 0)
		*--p = '-';
	return es_buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

int
es_buf_add_us(es_buf *b, int64_t us)
{
	char	 tmp[32], *p, *end = tmp + sizeof(tmp);
	uint64_t u, frac;
	int	 i;

	u = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
	frac = u % ES_US_PER_S;
	p = end;
	for (i = 0; i < 6; i++) {
		*--p = (char)('0' + frac % 10);
		frac /= 10;
	}
	*--p = '.';
	p = utoa_back(p, u / ES_US_PER_S);
	if (us < 0)
		*--p = '-';
	return es_buf_add(b, p, (size_t)(end - p));
}
