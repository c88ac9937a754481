/* lm_write.c: the LMDB backend: writing units of items, all or nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lm.h"

/* Give the application an id if it has none yet. */
static int
ensure_app(struct lm_txn *t)
{
	es_store	*s = t->base.store;
	unsigned char	 id[4];
	MDB_stat	 st;
	MDB_val		 k, v;
	int		 rc;

	if (t->app_id != 0)
		return 0;
	if ((rc = mdb_stat(t->txn, t->ls->dbi[DB_APPS], &st)) != 0)
		return rc;
	be32(id, (uint32_t)st.ms_entries + 1);
	k.mv_data = s->app, k.mv_size = strlen(s->app);
	v.mv_data = id, v.mv_size = 4;
	if ((rc = mdb_put(t->txn, t->ls->dbi[DB_APPS], &k, &v,
	    MDB_NOOVERWRITE)) != 0)
		return rc;
	t->app_id = get_be32(id);
	return 0;
}

/* The notification counter of a pipeline, loaded once per transaction. */
static struct counter *
counter(struct lm_txn *t, uint32_t pipeline, int *rc)
{
	unsigned char	 key[8];
	MDB_val		 k, v;
	struct counter	*c;
	int		 i;

	for (i = 0; i < t->nctr; i++)
		if (t->ctr[i].pipeline == pipeline)
			return &t->ctr[i];
	*rc = MDB_BAD_TXN;
	if (t->nctr == MAXCOUNTERS)
		return NULL;
	c = &t->ctr[t->nctr];
	c->pipeline = pipeline;
	c->last = 0;
	be32(key, t->app_id);
	be32(key + 4, pipeline);
	k.mv_data = key, k.mv_size = 8;
	*rc = mdb_get(t->txn, t->ls->dbi[DB_COUNTERS], &k, &v);
	if (*rc == 0 && v.mv_size == 8)
		memcpy(&c->last, v.mv_data, 8);
	else if (*rc == 0)
		*rc = MDB_CORRUPTED;
	if (*rc == MDB_NOTFOUND)
		*rc = 0;
	if (*rc != 0)
		return NULL;
	t->nctr++;
	return c;
}

/* Remember a key the current unit wrote, to take it back on failure. */
static int
undo_push(struct lm_txn *t, enum db db, const unsigned char *k, size_t n)
{
	unsigned char head[2] = { (unsigned char)db, (unsigned char)n };

	if (es_buf_add(&t->undo, head, 2) != 0 ||
	    es_buf_add(&t->undo, k, n) != 0)
		return ENOMEM;
	return 0;
}

static int
undo_run(struct lm_txn *t)
{
	const unsigned char	*p = (const unsigned char *)t->undo.p;
	const unsigned char	*end = p + t->undo.len;
	MDB_val			 k;
	int			 rc;

	while (p < end) {
		k.mv_data = (void *)(p + 2), k.mv_size = p[1];
		if ((rc = mdb_del(t->txn, t->ls->dbi[p[0]], &k, NULL)) != 0)
			return rc;
		p += 2 + p[1];
	}
	t->undo.len = 0;
	return 0;
}

/* The last position of a sequence in db, or -1. */
static int
last_pos(struct lm_txn *t, enum db db, const char *seq, size_t n,
    int64_t *pos)
{
	unsigned char	 key[KEY_MAX];
	size_t		 plen;
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 rc;

	*pos = -1;
	if ((c = lm_cursor(t, db, &rc)) == NULL)
		return rc;
	plen = lm_seq_key(key, t->app_id, seq, n, -1);
	memset(key + plen, 0xff, 8);
	k.mv_data = key, k.mv_size = plen + 8;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	else if (rc == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (k.mv_size == plen + 8 && memcmp(k.mv_data, key, plen) == 0)
		*pos = (int64_t)get_be64((unsigned char *)k.mv_data + plen);
	return 0;
}

static void
pos_text(char *buf, size_t size, int64_t pos, int ts)
{
	es_buf b = { 0 };

	if (ts ? es_buf_add_us(&b, pos) : es_buf_add_i64(&b, pos))
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%.*s", (int)b.len, b.p);
	es_buf_free(&b);
}

static int
put_tracking(struct lm_txn *t, const es_unit *u, unsigned flags)
{
	const es_tracking *tr = u->tracking;
	unsigned char	 key[KEY_MAX];
	size_t		 n;
	MDB_val		 k, v = { 0, "" };
	int		 rc;

	n = lm_seq_key(key, t->app_id, tr->upstream, tr->upstream_len, -1);
	be32(key + n, tr->pipeline);
	be64(key + n + 4, tr->nid);
	k.mv_data = key, k.mv_size = n + 12;
	rc = mdb_put(t->txn, t->ls->dbi[DB_TRACKING], &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return es_seterr(t->base.store, (flags & ES_WRITE_SKIP_TRACKED) ?
		    ES_ETRACKED : ES_ECONFLICT, "tracking record of %.*s "
		    "pipeline %u notification %llu already stored (%s)",
		    (int)tr->upstream_len, tr->upstream, tr->pipeline,
		    (unsigned long long)tr->nid, u->where);
	if (rc == 0)
		rc = undo_push(t, DB_TRACKING, key, n + 12);
	return rc ? lm_err(t->base.store, rc, "write") : 0;
}

/* Check every --expect-last of the unit before anything is written. */
static int
check_expect(struct lm_txn *t, const es_unit *u, int ts)
{
	char	 have[32], want[32];
	int64_t	 last;
	size_t	 i;
	int	 rc;

	for (i = 0; i < u->n_items; i++) {
		const es_item *it = &u->items[i];

		if (!(it->flags & ES_ITEM_EXPECT))
			continue;
		if ((rc = last_pos(t, ts ? DB_TS : DB_INDEX, it->seq,
		    it->seq_len, &last)) != 0)
			return lm_err(t->base.store, rc, "write");
		if (last == it->expect_last)
			continue;
		pos_text(have, sizeof(have), last, ts);
		pos_text(want, sizeof(want), it->expect_last, ts);
		return es_seterr(t->base.store, ES_ECONFLICT, "sequence %.*s: "
		    "last position is %s, expected %s (%s)", (int)it->seq_len,
		    it->seq, last < 0 ? "none" : have,
		    it->expect_last < 0 ? "none (-1)" : want, u->where);
	}
	return 0;
}

/* Decide a missing position: last + 1 (or the time, for timestamps). */
static int
next_pos(struct lm_txn *t, const es_unit *u, size_t i, int ts, int64_t now)
{
	es_item	*it = &u->items[i];
	char	 where[160];
	int64_t	 last;
	int	 rc;

	if (it->flags & ES_ITEM_POS)
		return 0;
	if ((rc = last_pos(t, ts ? DB_TS : DB_INDEX, it->seq, it->seq_len,
	    &last)) != 0)
		return lm_err(t->base.store, rc, "write");
	if (last == ES_POS_MAX) {
		es_unit_where(u, i, where, sizeof(where));
		return es_seterr(t->base.store, ES_EDATA, "%s: position: "
		    "sequence %.*s has no next position", where,
		    (int)it->seq_len, it->seq);
	}
	it->pos = last + 1;
	if (ts && it->pos < now)
		it->pos = now;
	return 0;
}

/* Put a record under key in db; MDB_APPEND first where keys only grow. */
static int
put_record(struct lm_txn *t, enum db db, unsigned char *key, size_t klen,
    const es_item *it, unsigned extra)
{
	MDB_val	 k, v;
	size_t	 size;
	int	 rc;

	if (lm_rec_size(it, &size) != 0)
		return es_seterr(t->base.store, ES_EDATA, "item too large");
	k.mv_data = key, k.mv_size = klen;
	v.mv_size = size;
	rc = mdb_put(t->txn, t->ls->dbi[db], &k, &v, MDB_RESERVE | extra);
	if (rc == MDB_KEYEXIST && (extra & MDB_APPEND)) {
		v.mv_size = size;
		rc = mdb_put(t->txn, t->ls->dbi[db], &k, &v,
		    MDB_RESERVE | MDB_NOOVERWRITE);
	}
	if (rc != 0)
		return rc;
	lm_rec_encode(v.mv_data, size, it);
	return undo_push(t, db, key, klen);
}

static int
conflict(struct lm_txn *t, const es_unit *u, size_t i, int ts)
{
	const es_item	*it = &u->items[i];
	char		 where[160], pos[32];

	es_unit_where(u, i, where, sizeof(where));
	pos_text(pos, sizeof(pos), it->pos, ts);
	return es_seterr(t->base.store, ES_ECONFLICT, "sequence %.*s position "
	    "%s already stored (%s)", (int)it->seq_len, it->seq, pos, where);
}

/* Write one item: index entry and log record, or a timestamped record. */
static int
put_item(struct lm_txn *t, const es_unit *u, size_t i, struct counter *c)
{
	es_item		*it = &u->items[i];
	unsigned char	 key[KEY_MAX], lkey[16], ref[12];
	size_t		 n;
	MDB_val		 k, v;
	int		 rc;

	n = lm_seq_key(key, t->app_id, it->seq, it->seq_len, it->pos);
	if (c == NULL) {
		rc = put_record(t, DB_TS, key, n, it, MDB_NOOVERWRITE);
		return rc == MDB_KEYEXIST ? conflict(t, u, i, 1) : rc;
	}
	it->pipeline = c->pipeline;
	it->nid = c->last + 1;
	memcpy(ref, &it->pipeline, 4);
	memcpy(ref + 4, &it->nid, 8);
	k.mv_data = key, k.mv_size = n;
	v.mv_data = ref, v.mv_size = 12;
	rc = mdb_put(t->txn, t->ls->dbi[DB_INDEX], &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return conflict(t, u, i, 0);
	if (rc != 0 || (rc = undo_push(t, DB_INDEX, key, n)) != 0)
		return rc;
	lm_log_key(lkey, t->app_id, c->pipeline, it->nid);
	if ((rc = put_record(t, DB_LOG, lkey, 16, it, MDB_APPEND)) != 0)
		return rc == MDB_KEYEXIST ? MDB_CORRUPTED : rc;
	c->last++;
	return 0;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * ES_US_PER_S + ts.tv_nsec / 1000;
}

/* Write the items of a unit whose tracking record and checks passed. */
static int
put_items(struct lm_txn *t, es_unit *u, struct counter *c, int ts)
{
	int64_t		 now = ts ? now_us() : 0;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < u->n_items && rc == 0; i++) {
		if ((rc = next_pos(t, u, i, ts, now)) == 0)
			rc = put_item(t, u, i, c);
	}
	return rc;
}

int
lm_write_unit(es_txn *et, es_unit *u, uint32_t pipeline, unsigned flags)
{
	struct lm_txn	*t = (struct lm_txn *)et;
	struct counter	*c;
	uint64_t	 saved = 0;
	int		 ts = (flags & ES_WRITE_TIMESTAMP) != 0;
	int		 rc, urc;

	if ((rc = ensure_app(t)) != 0)
		return lm_err(et->store, rc, "write");
	t->undo.len = 0;
	if (u->tracking && (rc = put_tracking(t, u, flags)) != 0)
		return rc;
	if ((rc = check_expect(t, u, ts)) == 0) {
		c = ts ? NULL : counter(t, pipeline, &rc);
		saved = c ? c->last : 0;
		if (rc == 0)
			rc = put_items(t, u, c, ts);
		if (rc != 0 && c != NULL)
			c->last = saved;
	}
	if (rc == 0)
		return 0;
	if ((urc = undo_run(t)) != 0)
		return lm_err(et->store, urc, "write");
	return ES_IS_CODE(rc) ? rc : lm_err(et->store, rc, "write");
}

int
lm_put_snapshot(es_txn *et, const es_item *it, const char *where,
    unsigned flags)
{
	struct lm_txn	*t = (struct lm_txn *)et;
	unsigned char	 key[KEY_MAX];
	size_t		 n;
	int		 rc;

	if ((rc = ensure_app(t)) != 0)
		return lm_err(et->store, rc, "write");
	t->undo.len = 0;
	n = lm_seq_key(key, t->app_id, it->seq, it->seq_len, it->pos);
	rc = put_record(t, DB_SNAPSHOTS, key, n, it, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST && (flags & ES_SNAP_IF_ABSENT))
		return 1;
	if (rc == MDB_KEYEXIST)
		return es_seterr(et->store, ES_ECONFLICT, "snapshot of sequence "
		    "%.*s at position %lld already stored%s%s%s",
		    (int)it->seq_len, it->seq, (long long)it->pos,
		    where ? " (" : "", where ? where : "", where ? ")" : "");
	return ES_IS_CODE(rc) || rc == 0 ? rc : lm_err(et->store, rc, "write");
}
