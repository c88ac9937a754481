/* item.c: the input codec: one JSON line to a unit of items. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonp.h"

/* Slots of a scanned object.  Tracking objects reuse the first three. */
enum slot_id { S_SEQ, S_POS, S_TOPIC, S_STATE, S_CAUSAL, S_ITEMS,
	S_TRACKING, S_N };
#define S_UPSTREAM	S_SEQ
#define S_PIPELINE	S_POS
#define S_NID		S_TOPIC

/* How a member's value is scanned. */
enum kind { K_STRING, K_NUMBER, K_STATE, K_CANON, K_ITEMS, K_TRACKING };

/* Which object is scanned: an item, the line's object, a tracking one. */
enum mode { M_ITEM, M_TOP, M_TRACKING };

struct key {
	const char	*name;
	const char	*label;		/* the name in messages */
	enum slot_id	 slot;
	enum kind	 kind;
};

static const struct key item_keys[] = {
	{ "sequence_id", "sequence_id", S_SEQ, K_STRING },
	{ "originator_id", "originator_id", S_SEQ, K_STRING },
	{ "position", "position", S_POS, K_NUMBER },
	{ "originator_version", "originator_version", S_POS, K_NUMBER },
	{ "topic", "topic", S_TOPIC, K_STRING },
	{ "state", "state", S_STATE, K_STATE },
	{ "causal_dependencies", "causal_dependencies", S_CAUSAL, K_CANON },
	{ "items", "items", S_ITEMS, K_ITEMS },
	{ "tracking", "tracking", S_TRACKING, K_TRACKING },
	{ NULL, NULL, 0, 0 }
};

static const struct key tracking_keys[] = {
	{ "application_name", "tracking.application_name", S_UPSTREAM, K_STRING },
	{ "pipeline_id", "tracking.pipeline_id", S_PIPELINE, K_NUMBER },
	{ "notification_id", "tracking.notification_id", S_NID, K_NUMBER },
	{ NULL, NULL, 0, 0 }
};

/* One member's value as scanned: its type and where its text went. */
struct slot {
	const char	*key;		/* the name used, NULL if absent */
	char		 type;		/* first byte of the value */
	size_t		 off, len;	/* decoded/canonical text in the arena */
	const char	*lex;		/* a number's lexeme, in the line */
	size_t		 lexlen;
	const char	*inl;		/* canonical text found as is in the line */
	int		 surrogate;	/* a lone surrogate escape */
};

#define MAXNAMES 16

/* An object as scanned, with the first problems seen in key order. */
struct raw {
	char		 type;		/* '{', or what the value was instead */
	struct slot	 s[S_N];
	size_t		 dup;		/* arena offset of a repeated key */
	size_t		 unknown;	/* the first unknown key */
	const char	*same, *other;	/* ... or two names of one field */
	size_t		 nonenv;	/* the first key not of an envelope */
	size_t		 names[MAXNAMES]; /* unknown keys seen */
	int		 nnames;
};

struct es_parser {
	unsigned	 flags;
	es_buf		 arena;		/* decoded strings, canonical states */
	struct raw	 top;		/* the line's object */
	struct raw	 track;		/* an envelope's tracking object */
	struct raw	*raws;		/* array elements */
	size_t		 nraws, capraws;
	es_item		*items;
	size_t		 capitems;
	es_tracking	 tracking;
	es_json_err	 err;
	char		 errmsg[512];
	const char	*where;
};

static int scan_object(es_parser *, struct jp *, struct raw *, enum mode);

int
es_parser_new(es_parser **pp, unsigned flags)
{
	if ((*pp = calloc(1, sizeof(**pp))) == NULL)
		return ES_ENOMEM;
	(*pp)->flags = flags;
	return 0;
}

void
es_parser_free(es_parser *p)
{
	if (p == NULL)
		return;
	es_buf_free(&p->arena);
	free(p->raws);
	free(p->items);
	free(p);
}

const char *
es_parser_errmsg(const es_parser *p)
{
	return p->errmsg;
}

/* Set the message "WHERE: ..." and return ES_EDATA. */
static int
perr(es_parser *p, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
perr(es_parser *p, const char *where, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(p->errmsg, sizeof(p->errmsg), "%s: ", where);
	if (n < 0 || (size_t)n >= sizeof(p->errmsg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(p->errmsg + n, sizeof(p->errmsg) - (size_t)n, fmt, ap);
	va_end(ap);
	return ES_EDATA;
}

static const char *
jtype(char c)
{
	switch (c) {
	case '{':	return "an object";
	case '[':	return "an array";
	case '"':	return "a string";
	case 'n':	return "null";
	case 't': case 'f': return "a boolean";
	}
	return "a number";
}

static const char *
astr(const es_parser *p, size_t off)
{
	return p->arena.p + off;
}

static struct raw *
new_raw(es_parser *p)
{
	struct raw	*r;
	size_t		 cap;

	if (p->nraws == p->capraws) {
		cap = p->capraws ? p->capraws * 2 : 8;
		if ((r = realloc(p->raws, cap * sizeof(*r))) == NULL)
			return NULL;
		p->raws = r;
		p->capraws = cap;
	}
	r = &p->raws[p->nraws++];
	memset(r, 0, sizeof(*r));
	return r;
}

/* Scan the elements of an array of items (a batch, or "items"). */
static int
scan_items(es_parser *p, struct jp *j)
{
	struct raw	*r;
	int		 rc;

	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		jp_ws(j);
		if ((r = new_raw(p)) == NULL)
			return ES_ENOMEM;
		r->type = j->p < j->end ? *j->p : '\0';
		if (r->type == '{')
			rc = scan_object(p, j, r, M_ITEM);
		else
			rc = jp_value(j, NULL);
		if (rc != 0)
			return rc;
		jp_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']')
			break;
		return jp_fail(j, "expected ',' or ']'");
	}
	j->p++;
	return 0;
}

/*
 * A value kept as canonical text: most producers write it so already, and
 * then it is used where it stands in the line; else it is rewritten into
 * the arena.
 */
static int
scan_canon(struct jp *j, es_buf *out, struct slot *sl)
{
	const char	*start = j->p;
	int		 rc;

	j->changed = 0;
	if ((rc = jp_value(j, NULL)) != 0)
		return rc;
	sl->surrogate = j->err->surrogate;
	if (!j->changed) {
		sl->inl = start;
		sl->len = (size_t)(j->p - start);
		return 0;
	}
	j->p = start;
	rc = jp_value(j, out);
	sl->len = out->len - sl->off;
	return rc;
}

/* Scan one member value into its slot. */
static int
scan_value(es_parser *p, struct jp *j, struct slot *sl, enum kind kind)
{
	es_buf	*out = &p->arena;
	int	 rc;

	jp_ws(j);
	sl->type = j->p < j->end ? *j->p : '\0';
	sl->off = out->len;
	j->err->surrogate = 0;
	if (kind == K_ITEMS && sl->type == '[')
		rc = scan_items(p, j);
	else if (kind == K_TRACKING && sl->type == '{')
		rc = scan_object(p, j, &p->track, M_TRACKING);
	else if ((kind == K_STRING || kind == K_STATE) && sl->type == '"')
		rc = jp_string(j, out, kind == K_STRING ||
		    (p->flags & ES_PARSE_VERBATIM));
	else if (kind == K_NUMBER && (sl->type == '-' ||
	    (sl->type >= '0' && sl->type <= '9')))
		rc = jp_number(j, &sl->lex, &sl->lexlen);
	else if (kind == K_STATE || kind == K_CANON)
		return scan_canon(j, out, sl);
	else
		rc = jp_value(j, NULL);
	sl->len = out->len - sl->off;
	sl->surrogate = j->err->surrogate;
	return rc;
}

static const struct key *
find_key(enum mode mode, unsigned flags, const char *name)
{
	const struct key *k;

	k = mode == M_TRACKING ? tracking_keys : item_keys;
	for (; k->name; k++) {
		if (strcmp(k->name, name) != 0)
			continue;
		if ((k->slot == S_ITEMS || k->slot == S_TRACKING) &&
		    (mode != M_TOP || (flags & ES_PARSE_SNAPSHOT)))
			return NULL;
		if (k->slot == S_CAUSAL && (flags & ES_PARSE_SNAPSHOT))
			return NULL;
		return k;
	}
	return NULL;
}

/* Note an unknown key: remember the first, and any repeat. */
static int
note_unknown(es_parser *p, struct raw *r, size_t name)
{
	int i;

	for (i = 0; i < r->nnames; i++)
		if (!r->dup && strcmp(astr(p, r->names[i]), astr(p, name)) == 0)
			r->dup = name;
	if (r->nnames < MAXNAMES)
		r->names[r->nnames++] = name;
	if (!r->unknown && !r->same)
		r->unknown = name;
	return 0;
}

/* Scan one "key": value member of an object. */
static int
scan_member(es_parser *p, struct jp *j, struct raw *r, enum mode mode)
{
	const struct key *k;
	struct slot	 tmp, *sl;
	size_t		 name, start = p->arena.len;
	int		 rc;

	/* The key, decoded and NUL-terminated in the arena. */
	jp_ws(j);
	if ((rc = jp_string(j, &p->arena, 1)) != 0)
		return rc;
	if (es_buf_addc(&p->arena, '\0') != 0)
		return ES_ENOMEM;
	name = start;
	if ((rc = jp_expect(j, ':', "expected ':'")) != 0)
		return rc;
	k = find_key(mode, p->flags, astr(p, name));
	if (mode == M_TOP && !r->nonenv && (k == NULL ||
	    (k->slot != S_ITEMS && k->slot != S_TRACKING)))
		r->nonenv = name;
	if (k == NULL) {
		note_unknown(p, r, name);
		memset(&tmp, 0, sizeof(tmp));
		return scan_value(p, j, &tmp, K_CANON);
	}
	sl = &r->s[k->slot];
	if (sl->key == k->label && !r->dup)
		r->dup = name;
	else if (sl->key != NULL && !r->same && !r->unknown) {
		r->same = k->label;
		r->other = sl->key;
	}
	sl->key = k->label;
	return scan_value(p, j, sl, k->kind);
}

static int
scan_object(es_parser *p, struct jp *j, struct raw *r, enum mode mode)
{
	int rc;

	if (++j->depth > ES_JSON_MAXDEPTH)
		return jp_fail(j, "nested too deeply");
	r->type = '{';
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		if ((rc = scan_member(p, j, r, mode)) != 0)
			return rc;
		jp_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}')
			break;
		return jp_fail(j, "expected ',' or '}'");
	}
	j->p++;
	j->depth--;
	return 0;
}

/*
 * Validation, in the order of the reference model: repeated key, unknown
 * key or two names of one field, missing field, then each field.
 */

static int
check_string(es_parser *p, const char *where, const struct slot *sl)
{
	if (sl->type != '"')
		return perr(p, where, "%s: must be a string, not %s", sl->key,
		    jtype(sl->type));
	if (sl->len == 0)
		return perr(p, where, "%s: must not be empty", sl->key);
	if (memchr(astr(p, sl->off), '\0', sl->len) != NULL)
		return perr(p, where, "%s: must not contain NUL", sl->key);
	if (sl->surrogate)
		return perr(p, where, "%s: invalid Unicode (unpaired surrogate)",
		    sl->key);
	return 0;
}

/* An integer lexeme in lo..hi (lo >= 0) to *v. */
static int
check_int(es_parser *p, const char *where, const struct slot *sl,
    int64_t hi, const char *what, int64_t *v)
{
	uint64_t	 n = 0;
	size_t		 i;
	int		 neg, big = 0;

	if (sl->type == '"' || sl->type == '{' || sl->type == '[' ||
	    sl->type == 't' || sl->type == 'f' || sl->type == 'n')
		return perr(p, where, "%s: must be an integer from 0 to %lld, "
		    "not %s", sl->key, (long long)hi, jtype(sl->type));
	neg = sl->lex[0] == '-';
	for (i = neg; i < sl->lexlen; i++) {
		if (sl->lex[i] < '0' || sl->lex[i] > '9')
			return perr(p, where, "%s: must be an integer from 0 "
			    "to %lld, not %.*s", sl->key, (long long)hi,
			    (int)sl->lexlen, sl->lex);
		if (n > (UINT64_MAX - 9) / 10)
			big = 1;
		else
			n = n * 10 + (uint64_t)(sl->lex[i] - '0');
	}
	if (neg || big || n > (uint64_t)hi)
		return perr(p, where, "%s: %s out of range 0..%lld: %.*s",
		    sl->key, what, (long long)hi, (int)sl->lexlen, sl->lex);
	*v = (int64_t)n;
	return 0;
}

/* A JSON number lexeme to exact microseconds; -1 if not exact or big. */
static int64_t
lex_to_us(const char *s, size_t n)
{
	char		 d[64];
	size_t		 nd = 0, i = 0;
	long		 e = 6, ex = 0;
	int		 exneg = 0, neg = 0;
	uint64_t	 v = 0;

	if (i < n && s[i] == '-')
		neg = 1, i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		if (nd > 0 || s[i] != '0') {
			if (nd == sizeof(d))
				return -1;
			d[nd++] = s[i];
		}
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			e--;
			if (nd > 0 || s[i] != '0') {
				if (nd == sizeof(d))
					return -1;
				d[nd++] = s[i];
			}
		}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			exneg = s[i++] == '-';
		for (; i < n; i++)
			if ((ex = ex * 10 + (s[i] - '0')) > 1000)
				return -1;
	}
	e += exneg ? -ex : ex;
	while (nd > 0 && d[nd - 1] == '0' && e < 0)
		nd--, e++;
	if (nd == 0)
		return 0;
	if (e < 0 || neg)
		return -1;
	for (i = 0; i < nd; i++) {
		if (v > (uint64_t)(INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(d[i] - '0');
	}
	for (; e > 0; e--) {
		if (v > (uint64_t)INT64_MAX / 10)
			return -1;
		v *= 10;
	}
	return (int64_t)v;
}

static int
check_position(es_parser *p, const char *where, const struct slot *sl,
    int64_t *pos)
{
	if (!(p->flags & ES_PARSE_TIMESTAMP))
		return check_int(p, where, sl, ES_POS_MAX, "position", pos);
	if (sl->lex == NULL)
		return perr(p, where, "%s: must be a decimal number of seconds, "
		    "not %s", sl->key, jtype(sl->type));
	if ((*pos = lex_to_us(sl->lex, sl->lexlen)) < 0)
		return perr(p, where, "%s: must be a non-negative number of "
		    "seconds with at most 6 decimal places: %.*s", sl->key,
		    (int)sl->lexlen, sl->lex);
	return 0;
}

static int
check_names(es_parser *p, const char *where, const struct raw *r,
    const char *prefix)
{
	if (r->dup)
		return perr(p, where, "%s%s: duplicate field", prefix,
		    astr(p, r->dup));
	if (r->unknown)
		return perr(p, where, "%s%s: unknown field", prefix,
		    astr(p, r->unknown));
	if (r->same)
		return perr(p, where, "%s%s: the same field as %s", prefix,
		    r->same, r->other);
	return 0;
}

static int
check_state(es_parser *p, const char *where, const struct slot *sl)
{
	if ((p->flags & ES_PARSE_VERBATIM) && sl->type != '"')
		return perr(p, where, "%s: must be a string with --verbatim, "
		    "not %s", sl->key, jtype(sl->type));
	if (sl->surrogate)
		return perr(p, where, "%s: invalid Unicode (unpaired surrogate)",
		    sl->key);
	return 0;
}

/* A UUID sequence id becomes its canonical form, added to the arena. */
static int
check_uuid(es_parser *p, es_item *it)
{
	char	 canon[37];

	if (es_uuid_canon(p->arena.p + (uintptr_t)it->seq, it->seq_len,
	    canon) == 0)
		return 0;
	it->seq = (const char *)(uintptr_t)p->arena.len;
	it->seq_len = 36;
	return es_buf_add(&p->arena, canon, 36);
}

/* Validate a scanned item object into it (pointers set later). */
static int
check_item(es_parser *p, const char *where, const struct raw *r,
    es_item *it)
{
	static const enum slot_id need[] = { S_SEQ, S_POS, S_TOPIC, S_STATE };
	static const char *names[] = { "sequence_id", "position", "topic",
	    "state" };
	const struct slot *s = r->s;
	int		 rc;
	size_t		 i;

	if (r->type != '{')
		return perr(p, where, "an item must be a JSON object, not %s",
		    jtype(r->type));
	if ((rc = check_names(p, where, r, "")) != 0)
		return rc;
	for (i = 0; i < 4; i++)
		if (s[need[i]].key == NULL && (need[i] != S_POS ||
		    (p->flags & ES_PARSE_SNAPSHOT)))
			return perr(p, where, "%s: missing field", names[i]);
	if ((rc = check_string(p, where, &s[S_SEQ])) != 0)
		return rc;
	memset(it, 0, sizeof(*it));
	it->seq = (const char *)(uintptr_t)s[S_SEQ].off;
	it->seq_len = s[S_SEQ].len;
	if ((rc = check_uuid(p, it)) != 0)
		return rc;
	if (it->seq_len > ES_SEQ_MAX)
		return perr(p, where, "%s: longer than %d bytes", s[S_SEQ].key,
		    ES_SEQ_MAX);
	if (s[S_POS].key != NULL) {
		if ((rc = check_position(p, where, &s[S_POS], &it->pos)) != 0)
			return rc;
		it->flags |= ES_ITEM_POS;
	}
	if ((rc = check_string(p, where, &s[S_TOPIC])) != 0 ||
	    (rc = check_state(p, where, &s[S_STATE])) != 0)
		return rc;
	if (s[S_CAUSAL].key != NULL) {
		if (s[S_CAUSAL].surrogate)
			return perr(p, where, "%s: invalid Unicode (unpaired "
			    "surrogate)", s[S_CAUSAL].key);
		it->flags |= ES_ITEM_CAUSAL;
	}
	if (!(p->flags & ES_PARSE_VERBATIM))
		it->flags |= ES_ITEM_STATE_JSON;
	/* Offsets for now: pointers once the arena stops moving. */
	it->topic = (const char *)(uintptr_t)s[S_TOPIC].off;
	it->topic_len = s[S_TOPIC].len;
	it->state = (const char *)(uintptr_t)s[S_STATE].off;
	it->state_len = s[S_STATE].len;
	it->causal = (const char *)(uintptr_t)s[S_CAUSAL].off;
	it->causal_len = s[S_CAUSAL].len;
	return 0;
}

static int
check_tracking(es_parser *p, const char *where)
{
	static const enum slot_id need[] = { S_UPSTREAM, S_PIPELINE, S_NID };
	static const char *names[] = { "application_name", "pipeline_id",
	    "notification_id" };
	const struct slot *s = p->track.s;
	es_tracking	*t = &p->tracking;
	int64_t		 v;
	int		 rc;
	size_t		 i;

	if ((rc = check_names(p, where, &p->track, "tracking.")) != 0)
		return rc;
	for (i = 0; i < 3; i++)
		if (s[need[i]].key == NULL)
			return perr(p, where, "tracking.%s: missing field",
			    names[i]);
	if ((rc = check_string(p, where, &s[S_UPSTREAM])) != 0)
		return rc;
	if (s[S_UPSTREAM].len > ES_SEQ_MAX)
		return perr(p, where, "%s: longer than %d bytes",
		    s[S_UPSTREAM].key, ES_SEQ_MAX);
	t->upstream = (const char *)(uintptr_t)s[S_UPSTREAM].off;
	t->upstream_len = s[S_UPSTREAM].len;
	if ((rc = check_int(p, where, &s[S_PIPELINE], ES_PIPELINE_MAX,
	    "pipeline id", &v)) != 0)
		return rc;
	t->pipeline = (uint32_t)v;
	if ((rc = check_int(p, where, &s[S_NID], ES_POS_MAX,
	    "notification id", &v)) != 0)
		return rc;
	t->nid = (uint64_t)v;
	return 0;
}

static int
reserve_items(es_parser *p, size_t n)
{
	es_item	*items;
	size_t	 cap;

	if (n <= p->capitems)
		return 0;
	cap = p->capitems ? p->capitems : 8;
	while (cap < n)
		cap *= 2;
	if ((items = realloc(p->items, cap * sizeof(*items))) == NULL)
		return ES_ENOMEM;
	p->items = items;
	p->capitems = cap;
	return 0;
}

/* Validate the scanned elements as the unit's items. */
static int
check_elements(es_parser *p, es_unit *u, const char *fmt, int base)
{
	char	 where[128];
	size_t	 i;
	int	 rc;

	if ((rc = reserve_items(p, p->nraws)) != 0)
		return rc;
	for (i = 0; i < p->nraws; i++) {
		snprintf(where, sizeof(where), fmt, p->where, (int)i + base);
		if ((rc = check_item(p, where, &p->raws[i], &p->items[i])) != 0)
			return rc;
	}
	u->n_items = p->nraws;
	return 0;
}

static int
check_envelope(es_parser *p, es_unit *u)
{
	const struct raw *r = &p->top;
	int		 rc;

	if (r->dup)
		return perr(p, p->where, "%s: duplicate field",
		    astr(p, r->dup));
	if (r->nonenv)
		return perr(p, p->where, "%s: unknown field in an envelope",
		    astr(p, r->nonenv));
	if (r->s[S_ITEMS].key == NULL)
		return perr(p, p->where, "items: missing field in an envelope");
	if (r->s[S_TRACKING].key == NULL)
		return perr(p, p->where,
		    "tracking: missing field in an envelope");
	if (r->s[S_ITEMS].type != '[')
		return perr(p, p->where, "items: must be an array, not %s",
		    jtype(r->s[S_ITEMS].type));
	if ((rc = check_elements(p, u, "%s: items[%d]", 0)) != 0)
		return rc;
	if (r->s[S_TRACKING].type != '{')
		return perr(p, p->where, "tracking: must be an object, not %s",
		    jtype(r->s[S_TRACKING].type));
	if ((rc = check_tracking(p, p->where)) != 0)
		return rc;
	u->kind = ES_UNIT_ENVELOPE;
	u->tracking = &p->tracking;
	return 0;
}

/* Where a slot's text is: in the line, or at an arena offset. */
static const char *
text_of(const es_parser *p, const struct slot *sl, const char *off)
{
	return sl->inl ? sl->inl : p->arena.p + (uintptr_t)off;
}

/* Turn the arena offsets of the unit into pointers. */
static void
fix_pointers(es_parser *p, es_unit *u)
{
	const char		*base = p->arena.p;
	const struct raw	*r;
	size_t			 i;

	for (i = 0; i < u->n_items; i++) {
		es_item *it = &u->items[i];

		r = u->kind == ES_UNIT_ITEM ? &p->top : &p->raws[i];
		it->seq = base + (uintptr_t)it->seq;
		it->topic = base + (uintptr_t)it->topic;
		it->state = text_of(p, &r->s[S_STATE], it->state);
		it->causal = text_of(p, &r->s[S_CAUSAL], it->causal);
	}
	if (u->tracking)
		u->tracking->upstream = base + (uintptr_t)u->tracking->upstream;
}

static int
not_json(es_parser *p, const char *line)
{
	const char *r = p->err.reason ? p->err.reason : "out of memory";

	(void)line;
	return perr(p, p->where, "not JSON: %s at column %zu", r,
	    p->err.at + 1);
}

/* Scan the whole line; nothing is checked but JSON syntax. */
static int
scan_line(es_parser *p, struct jp *j, char *first)
{
	int rc;

	jp_ws(j);
	*first = j->p < j->end ? *j->p : '\0';
	if (*first == '[')
		rc = scan_items(p, j);
	else if (*first == '{')
		rc = scan_object(p, j, &p->top, M_TOP);
	else
		rc = jp_value(j, NULL);
	if (rc == 0) {
		jp_ws(j);
		if (j->p != j->end)
			rc = jp_fail(j, "extra data after the value");
	}
	return rc;
}

static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

int
es_parse_line(es_parser *p, const char *line, size_t n, const char *where,
    es_unit *u)
{
	struct jp	 j;
	size_t		 bad;
	char		 first;
	int		 rc;

	memset(u, 0, sizeof(*u));
	p->where = u->where = where;
	p->arena.len = 0;
	p->nraws = 0;
	memset(&p->top, 0, sizeof(p->top));
	memset(&p->track, 0, sizeof(p->track));
	if (blank(line, n))
		return 1;
	if ((bad = es_utf8_check(line, n)) != n)
		return perr(p, where, "invalid UTF-8 at byte %zu", bad + 1);
	/* Offset 0 of the arena means "no name". */
	if (es_buf_addc(&p->arena, '\0') != 0)
		return ES_ENOMEM;
	jp_init(&j, line, n, &p->err);
	if ((rc = scan_line(p, &j, &first)) != 0)
		return rc == ES_ENOMEM ? rc : not_json(p, line);
	u->items = p->items;
	if (first == '[') {
		u->kind = ES_UNIT_BATCH;
		rc = check_elements(p, u, "%s: item %d", 1);
	} else if (first == '{' && !(p->flags & ES_PARSE_SNAPSHOT) &&
	    (p->top.s[S_ITEMS].key || p->top.s[S_TRACKING].key)) {
		rc = check_envelope(p, u);
	} else if (first == '{') {
		u->kind = ES_UNIT_ITEM;
		if ((rc = reserve_items(p, 1)) == 0)
			rc = check_item(p, where, &p->top, &p->items[0]);
		u->n_items = 1;
	} else
		return perr(p, where, "expected an item object, an array of "
		    "items or an envelope, not %s", jtype(first));
	if (rc != 0)
		return rc;
	u->items = p->items;
	fix_pointers(p, u);
	return 0;
}

void
es_unit_where(const es_unit *u, size_t i, char *buf, size_t size)
{
	if (u->kind == ES_UNIT_BATCH)
		snprintf(buf, size, "%s: item %zu", u->where, i + 1);
	else if (u->kind == ES_UNIT_ENVELOPE)
		snprintf(buf, size, "%s: items[%zu]", u->where, i);
	else
		snprintf(buf, size, "%s", u->where);
}
