/* lm_read.c: the LMDB backend: range queries over a sequence. */
#include <string.h>

#include "lm.h"

/* A range scan over the keys "prefix pos" of one sequence. */
struct scan {
	struct lm_txn	*t;
	enum db		 db;
	unsigned char	 key[KEY_MAX];
	size_t		 plen;
	int64_t		 lo, hi;
	uint64_t	 limit;		/* 0: none */
	int		 desc;
};

typedef int (*visit_fn)(struct scan *sc, int64_t pos, const MDB_val *v,
    void *arg);

/* Position the cursor on the first key of the range, in scan order. */
static int
seek(struct scan *sc, MDB_cursor *c, MDB_val *k, MDB_val *v)
{
	int rc;

	be64(sc->key + sc->plen, (uint64_t)(sc->desc ? sc->hi : sc->lo));
	k->mv_data = sc->key, k->mv_size = sc->plen + 8;
	rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (!sc->desc)
		return rc;
	if (rc == MDB_NOTFOUND)
		return mdb_cursor_get(c, k, v, MDB_LAST);
	if (rc == 0 && (k->mv_size != sc->plen + 8 ||
	    memcmp(k->mv_data, sc->key, sc->plen + 8) != 0))
		return mdb_cursor_get(c, k, v, MDB_PREV);
	return rc;
}

static int
scan_run(struct scan *sc, visit_fn fn, void *arg)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint64_t	 n = 0;
	int64_t		 pos;
	int		 rc;

	if (sc->lo > sc->hi)
		return 0;
	if ((c = lm_cursor(sc->t, sc->db, &rc)) == NULL)
		return rc;
	for (rc = seek(sc, c, &k, &v); rc == 0; rc = mdb_cursor_get(c, &k,
	    &v, sc->desc ? MDB_PREV : MDB_NEXT)) {
		if (k.mv_size != sc->plen + 8 ||
		    memcmp(k.mv_data, sc->key, sc->plen) != 0)
			break;
		pos = (int64_t)get_be64((unsigned char *)k.mv_data + sc->plen);
		if (pos < sc->lo || pos > sc->hi)
			break;
		if ((rc = fn(sc, pos, &v, arg)) != 0)
			return rc;
		if (sc->limit && ++n == sc->limit)
			break;
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

struct deliver {
	es_item_fn	 fn;
	void		*arg;
};

/* Decode a record read from the store, checking its checksum. */
static int
decode(struct lm_txn *t, const MDB_val *v, es_item *it)
{
	if (lm_rec_decode(v, it) != 0)
		return es_seterr(t->base.store, ES_EDATA, "store damaged: a "
		    "malformed record");
	if (!lm_rec_intact(v))
		return es_seterr(t->base.store, ES_EDATA, "store damaged: the "
		    "record of sequence %.*s position %lld fails its checksum",
		    (int)it->seq_len, it->seq, (long long)it->pos);
	return 0;
}

/* Load the item an index entry or timestamped record stands for. */
static int
load(struct scan *sc, int64_t pos, const MDB_val *v, es_item *it)
{
	unsigned char	 lkey[16];
	MDB_val		 k, rec;
	int		 rc;

	memset(it, 0, sizeof(*it));
	if (sc->db == DB_INDEX) {
		if (v->mv_size != 12)
			return MDB_CORRUPTED;
		memcpy(&it->pipeline, v->mv_data, 4);
		memcpy(&it->nid, (char *)v->mv_data + 4, 8);
		lm_log_key(lkey, sc->t->app_id, it->pipeline, it->nid);
		k.mv_data = lkey, k.mv_size = 16;
		if ((rc = mdb_get(sc->t->txn, sc->t->ls->dbi[DB_LOG], &k,
		    &rec)) != 0)
			return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
		v = &rec;
	}
	if ((rc = decode(sc->t, v, it)) != 0)
		return rc;
	return it->pos == pos ? 0 : MDB_CORRUPTED;
}

static int
deliver(struct scan *sc, int64_t pos, const MDB_val *v, void *arg)
{
	struct deliver	*d = arg;
	es_item		 it;
	int		 rc;

	if ((rc = load(sc, pos, v, &it)) != 0)
		return rc;
	return d->fn(d->arg, &it);
}

static int
note_pos(struct scan *sc, int64_t pos, const MDB_val *v, void *arg)
{
	(void)sc, (void)v;
	*(int64_t *)arg = pos;
	return 0;
}

/* Set up a scan of one sequence for a query; 0 if it can find nothing. */
static int
scan_init(struct scan *sc, struct lm_txn *t, const char *seq, size_t len,
    const es_query *q)
{
	if (t->app_id == 0 || len > ES_SEQ_MAX)
		return 0;
	memset(sc, 0, sizeof(*sc));
	sc->t = t;
	sc->db = q->snapshots ? DB_SNAPSHOTS : q->timestamp ? DB_TS : DB_INDEX;
	sc->plen = lm_seq_key(sc->key, t->app_id, seq, len, -1);
	sc->lo = q->lo < 0 ? 0 : q->lo;
	sc->hi = q->hi;
	sc->limit = q->limit;
	sc->desc = q->desc || q->last;
	return 1;
}

int
lm_read_items(es_txn *et, const char *seq, size_t seq_len,
    const es_query *q, es_item_fn fn, void *arg)
{
	struct lm_txn	*t = (struct lm_txn *)et;
	struct scan	 sc;
	struct deliver	 d = { fn, arg };
	int64_t		 first = -1;
	int		 rc;

	if (!scan_init(&sc, t, seq, seq_len, q))
		return 0;
	if (q->last) {
		/* The last N, ascending: find where they start, then read. */
		if ((rc = scan_run(&sc, note_pos, &first)) != 0 || first < 0)
			goto done;
		sc.lo = first;
		sc.limit = 0;
		sc.desc = 0;
	}
	rc = scan_run(&sc, deliver, &d);
done:
	return ES_IS_CODE(rc) || rc == 0 ? rc : lm_err(et->store, rc, "read");
}

static int
count_one(struct scan *sc, int64_t pos, const MDB_val *v, void *arg)
{
	(void)sc, (void)pos, (void)v;
	++*(uint64_t *)arg;
	return 0;
}

int
lm_count_items(es_txn *et, const char *seq, size_t seq_len,
    const es_query *q, uint64_t *n)
{
	struct lm_txn	*t = (struct lm_txn *)et;
	struct scan	 sc;
	int		 rc;

	*n = 0;
	if (!scan_init(&sc, t, seq, seq_len, q))
		return 0;
	sc.desc = 0;		/* counting goes either way */
	rc = scan_run(&sc, count_one, n);
	return rc == 0 ? 0 : lm_err(et->store, rc, "read");
}

int
lm_read_sequences(es_txn *et, int timestamp, const char *after,
    size_t after_len, es_name_fn fn, void *arg)
{
	struct lm_txn	*t = (struct lm_txn *)et;
	unsigned char	 key[KEY_MAX];
	MDB_cursor	*c;
	MDB_val		 k, v;
	size_t		 n;
	int		 rc;

	if (t->app_id == 0)
		return 0;
	if ((c = lm_cursor(t, timestamp ? DB_TS : DB_INDEX, &rc)) == NULL)
		return lm_err(et->store, rc, "read");
	be32(key, t->app_id);
	k.mv_data = key, k.mv_size = 4;
	if (after != NULL && after_len <= ES_SEQ_MAX) {
		memcpy(key + 4, after, after_len);
		key[4 + after_len] = '\1';	/* past every key of "after" */
		k.mv_size = 5 + after_len;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE)) {
		if (k.mv_size < 13 || memcmp(k.mv_data, key, 4) != 0)
			break;
		n = k.mv_size - 13;
		if ((rc = fn(arg, (char *)k.mv_data + 4, n)) != 0)
			return rc;
		/* Skip the rest of this sequence: "id \1" follows its keys. */
		memmove(key + 4, (char *)k.mv_data + 4, n);
		key[4 + n] = '\1';
		k.mv_data = key, k.mv_size = 5 + n;
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : lm_err(et->store, rc,
	    "read");
}

int
lm_read_log(es_txn *et, uint32_t pipeline, uint64_t after, uint64_t upto,
    uint64_t limit, es_item_fn fn, void *arg)
{
	struct lm_txn	*t = (struct lm_txn *)et;
	unsigned char	 key[16];
	MDB_cursor	*c;
	MDB_val		 k, v;
	es_item		 it;
	uint64_t	 nid, n = 0;
	int		 rc;

	if (t->app_id == 0 || after >= upto)
		return 0;
	if ((c = lm_cursor(t, DB_LOG, &rc)) == NULL)
		return lm_err(et->store, rc, "read");
	lm_log_key(key, t->app_id, pipeline, after + 1);
	k.mv_data = key, k.mv_size = 16;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 16 || memcmp(k.mv_data, key, 8) != 0)
			break;
		if ((nid = get_be64((char *)k.mv_data + 8)) > upto)
			break;
		memset(&it, 0, sizeof(it));
		if ((rc = decode(t, &v, &it)) != 0)
			return rc;
		it.pipeline = pipeline;
		it.nid = nid;
		if ((rc = fn(arg, &it)) != 0)
			return rc;
		if (limit && ++n == limit)
			break;
	}
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : lm_err(et->store, rc,
	    "read");
}

int
lm_last_id(es_txn *et, uint32_t pipeline, uint64_t *id)
{
	struct lm_txn	*t = (struct lm_txn *)et;
	unsigned char	 key[8];
	MDB_val		 k, v;
	int		 rc;

	*id = 0;
	if (t->app_id == 0)
		return 0;
	be32(key, t->app_id);
	be32(key + 4, pipeline);
	k.mv_data = key, k.mv_size = 8;
	rc = mdb_get(t->txn, t->ls->dbi[DB_COUNTERS], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc == 0 && v.mv_size != 8)
		rc = MDB_CORRUPTED;
	if (rc != 0)
		return lm_err(et->store, rc, "read");
	memcpy(id, v.mv_data, 8);
	return 0;
}

int
lm_tracked(es_txn *et, const char *upstream, size_t len, uint32_t pipeline,
    uint64_t *id)
{
	struct lm_txn	*t = (struct lm_txn *)et;
	unsigned char	 key[KEY_MAX];
	MDB_cursor	*c;
	MDB_val		 k, v;
	size_t		 n;
	int		 rc;

	*id = 0;
	if (t->app_id == 0 || len > ES_SEQ_MAX)
		return 0;
	if ((c = lm_cursor(t, DB_TRACKING, &rc)) == NULL)
		return lm_err(et->store, rc, "read");
	n = lm_seq_key(key, t->app_id, upstream, len, -1);
	be32(key + n, pipeline);
	memset(key + n + 4, 0xff, 8);
	k.mv_data = key, k.mv_size = n + 12;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	else if (rc == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return lm_err(et->store, rc, "read");
	if (k.mv_size == n + 12 && memcmp(k.mv_data, key, n + 4) == 0)
		*id = get_be64((char *)k.mv_data + n + 4);
	return 0;
}
