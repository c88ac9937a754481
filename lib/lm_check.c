/* lm_check.c: the LMDB backend: verify every invariant of a store. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lm.h"

#define MAXAPPS 4096

struct check {
	struct lm_txn	*t;
	es_cipher	*cipher;
	es_problem_fn	 problem;
	void		*arg;
	es_check_counts	*counts;
	es_out		 out;		/* to decode and decrypt states */
	es_buf		 scratch;
	char		*names[MAXAPPS + 1];	/* application names by id */
};

static void
bad(struct check *ck, const char *fmt, ...)
{
	char	 msg[700];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ck->counts->problems++;
	ck->problem(ck->arg, msg);
}

static const char *
app_name(struct check *ck, uint32_t id)
{
	return id <= MAXAPPS && ck->names[id] ? ck->names[id] : "?";
}

static int
load_apps(struct check *ck)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint32_t	 id;
	int		 rc;

	if ((c = lm_cursor(ck->t, DB_APPS, &rc)) == NULL)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size != 4 || (id = get_be32(v.mv_data)) == 0 ||
		    id > MAXAPPS || ck->names[id] != NULL) {
			bad(ck, "applications: malformed entry");
			continue;
		}
		if ((ck->names[id] = strndup(k.mv_data, k.mv_size)) == NULL)
			return ENOMEM;
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Is a stored sequence id well-formed, as es-append would store it? */
static int
good_seq(const char *s, size_t n)
{
	char canon[37];

	if (n == 0 || n > ES_SEQ_MAX || memchr(s, '\0', n) != NULL ||
	    es_utf8_check(s, n) != n)
		return 0;
	return es_uuid_canon(s, n, canon) == 0 || memcmp(canon, s, n) == 0;
}

/* Check a record's fields and its state; what names it in messages. */
static void
check_record(struct check *ck, const es_item *it, const char *what)
{
	const char	*text;
	size_t		 n;
	es_json_err	 err;

	if (!good_seq(it->seq, it->seq_len))
		bad(ck, "%s: malformed sequence id", what);
	if (it->pos < 0)
		bad(ck, "%s: malformed position", what);
	if (it->topic_len == 0 || es_utf8_check(it->topic, it->topic_len) !=
	    it->topic_len)
		bad(ck, "%s: malformed topic", what);
	if (es_item_state(it, &ck->out, &text, &n) != 0) {
		bad(ck, "%s: %s", what, ck->out.err);
		return;
	}
	ck->scratch.len = 0;
	if (es_utf8_check(text, n) != n || es_json_canon(&ck->scratch, text,
	    n, &err) != 0) {
		if (ck->cipher == NULL && !(it->flags & ES_ITEM_STATE_JSON))
			return;	/* encrypted, perhaps: cannot tell without a key */
		bad(ck, "%s: state not decodable", what);
	}
	ck->scratch.len = 0;
	if ((it->flags & ES_ITEM_CAUSAL) && es_json_canon(&ck->scratch,
	    it->causal, it->causal_len, &err) != 0)
		bad(ck, "%s: causal_dependencies not JSON", what);
}

/* The log entry's index entry must exist and point back to it. */
static int
check_index(struct check *ck, uint32_t app, uint32_t pipeline, uint64_t nid,
    const es_item *it, const char *what)
{
	unsigned char	 key[KEY_MAX];
	MDB_val		 k, v;
	uint32_t	 p;
	uint64_t	 n;
	int		 rc;

	if (it->seq_len > ES_SEQ_MAX)
		return 0;
	k.mv_data = key;
	k.mv_size = lm_seq_key(key, app, it->seq, it->seq_len, it->pos);
	rc = mdb_get(ck->t->txn, ck->t->ls->dbi[DB_INDEX], &k, &v);
	if (rc == MDB_NOTFOUND) {
		bad(ck, "%s: not in the index", what);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (v.mv_size == 12) {
		memcpy(&p, v.mv_data, 4);
		memcpy(&n, (char *)v.mv_data + 4, 8);
	}
	if (v.mv_size != 12 || p != pipeline || n != nid)
		bad(ck, "%s: the index points elsewhere", what);
	return 0;
}

/* A pipeline of the log as walked: where ids must go on. */
struct run {
	uint32_t	 app, pipeline;
	uint64_t	 expect;	/* the next id */
	int		 open;
};

/*
 * Ids from ... upto-1 are missing: problems unless freed by a delete.  The
 * freed ids of the range are walked, not every id, so a damaged id far
 * ahead costs no more than a near one.
 */
static int
gap(struct check *ck, const struct run *r, uint64_t from, uint64_t upto)
{
	unsigned char	 key[16];
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint64_t	 id, missing = 0, shown = 0;
	int		 rc;

	if (from >= upto)
		return 0;
	if ((c = lm_cursor(ck->t, DB_FREED, &rc)) == NULL)
		return rc;
	lm_log_key(key, r->app, r->pipeline, from);
	k.mv_data = key, k.mv_size = 16;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); from < upto;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		id = upto;	/* the next freed id in range, or upto */
		if (rc == 0 && k.mv_size == 16 && memcmp(k.mv_data, key, 8) == 0 &&
		    get_be64((char *)k.mv_data + 8) < upto)
			id = get_be64((char *)k.mv_data + 8);
		else if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
		for (; from < id && shown < 10; from++, shown++, missing++)
			bad(ck, "application %s pipeline %u: notification id "
			    "%llu missing", app_name(ck, r->app), r->pipeline,
			    (unsigned long long)from);
		missing += id - from;
		from = id + 1;
		if (id == upto)
			break;
	}
	if (missing > shown)
		bad(ck, "application %s pipeline %u: %llu more notification ids "
		    "missing", app_name(ck, r->app), r->pipeline,
		    (unsigned long long)(missing - shown));
	return 0;
}

/* The end of a pipeline: ids up to its counter were all given. */
static int
close_run(struct check *ck, struct run *r)
{
	unsigned char	 key[8];
	MDB_val		 k, v;
	uint64_t	 top = 0;
	int		 rc;

	if (!r->open)
		return 0;
	r->open = 0;
	be32(key, r->app);
	be32(key + 4, r->pipeline);
	k.mv_data = key, k.mv_size = 8;
	rc = mdb_get(ck->t->txn, ck->t->ls->dbi[DB_COUNTERS], &k, &v);
	if (rc == 0 && v.mv_size == 8)
		memcpy(&top, v.mv_data, 8);
	else if (rc == 0 || rc == MDB_NOTFOUND)
		bad(ck, "application %s pipeline %u: no notification counter",
		    app_name(ck, r->app), r->pipeline);
	else
		return rc;
	if (top + 1 < r->expect)
		bad(ck, "application %s pipeline %u: notification id %llu "
		    "above the counter %llu", app_name(ck, r->app), r->pipeline,
		    (unsigned long long)r->expect - 1, (unsigned long long)top);
	return gap(ck, r, r->expect, top == UINT64_MAX ? top : top + 1);
}

/* Walked to in order, an entry must be found by its key too: else the
 * branch pages that lead to it are damaged. */
static int
findable(struct check *ck, enum db db, const MDB_val *k, const MDB_val *v,
    const char *name)
{
	MDB_val	 key = *k, found;
	int	 rc;

	rc = mdb_get(ck->t->txn, ck->t->ls->dbi[db], &key, &found);
	if (rc == 0 && found.mv_data == v->mv_data)
		return 0;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	bad(ck, "%s: an entry cannot be found by its key (a damaged page)",
	    name);
	return 0;
}

static int
check_log_entry(struct check *ck, struct run *r, const MDB_val *k,
    const MDB_val *v)
{
	uint32_t	 app = get_be32(k->mv_data);
	uint32_t	 pipeline = get_be32((char *)k->mv_data + 4);
	uint64_t	 nid = get_be64((char *)k->mv_data + 8);
	char		 what[400];
	es_item		 it;
	int		 rc;

	if (!r->open || r->app != app || r->pipeline != pipeline) {
		if ((rc = close_run(ck, r)) != 0)
			return rc;
		*r = (struct run){ app, pipeline, 1, 1 };
	}
	if ((rc = gap(ck, r, r->expect, nid)) != 0 ||
	    (rc = findable(ck, DB_LOG, k, v, "log")) != 0)
		return rc;
	r->expect = nid + 1;
	ck->counts->items++;
	memset(&it, 0, sizeof(it));
	if (lm_rec_decode(v, &it) != 0) {
		bad(ck, "application %s pipeline %u notification %llu: record "
		    "damaged", app_name(ck, app), pipeline,
		    (unsigned long long)nid);
		return 0;
	}
	snprintf(what, sizeof(what), "item of application %s sequence %.*s "
	    "position %lld (notification %llu)", app_name(ck, app),
	    (int)it.seq_len, it.seq, (long long)it.pos,
	    (unsigned long long)nid);
	if (!lm_rec_intact(v)) {
		bad(ck, "%s: record damaged (checksum mismatch)", what);
		return 0;
	}
	check_record(ck, &it, what);
	return check_index(ck, app, pipeline, nid, &it, what);
}

static int
check_log(struct check *ck)
{
	struct run	 r = { 0, 0, 0, 0 };
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 rc;

	if ((c = lm_cursor(ck->t, DB_LOG, &rc)) == NULL)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 16) {
			bad(ck, "log: malformed key");
			continue;
		}
		if ((rc = check_log_entry(ck, &r, &k, &v)) != 0)
			return rc;
	}
	if (rc != MDB_NOTFOUND)
		return rc;
	return close_run(ck, &r);
}

/* Every index entry is found by its key and leads to a log entry; the
 * counts agree. */
static int
check_index_walk(struct check *ck)
{
	unsigned char	 lkey[16];
	MDB_cursor	*c;
	MDB_val		 k, v, lk, lv;
	uint64_t	 n = 0, nid;
	uint32_t	 pipeline;
	int		 rc;

	if ((c = lm_cursor(ck->t, DB_INDEX, &rc)) == NULL)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		n++;
		if ((rc = findable(ck, DB_INDEX, &k, &v, "index")) != 0)
			return rc;
		if (k.mv_size < 14 || v.mv_size != 12) {
			bad(ck, "index: malformed entry");
			continue;
		}
		memcpy(&pipeline, v.mv_data, 4);
		memcpy(&nid, (char *)v.mv_data + 4, 8);
		lm_log_key(lkey, get_be32(k.mv_data), pipeline, nid);
		lk.mv_data = lkey, lk.mv_size = 16;
		rc = mdb_get(ck->t->txn, ck->t->ls->dbi[DB_LOG], &lk, &lv);
		if (rc == MDB_NOTFOUND)
			bad(ck, "index: an entry of application %s points to "
			    "notification %llu, not in the log", app_name(ck,
			    get_be32(k.mv_data)), (unsigned long long)nid);
		else if (rc != 0)
			return rc;
	}
	if (rc != MDB_NOTFOUND)
		return rc;
	if (n != ck->counts->items)
		bad(ck, "items: the index (%llu) and the log (%llu) disagree",
		    (unsigned long long)n, (unsigned long long)ck->counts->items);
	return 0;
}

/* Timestamped items and snapshots: key and record agree; states decode. */
static int
check_keyed(struct check *ck, enum db db, const char *kind, uint64_t *count)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	es_item		 it;
	char		 what[400];
	int		 rc;

	if ((c = lm_cursor(ck->t, db, &rc)) == NULL)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		++*count;
		if ((rc = findable(ck, db, &k, &v, kind)) != 0)
			return rc;
		memset(&it, 0, sizeof(it));
		if (k.mv_size < 14 || lm_rec_decode(&v, &it) != 0 ||
		    !lm_rec_intact(&v) ||
		    k.mv_size != 13 + it.seq_len ||
		    memcmp((char *)k.mv_data + 4, it.seq, it.seq_len) != 0 ||
		    get_be64((char *)k.mv_data + 4 + it.seq_len + 1) !=
		    (uint64_t)it.pos) {
			bad(ck, "%s: malformed key or record", kind);
			continue;
		}
		snprintf(what, sizeof(what), "%s of application %s sequence "
		    "%.*s position %lld", kind, app_name(ck,
		    get_be32(k.mv_data)), (int)it.seq_len, it.seq,
		    (long long)it.pos);
		check_record(ck, &it, what);
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
check_tracking(struct check *ck)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	char		*nul;
	int		 rc;

	if ((c = lm_cursor(ck->t, DB_TRACKING, &rc)) == NULL)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		ck->counts->tracking_records++;
		if ((rc = findable(ck, DB_TRACKING, &k, &v, "tracking")) != 0)
			return rc;
		nul = k.mv_size > 17 ? memchr((char *)k.mv_data + 4, '\0',
		    k.mv_size - 4) : NULL;
		if (nul == NULL || nul == (char *)k.mv_data + 4 ||
		    (char *)k.mv_data + k.mv_size - nul != 13 ||
		    get_be32(nul + 1) > ES_PIPELINE_MAX)
			bad(ck, "tracking record of application %s: malformed",
			    app_name(ck, get_be32(k.mv_data)));
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
list_freed(struct check *ck, es_freed_fn freed)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 rc;

	if ((c = lm_cursor(ck->t, DB_FREED, &rc)) == NULL)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		if (k.mv_size == 16)
			freed(ck->arg, app_name(ck, get_be32(k.mv_data)),
			    get_be32((char *)k.mv_data + 4),
			    get_be64((char *)k.mv_data + 8));
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
lm_check(es_store *s, es_cipher *cipher, es_problem_fn problem,
    es_freed_fn freed, void *arg, es_check_counts *counts)
{
	struct check	 ck;
	es_txn		*et;
	int		 rc, i;

	memset(&ck, 0, sizeof(ck));
	ck.cipher = ck.out.cipher = cipher;
	ck.problem = problem;
	ck.arg = arg;
	ck.counts = counts;
	if ((rc = es_txn_begin(s, 0, &et)) != 0)
		return rc;
	ck.t = (struct lm_txn *)et;
	if ((rc = load_apps(&ck)) == 0 && (rc = check_log(&ck)) == 0 &&
	    (rc = check_index_walk(&ck)) == 0 &&
	    (rc = check_keyed(&ck, DB_TS, "timestamp item",
	    &counts->ts_items)) == 0 &&
	    (rc = check_keyed(&ck, DB_SNAPSHOTS, "snapshot",
	    &counts->snapshots)) == 0 &&
	    (rc = check_tracking(&ck)) == 0)
		rc = list_freed(&ck, freed);
	if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND ||
	    rc == MDB_BAD_TXN) {
		bad(&ck, "store damaged: %s", mdb_strerror(rc));
		rc = 0;
	}
	es_txn_abort(et);
	for (i = 0; i <= MAXAPPS; i++)
		free(ck.names[i]);
	es_buf_free(&ck.scratch);
	es_buf_free(&ck.out.plain);
	return rc == 0 ? 0 : lm_err(s, rc, "check");
}
