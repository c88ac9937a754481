/* test_store.c: the store interface over a real LMDB file: keys, ranges,
 * notification ids, conflicts that write nothing. */
#include <stdlib.h>
#include <unistd.h>

#include "es.h"
#include "tap.h"

struct got {
	char	 text[512];
	size_t	 len;
	int	 n;
};

static int
collect(void *arg, const es_item *it)
{
	struct got *g = arg;

	g->len += (size_t)snprintf(g->text + g->len, sizeof(g->text) - g->len,
	    "%s%lld", g->n++ ? "," : "", (long long)it->pos);
	return 0;
}

static es_item
item(const char *seq, int64_t pos)
{
	es_item it = { 0 };

	it.seq = seq, it.seq_len = strlen(seq);
	it.topic = "t", it.topic_len = 1;
	it.state = "{}", it.state_len = 2;
	it.flags = ES_ITEM_STATE_JSON | (pos >= 0 ? ES_ITEM_POS : 0);
	it.pos = pos;
	return it;
}

static int
write_items(es_store *s, es_item *items, size_t n)
{
	es_unit	 u = { items, n, NULL, ES_UNIT_BATCH, "line 1" };
	es_txn	*t;
	int	 rc;

	if ((rc = es_txn_begin(s, 1, &t)) != 0)
		return rc;
	if ((rc = es_write_unit(t, &u, 0, 0)) != 0) {
		es_txn_abort(t);
		return rc;
	}
	return es_txn_commit(t);
}

/* Read sequence "s" with bounds and print positions. */
static const char *
query(es_store *s, es_query *q)
{
	static struct got g;
	es_txn	*t;

	memset(&g, 0, sizeof(g));
	es_txn_begin(s, 0, &t);
	es_read_items(t, "s", 1, q, collect, &g);
	es_txn_abort(t);
	return g.text;
}

int
main(void)
{
	char		 dir[] = "/tmp/es-test-XXXXXX", path[64];
	es_store	*s;
	es_item		 b[5];
	es_query	 q;
	int		 i;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/t.lmdb", dir);
	ok(es_store_open(&s, path, NULL, 0) == ES_ENOSTORE,
	    "reading a missing store: not found");
	es_store_close(s);
	ok(es_store_open(&s, path, NULL, ES_OPEN_WRITE) == 0, "created");
	ok(strcmp(es_store_app(s), "t") == 0, "default application: t");
	for (i = 0; i < 5; i++)
		b[i] = item("s", i);
	ok(write_items(s, b, 5) == 0, "five items");
	ok(b[0].nid == 1 && b[4].nid == 5, "notification ids 1..5");

	/* contract.md §1.6: all four order/limit combinations on 0..4. */
	es_query_init(&q);
	q.limit = 2;
	ok(strcmp(query(s, &q), "0,1") == 0, "asc query, asc results");
	q.last = 1;
	ok(strcmp(query(s, &q), "3,4") == 0, "desc query, asc results");
	q.last = 0, q.desc = 1;
	ok(strcmp(query(s, &q), "4,3") == 0, "desc query, desc results");
	es_query_init(&q);
	es_query_bound(&q, ES_GT, 0);
	es_query_bound(&q, ES_GTE, 2);
	ok(strcmp(query(s, &q), "2,3,4") == 0, "gt=0,gte=2: [2..]");
	es_query_init(&q);
	es_query_bound(&q, ES_GT, 2);
	es_query_bound(&q, ES_GTE, 0);
	es_query_bound(&q, ES_LTE, 2);
	ok(strcmp(query(s, &q), "") == 0, "gt=2,gte=0,lte=2: []");
	es_query_init(&q);
	es_query_bound(&q, ES_LT, -5);
	ok(strcmp(query(s, &q), "") == 0, "a negative upper bound: []");
	es_query_init(&q);
	es_query_bound(&q, ES_GT, INT64_MAX);
	ok(strcmp(query(s, &q), "") == 0, "gt=2^63-1: []");

	/* contract.md §1.4: a batch [5, 1(conflict), 6] writes nothing. */
	b[0] = item("s", 5), b[1] = item("s", 1), b[2] = item("s", 6);
	ok(write_items(s, b, 3) == ES_ECONFLICT, "batch conflict");
	es_query_init(&q);
	ok(strcmp(query(s, &q), "0,1,2,3,4") == 0, "nothing of it written");
	b[0] = item("s", -1);
	ok(write_items(s, b, 1) == 0 && b[0].pos == 5 && b[0].nid == 6,
	    "next position 5 gets id 6: no id lost to the conflict");
	es_store_close(s);

	ok(es_store_open(&s, path, "other", 0) == 0, "another application");
	es_query_init(&q);
	ok(strcmp(query(s, &q), "") == 0, "sees nothing of the first");
	es_store_close(s);
	unlink(path);
	snprintf(path + strlen(path), 8, "-lock");
	unlink(path);
	rmdir(dir);
	return tap_done();
}
