/* store.c: the backend-neutral store interface and error texts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

const char *
es_strerror(int code)
{
	switch (code) {
	case ES_OK:		return "success";
	case ES_ENOTFOUND:	return "not found";
	case ES_ECONFLICT:	return "conflict";
	case ES_EDATA:		return "bad data";
	case ES_ENOSTORE:	return "store not found or not a store";
	case ES_EIO:		return "I/O or storage error";
	case ES_EBUSY:		return "temporary failure, retry later";
	case ES_ENOMEM:		return "out of memory";
	case ES_EINTERNAL:	return "internal error";
	case ES_ETRACKED:	return "tracking record already stored";
	case ES_EUSAGE:		return "invalid argument";
	}
	return "unknown error";
}

int
es_seterr(es_store *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

void
es_default_app(const char *path, char *buf, size_t size)
{
	const char	*base, *end, *dot, *p;
	size_t		 n;

	end = path + strlen(path);
	while (end > path + 1 && end[-1] == '/')
		end--;
	for (base = end; base > path && base[-1] != '/'; base--)
		;
	/* Like Python's splitext: leading dots are part of the name. */
	for (p = base; p < end && *p == '.'; p++)
		;
	dot = NULL;
	for (; p < end; p++)
		if (*p == '.')
			dot = p;
	n = (size_t)((dot ? dot : end) - base);
	if (n >= size)
		n = size - 1;
	memcpy(buf, base, n);
	buf[n] = '\0';
}

int
es_store_open(es_store **sp, const char *path, const char *app,
    unsigned flags)
{
	es_store *s;

	if ((*sp = s = calloc(1, sizeof(*s))) == NULL)
		return ES_ENOMEM;
	if (app != NULL && (app[0] == '\0' || strlen(app) > ES_APP_MAX))
		return es_seterr(s, ES_EUSAGE, "invalid application name");
	if (strncmp(path, "postgresql://", 13) == 0 ||
	    strncmp(path, "postgres://", 11) == 0)
		return es_seterr(s, ES_ENOSTORE,
		    "%s: PostgreSQL stores are not supported yet", path);
	s->ops = &es_lmdb_backend;
	return s->ops->open(s, path, app, flags);
}

void
es_store_close(es_store *s)
{
	if (s == NULL)
		return;
	if (s->ops != NULL && s->impl != NULL)
		s->ops->close(s);
	free(s);
}

const char *
es_errmsg(const es_store *s)
{
	return s->errmsg[0] ? s->errmsg : "unknown error";
}

const char *
es_store_app(const es_store *s)
{
	return s->app;
}

int
es_txn_begin(es_store *s, int write, es_txn **tp)
{
	return s->ops->txn_begin(s, write, tp);
}

int
es_txn_commit(es_txn *t)
{
	return t->store->ops->txn_commit(t);
}

void
es_txn_abort(es_txn *t)
{
	if (t != NULL)
		t->store->ops->txn_abort(t);
}

int
es_write_unit(es_txn *t, es_unit *u, uint32_t pipeline, unsigned flags)
{
	return t->store->ops->write_unit(t, u, pipeline, flags);
}

int
es_read_items(es_txn *t, const char *seq, size_t seq_len, const es_query *q,
    es_item_fn fn, void *arg)
{
	return t->store->ops->read_items(t, seq, seq_len, q, fn, arg);
}

int
es_read_sequences(es_txn *t, int timestamp, const char *after,
    size_t after_len, es_name_fn fn, void *arg)
{
	return t->store->ops->read_sequences(t, timestamp, after, after_len,
	    fn, arg);
}

int
es_read_log(es_txn *t, uint32_t pipeline, uint64_t after, uint64_t upto,
    uint64_t limit, es_item_fn fn, void *arg)
{
	return t->store->ops->read_log(t, pipeline, after, upto, limit, fn,
	    arg);
}

int
es_last_id(es_txn *t, uint32_t pipeline, uint64_t *id)
{
	return t->store->ops->last_id(t, pipeline, id);
}

int
es_tracked(es_txn *t, const char *upstream, size_t len, uint32_t pipeline,
    uint64_t *id)
{
	return t->store->ops->tracked(t, upstream, len, pipeline, id);
}

int
es_count_items(es_txn *t, const char *seq, size_t seq_len, const es_query *q,
    uint64_t *n)
{
	return t->store->ops->count_items(t, seq, seq_len, q, n);
}

int
es_put_snapshot(es_txn *t, const es_item *it, const char *where,
    unsigned flags)
{
	return t->store->ops->put_snapshot(t, it, where, flags);
}

int
es_store_wait(es_store *s, int timeout_ms, int fd)
{
	return s->ops->wait(s, timeout_ms, fd);
}

void
es_query_init(es_query *q)
{
	memset(q, 0, sizeof(*q));
	q->lo = 0;
	q->hi = ES_POS_MAX;
}

void
es_query_bound(es_query *q, enum es_bound op, int64_t v)
{
	switch (op) {
	case ES_GT:
		if (v == INT64_MAX)
			q->lo = INT64_MAX, q->hi = -1;	/* empty */
		else if (v + 1 > q->lo)
			q->lo = v + 1;
		break;
	case ES_GTE:
		if (v > q->lo)
			q->lo = v;
		break;
	case ES_LT:
		if (v == INT64_MIN)
			q->hi = -1;
		else if (v - 1 < q->hi)
			q->hi = v - 1;
		break;
	case ES_LTE:
		if (v < q->hi)
			q->hi = v;
		break;
	}
}

int
es_store_info(es_store *s, es_info **ip)
{
	int rc;

	if ((*ip = calloc(1, sizeof(**ip))) == NULL)
		return ES_ENOMEM;
	if ((rc = s->ops->info(s, *ip)) != 0) {
		es_info_free(*ip);
		*ip = NULL;
	}
	return rc;
}

void
es_info_free(es_info *i)
{
	size_t k;

	if (i == NULL)
		return;
	for (k = 0; k < i->n_apps; k++)
		free(i->apps[k].pipelines);
	free(i->apps);
	free(i);
}

int
es_store_check(es_store *s, es_cipher *c, es_problem_fn problem,
    es_freed_fn freed, void *arg, es_check_counts *counts)
{
	memset(counts, 0, sizeof(*counts));
	return s->ops->check(s, c, problem, freed, arg, counts);
}

int
es_store_backup(es_store *s, const char *dest)
{
	return s->ops->backup(s, dest);
}

int
es_delete_item(es_txn *t, const char *seq, size_t len, int64_t pos,
    int timestamp)
{
	return t->store->ops->delete_item(t, seq, len, pos, timestamp);
}

int
es_store_truncate(es_store *s)
{
	return s->ops->truncate(s);
}

int
es_store_drop(es_store *s)
{
	return s->ops->drop(s);
}
