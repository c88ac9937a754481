/* jsonp.h: the JSON scanner shared by the codecs (lib only). */
#ifndef ES_JSONP_H
#define ES_JSONP_H

#include "es.h"

/* A scan over s[0..n): p moves forward; problems go to err. */
struct jp {
	const char	*s, *p, *end;
	es_json_err	*err;
	int		 depth;
	int		 changed;	/* the canonical text would differ */
};

void	jp_init(struct jp *j, const char *s, size_t n, es_json_err *err);
int	jp_fail(struct jp *j, const char *reason);
void	jp_ws(struct jp *j);
/* Expect byte c after space; consume it. */
int	jp_expect(struct jp *j, char c, const char *reason);
/* Append the canonical text of the value at p to out (out may be NULL:
 * validate only). */
int	jp_value(struct jp *j, es_buf *out);
/* The string at p: decoded UTF-8 (raw) or canonical literal, to out. */
int	jp_string(struct jp *j, es_buf *out, int raw);
/* The number at p: its lexeme, without copying. */
int	jp_number(struct jp *j, const char **lex, size_t *len);

#endif
