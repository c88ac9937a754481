/* json.c: a strict JSON scanner that writes canonical compact text. */
#include <string.h>

#include "jsonp.h"

void
jp_init(struct jp *j, const char *s, size_t n, es_json_err *err)
{
	j->s = j->p = s;
	j->end = s + n;
	j->err = err;
	j->depth = 0;
	j->changed = 0;
	err->reason = NULL;
	err->at = 0;
	err->surrogate = 0;
}

int
jp_fail(struct jp *j, const char *reason)
{
	j->err->reason = reason;
	j->err->at = (size_t)(j->p - j->s);
	return ES_EDATA;
}

void
jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* Skip space inside a value: the canonical text has none. */
static void
inner_ws(struct jp *j)
{
	const char *p = j->p;

	jp_ws(j);
	if (j->p != p)
		j->changed = 1;
}

int
jp_expect(struct jp *j, char c, const char *reason)
{
	inner_ws(j);
	if (j->p >= j->end || *j->p != c)
		return jp_fail(j, reason);
	j->p++;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Read 4 hex digits at p; -1 if they are not. */
static long
hex4(const char *p, const char *end)
{
	long	 v = 0;
	int	 i, h;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = hexval((unsigned char)p[i])) < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static int
add_utf8(es_buf *out, unsigned long cp)
{
	char	 b[4];
	size_t	 n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return es_buf_add(out, b, n);
}

/* The canonical escape of a character that needs one, or NULL. */
static const char *
escape_of(unsigned char c, char *tmp)
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '"':	return "\\\"";
	case '\\':	return "\\\\";
	case '\b':	return "\\b";
	case '\f':	return "\\f";
	case '\n':	return "\\n";
	case '\r':	return "\\r";
	case '\t':	return "\\t";
	}
	if (c >= 0x20)
		return NULL;
	memcpy(tmp, "\\u00", 4);
	tmp[4] = hex[c >> 4];
	tmp[5] = hex[c & 15];
	tmp[6] = '\0';
	return tmp;
}

/* Append one decoded character, escaped unless raw. */
static int
add_char(es_buf *out, unsigned long cp, int raw)
{
	char		 tmp[8];
	const char	*e;

	if (!raw && cp < 0x80 && (e = escape_of((unsigned char)cp, tmp)))
		return es_buf_adds(out, e);
	return add_utf8(out, cp);
}

/* Decode the \u escape at p (after the backslash and u); advance p. */
static int
unicode_escape(struct jp *j, unsigned long *cp)
{
	long	 hi, lo;

	if ((hi = hex4(j->p, j->end)) < 0)
		return jp_fail(j, "invalid \\u escape");
	j->p += 4;
	*cp = (unsigned long)hi;
	if (hi < 0xd800 || hi > 0xdfff)
		return 0;
	if (hi <= 0xdbff && j->end - j->p >= 6 && j->p[0] == '\\' &&
	    j->p[1] == 'u' && (lo = hex4(j->p + 2, j->end)) >= 0xdc00 &&
	    lo <= 0xdfff) {
		j->p += 6;
		*cp = 0x10000 + (((unsigned long)hi - 0xd800) << 10) +
		    ((unsigned long)lo - 0xdc00);
		return 0;
	}
	j->err->surrogate = 1;	/* kept as an escape; the caller refuses */
	*cp = 0xfffd;
	return 0;
}

/* Is the \uXXXX escape at p how the canonical text writes cp? */
static int
canonical_u(const char *p, unsigned long cp)
{
	char	 tmp[8];
	const char *e;

	if (cp >= 0x20 || cp == '\b' || cp == '\f' || cp == '\n' ||
	    cp == '\r' || cp == '\t')
		return 0;
	e = escape_of((unsigned char)cp, tmp);
	return memcmp(e, p, 6) == 0;
}

static int
string_escape(struct jp *j, es_buf *out, int raw)
{
	unsigned long	 cp;
	int		 rc;
	char		 c;

	if (++j->p >= j->end)
		return jp_fail(j, "unterminated string");
	c = *j->p++;
	switch (c) {
	case '/':	cp = '/'; j->changed = 1; break;
	case '"': case '\\':	cp = (unsigned char)c; break;
	case 'b':	cp = '\b'; break;
	case 'f':	cp = '\f'; break;
	case 'n':	cp = '\n'; break;
	case 'r':	cp = '\r'; break;
	case 't':	cp = '\t'; break;
	case 'u':
		if ((rc = unicode_escape(j, &cp)) != 0)
			return rc;
		if (!canonical_u(j->p - 6, cp))
			j->changed = 1;
		break;
	default:
		j->p--;
		return jp_fail(j, "invalid escape in string");
	}
	return out ? add_char(out, cp, raw) : 0;
}

int
jp_string(struct jp *j, es_buf *out, int raw)
{
	const char	*run;
	int		 rc;

	if (j->p >= j->end || *j->p != '"')
		return jp_fail(j, "expected a string");
	j->p++;
	if (out && !raw && es_buf_addc(out, '"') != 0)
		return ES_ENOMEM;
	for (;;) {
		run = j->p;
		while (j->p < j->end && (unsigned char)*j->p >= 0x20 &&
		    *j->p != '"' && *j->p != '\\')
			j->p++;
		if (out && es_buf_add(out, run, (size_t)(j->p - run)) != 0)
			return ES_ENOMEM;
		if (j->p >= j->end)
			return jp_fail(j, "unterminated string");
		if (*j->p == '"')
			break;
		if (*j->p != '\\')
			return jp_fail(j, "invalid control character in string");
		if ((rc = string_escape(j, out, raw)) != 0)
			return rc;
	}
	j->p++;
	if (out && !raw && es_buf_addc(out, '"') != 0)
		return ES_ENOMEM;
	return 0;
}

static int
digits(struct jp *j)
{
	const char *start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start;
}

int
jp_number(struct jp *j, const char **lex, size_t *len)
{
	const char *start = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!digits(j))
		return jp_fail(j, "expected a value");
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!digits(j))
			return jp_fail(j, "invalid number");
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!digits(j))
			return jp_fail(j, "invalid number");
	}
	*lex = start;
	*len = (size_t)(j->p - start);
	return 0;
}

static int
literal(struct jp *j, es_buf *out, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return jp_fail(j, "expected a value");
	j->p += n;
	return out ? es_buf_add(out, word, n) : 0;
}

static int
container(struct jp *j, es_buf *out, char open, char close)
{
	int	 rc, first = 1;

	if (++j->depth > ES_JSON_MAXDEPTH)
		return jp_fail(j, "nested too deeply");
	j->p++;
	if (out && es_buf_addc(out, open) != 0)
		return ES_ENOMEM;
	inner_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return out ? es_buf_addc(out, close) : 0;
	}
	for (;;) {
		if (!first && out && es_buf_addc(out, ',') != 0)
			return ES_ENOMEM;
		first = 0;
		inner_ws(j);
		if (open == '{') {
			if ((rc = jp_string(j, out, 0)) != 0)
				return rc;
			if ((rc = jp_expect(j, ':', "expected ':'")) != 0)
				return rc;
			if (out && es_buf_addc(out, ':') != 0)
				return ES_ENOMEM;
			inner_ws(j);
		}
		if ((rc = jp_value(j, out)) != 0)
			return rc;
		inner_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close)
			break;
		return jp_fail(j, open == '{' ? "expected ',' or '}'" :
		    "expected ',' or ']'");
	}
	j->p++;
	j->depth--;
	return out ? es_buf_addc(out, close) : 0;
}

int
jp_value(struct jp *j, es_buf *out)
{
	const char	*lex;
	size_t		 len;
	int		 rc;

	jp_ws(j);
	if (j->p >= j->end)
		return jp_fail(j, "expected a value");
	switch (*j->p) {
	case '"':	return jp_string(j, out, 0);
	case '{':	return container(j, out, '{', '}');
	case '[':	return container(j, out, '[', ']');
	case 't':	return literal(j, out, "true");
	case 'f':	return literal(j, out, "false");
	case 'n':	return literal(j, out, "null");
	}
	if ((rc = jp_number(j, &lex, &len)) != 0)
		return rc;
	return out ? es_buf_add(out, lex, len) : 0;
}

int
es_json_canon(es_buf *out, const char *s, size_t n, es_json_err *err)
{
	struct jp	 j;
	int		 rc;

	jp_init(&j, s, n, err);
	if ((rc = jp_value(&j, out)) != 0)
		return rc;
	jp_ws(&j);
	if (j.p != j.end)
		return jp_fail(&j, "extra data after the value");
	return 0;
}

/* Bytes a JSON string literal cannot hold as they are. */
static const unsigned char must_escape[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
};

/* Might the 8 bytes hold one that must be escaped?  (No false "no".) */
static inline int
word_may_escape(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones << 7;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');

	return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) |
	    ((b - ones) & ~b)) & high;
}

int
es_json_add_string(es_buf *out, const char *s, size_t n)
{
	const char	*run, *end = s + n, *e;
	char		 tmp[8];
	uint64_t	 w;

	if (es_buf_reserve(out, n + 2) != 0)
		return ES_ENOMEM;
	out->p[out->len++] = '"';
	while (s < end) {
		run = s;
		while (end - s >= 8 && (memcpy(&w, s, 8), !word_may_escape(w)))
			s += 8;
		while (s < end && !must_escape[(unsigned char)*s])
			s++;
		if (es_buf_add(out, run, (size_t)(s - run)) != 0)
			return ES_ENOMEM;
		if (s < end) {
			e = escape_of((unsigned char)*s++, tmp);
			if (es_buf_adds(out, e) != 0)
				return ES_ENOMEM;
		}
	}
	return es_buf_addc(out, '"');
}

size_t
es_utf8_check(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t	 i = 0, need;
	unsigned long cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			uint64_t w;

			/* Runs of ASCII, eight bytes at a time. */
			while (n - i >= 8 && (memcpy(&w, s + i, 8),
			    (w & 0x8080808080808080ULL) == 0))
				i += 8;
			if (i < n && s[i] < 0x80)
				i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			need = 1; cp = s[i] & 0x1f; min = 0x80;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			need = 2; cp = s[i] & 0x0f; min = 0x800;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			need = 3; cp = s[i] & 0x07; min = 0x10000;
		} else
			return i;
		if (n - i <= need)
			return i;
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += need + 1;
	}
	return n;
}
