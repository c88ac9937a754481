/* merge.c: RFC 7386 JSON merge patch over a small tree that keeps number
 * lexemes and member order (a repeated key keeps its first place and takes
 * the last value, as a Python dict does). */
#include <stdlib.h>
#include <string.h>

#include "jsonp.h"

#define COMPACT_MIN	(1u << 20)	/* text bytes before compacting */

struct node {
	char	 type;		/* '{', '[', or 'v' for any other value */
	size_t	 key, klen;	/* a member's key: canonical quoted text */
	size_t	 off, len;	/* a scalar: canonical text */
	int32_t	 first, last;	/* children */
	int32_t	 next;		/* the next sibling */
};

struct es_merge {
	es_buf		 text;		/* keys and scalars of every node */
	struct node	*nodes;
	size_t		 n, cap;
	int32_t		 root;		/* -1: no state yet */
	size_t		 live;		/* the state's size when last compacted */
	es_buf		 tmp;
};

int
es_merge_new(es_merge **mp)
{
	if ((*mp = calloc(1, sizeof(**mp))) == NULL)
		return ES_ENOMEM;
	(*mp)->root = -1;
	return 0;
}

void
es_merge_free(es_merge *m)
{
	if (m == NULL)
		return;
	es_buf_free(&m->text);
	es_buf_free(&m->tmp);
	free(m->nodes);
	free(m);
}

void
es_merge_reset(es_merge *m)
{
	m->text.len = 0;
	m->n = 0;
	m->root = -1;
	m->live = 0;
}

static int32_t
new_node(es_merge *m, char type)
{
	struct node	*nodes;
	size_t		 cap;

	if (m->n == m->cap) {
		cap = m->cap ? m->cap * 2 : 64;
		if (cap > INT32_MAX ||
		    (nodes = realloc(m->nodes, cap * sizeof(*nodes))) == NULL)
			return -1;
		m->nodes = nodes;
		m->cap = cap;
	}
	memset(&m->nodes[m->n], 0, sizeof(m->nodes[m->n]));
	m->nodes[m->n].type = type;
	m->nodes[m->n].first = m->nodes[m->n].last = -1;
	m->nodes[m->n].next = -1;
	return (int32_t)m->n++;
}

static int
same_key(const es_merge *m, int32_t a, size_t key, size_t klen)
{
	return m->nodes[a].klen == klen &&
	    memcmp(m->text.p + m->nodes[a].key, m->text.p + key, klen) == 0;
}

/* The member of object o with the key, or -1; *prev its predecessor. */
static int32_t
find(const es_merge *m, int32_t o, size_t key, size_t klen, int32_t *prev)
{
	int32_t c;

	*prev = -1;
	for (c = m->nodes[o].first; c >= 0; *prev = c, c = m->nodes[c].next)
		if (same_key(m, c, key, klen))
			return c;
	return -1;
}

static void
append(es_merge *m, int32_t parent, int32_t child)
{
	struct node *p = &m->nodes[parent];

	m->nodes[child].next = -1;
	if (p->last >= 0)
		m->nodes[p->last].next = child;
	else
		p->first = child;
	p->last = child;
}

/* Give node dst the value of node src, keeping dst's key and place. */
static void
take_value(es_merge *m, int32_t dst, int32_t src)
{
	struct node *d = &m->nodes[dst], *s = &m->nodes[src];

	if (dst == src)
		return;
	d->type = s->type;
	d->off = s->off, d->len = s->len;
	d->first = s->first, d->last = s->last;
}

static int32_t build(es_merge *m, struct jp *j, int *rc);

/* Add a member to object o; a repeated key replaces the value in place. */
static void
add_member(es_merge *m, int32_t o, int32_t child)
{
	int32_t old, prev;

	old = find(m, o, m->nodes[child].key, m->nodes[child].klen, &prev);
	if (old >= 0)
		take_value(m, old, child);
	else
		append(m, o, child);
}

static int32_t
build_container(es_merge *m, struct jp *j, int *rc)
{
	char	 open = *j->p, close = open == '{' ? '}' : ']';
	int32_t	 o, child;
	size_t	 key = 0, klen = 0;

	if ((o = new_node(m, open)) < 0 || ++j->depth > ES_JSON_MAXDEPTH)
		return *rc = o < 0 ? ES_ENOMEM : jp_fail(j, "nested too deeply"),
		    -1;
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return o;
	}
	for (;;) {
		jp_ws(j);
		if (open == '{') {
			key = m->text.len;
			if ((*rc = jp_string(j, &m->text, 0)) != 0 ||
			    (*rc = jp_expect(j, ':', "expected ':'")) != 0)
				return -1;
			klen = m->text.len - key;
		}
		if ((child = build(m, j, rc)) < 0)
			return -1;
		m->nodes[child].key = key, m->nodes[child].klen = klen;
		if (open == '{')
			add_member(m, o, child);
		else
			append(m, o, child);
		jp_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close)
			break;
		*rc = jp_fail(j, "expected ',' or a closing bracket");
		return -1;
	}
	j->p++;
	j->depth--;
	return o;
}

/* Build the tree of the JSON value at j->p; -1 with *rc on error. */
static int32_t
build(es_merge *m, struct jp *j, int *rc)
{
	int32_t	 v;
	size_t	 off;

	jp_ws(j);
	if (j->p < j->end && (*j->p == '{' || *j->p == '['))
		return build_container(m, j, rc);
	off = m->text.len;
	if ((*rc = jp_value(j, &m->text)) != 0)
		return -1;
	if ((v = new_node(m, 'v')) < 0) {
		*rc = ES_ENOMEM;
		return -1;
	}
	m->nodes[v].off = off;
	m->nodes[v].len = m->text.len - off;
	return v;
}

static int32_t
parse(es_merge *m, const char *s, size_t n, int *rc)
{
	es_json_err	 err;
	struct jp	 j;
	int32_t		 v;

	jp_init(&j, s, n, &err);
	if ((v = build(m, &j, rc)) < 0)
		return -1;
	jp_ws(&j);
	if (j.p != j.end || err.surrogate) {
		*rc = ES_EDATA;
		return -1;
	}
	return v;
}

static int
is_null(const es_merge *m, int32_t v)
{
	return m->nodes[v].type == 'v' && m->nodes[v].len == 4 &&
	    memcmp(m->text.p + m->nodes[v].off, "null", 4) == 0;
}

/* MergePatch(target, patch) of RFC 7386 §2; target -1 is "undefined". */
static int32_t
merge(es_merge *m, int32_t target, int32_t patch)
{
	int32_t	 c, next, old, prev, v;

	if (m->nodes[patch].type != '{')
		return patch;
	if (target < 0 || m->nodes[target].type != '{')
		if ((target = new_node(m, '{')) < 0)
			return -1;
	for (c = m->nodes[patch].first; c >= 0; c = next) {
		next = m->nodes[c].next;
		old = find(m, target, m->nodes[c].key, m->nodes[c].klen, &prev);
		if (is_null(m, c)) {
			if (old >= 0 && prev >= 0)
				m->nodes[prev].next = m->nodes[old].next;
			else if (old >= 0)
				m->nodes[target].first = m->nodes[old].next;
			if (old >= 0 && m->nodes[target].last == old)
				m->nodes[target].last = prev;
			continue;
		}
		if ((v = merge(m, old, c)) < 0)
			return -1;
		if (old >= 0)
			take_value(m, old, v);
		else {
			m->nodes[v].key = m->nodes[c].key;
			m->nodes[v].klen = m->nodes[c].klen;
			append(m, target, v);
		}
	}
	return target;
}

static int
emit(const es_merge *m, int32_t v, es_buf *out)
{
	const struct node *n = &m->nodes[v];
	int32_t		 c;
	int		 rc = 0;

	if (n->type == 'v')
		return es_buf_add(out, m->text.p + n->off, n->len);
	rc |= es_buf_addc(out, n->type);
	for (c = n->first; c >= 0 && rc == 0; c = m->nodes[c].next) {
		if (c != n->first)
			rc |= es_buf_addc(out, ',');
		if (n->type == '{') {
			rc |= es_buf_add(out, m->text.p + m->nodes[c].key,
			    m->nodes[c].klen);
			rc |= es_buf_addc(out, ':');
		}
		rc |= emit(m, c, out);
	}
	rc |= es_buf_addc(out, n->type == '{' ? '}' : ']');
	return rc ? ES_ENOMEM : 0;
}

int
es_merge_result(es_merge *m, es_buf *out)
{
	if (m->root < 0)
		return es_buf_adds(out, "null");
	return emit(m, m->root, out);
}

int
es_merge_set(es_merge *m, const char *json, size_t n)
{
	int	 rc = 0;

	es_merge_reset(m);
	m->root = parse(m, json, n, &rc);
	m->live = n;
	return rc;
}

/* Rebuild the tree from its text when dead patches fill the arena. */
static int
compact(es_merge *m)
{
	int rc;

	if (m->text.len < COMPACT_MIN || m->text.len < 4 * m->live)
		return 0;
	m->tmp.len = 0;
	if ((rc = es_merge_result(m, &m->tmp)) != 0)
		return rc;
	return es_merge_set(m, m->tmp.p, m->tmp.len);
}

int
es_merge_apply(es_merge *m, const char *json, size_t n)
{
	int32_t	 patch, root;
	int	 rc = 0;

	if ((patch = parse(m, json, n, &rc)) < 0)
		return rc;
	if ((root = merge(m, m->root, patch)) < 0)
		return ES_ENOMEM;
	m->root = root;
	return compact(m);
}

int
es_merge_patch(es_buf *out, const char *target, size_t tn, const char *patch,
    size_t pn)
{
	es_merge	*m;
	int		 rc;

	if ((rc = es_merge_new(&m)) != 0)
		return rc;
	if ((rc = es_merge_set(m, target, tn)) == 0 &&
	    (rc = es_merge_apply(m, patch, pn)) == 0)
		rc = es_merge_result(m, out);
	es_merge_free(m);
	return rc;
}
