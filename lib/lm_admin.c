/* lm_admin.c: the LMDB backend: info, backup, delete, truncate, drop. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lm.h"

/* Count the entries with an application's prefix, and the sequences. */
static int
count_app(struct lm_txn *t, enum db db, uint32_t app, uint64_t *entries,
    uint64_t *seqs)
{
	unsigned char	 key[4];
	MDB_cursor	*c;
	MDB_val		 k, v, prev = { 0, NULL };
	int		 rc;

	*entries = 0;
	if (seqs)
		*seqs = 0;
	if ((c = lm_cursor(t, db, &rc)) == NULL)
		return rc;
	be32(key, app);
	k.mv_data = key, k.mv_size = 4;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 4 || memcmp(k.mv_data, key, 4) != 0)
			break;
		++*entries;
		if (seqs == NULL || k.mv_size < 13)
			continue;
		if (prev.mv_size != k.mv_size - 13 || memcmp(prev.mv_data,
		    (char *)k.mv_data + 4, prev.mv_size) != 0)
			++*seqs;
		prev.mv_data = (char *)k.mv_data + 4;
		prev.mv_size = k.mv_size - 13;
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The pipelines of an application's log: notifications and last ids. */
static int
count_log(struct lm_txn *t, uint32_t app, es_app_info *a)
{
	unsigned char		 key[4];
	es_pipeline_info	*p;
	MDB_cursor		*c;
	MDB_val			 k, v;
	uint32_t		 pipeline;
	int			 rc;

	if ((c = lm_cursor(t, DB_LOG, &rc)) == NULL)
		return rc;
	be32(key, app);
	k.mv_data = key, k.mv_size = 4;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 16 || memcmp(k.mv_data, key, 4) != 0)
			break;
		pipeline = get_be32((char *)k.mv_data + 4);
		p = a->n_pipelines ? &a->pipelines[a->n_pipelines - 1] : NULL;
		if (p == NULL || p->pipeline != pipeline) {
			p = realloc(a->pipelines, (a->n_pipelines + 1) *
			    sizeof(*p));
			if (p == NULL)
				return ENOMEM;
			a->pipelines = p;
			p = &p[a->n_pipelines++];
			memset(p, 0, sizeof(*p));
			p->pipeline = pipeline;
		}
		p->notifications++;
		p->last_id = get_be64((char *)k.mv_data + 8);
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
app_info(struct lm_txn *t, uint32_t id, es_app_info *a)
{
	int rc;

	if ((rc = count_app(t, DB_INDEX, id, &a->items, &a->sequences)) ||
	    (rc = count_app(t, DB_TS, id, &a->ts_items, &a->ts_sequences)) ||
	    (rc = count_app(t, DB_SNAPSHOTS, id, &a->snapshots, NULL)) ||
	    (rc = count_app(t, DB_TRACKING, id, &a->tracking_records, NULL)))
		return rc;
	return count_log(t, id, a);
}

static void
add_stat(es_info *i, const MDB_stat *st)
{
	i->branch_pages += st->ms_branch_pages;
	i->leaf_pages += st->ms_leaf_pages;
	i->overflow_pages += st->ms_overflow_pages;
}

/* Sizes and page counts of the environment and every database. */
static int
page_info(struct lm_txn *t, es_info *i)
{
	struct stat	 st;
	MDB_envinfo	 ei;
	MDB_stat	 ms;
	int		 d, rc;

	if (stat(t->ls->path, &st) == 0)
		i->size = (uint64_t)st.st_size;
	if ((rc = mdb_env_info(t->ls->env, &ei)) != 0 ||
	    (rc = mdb_env_stat(t->ls->env, &ms)) != 0)
		return rc;
	i->page_size = ms.ms_psize;
	i->map_size = ei.me_mapsize;
	i->map_used = (ei.me_last_pgno + 1) * (uint64_t)ms.ms_psize;
	i->readers = ei.me_numreaders;
	i->max_readers = ei.me_maxreaders;
	add_stat(i, &ms);
	for (d = 0; d < DB_N; d++) {
		if ((rc = mdb_stat(t->txn, t->ls->dbi[d], &ms)) != 0)
			return rc;
		add_stat(i, &ms);
	}
	return 0;
}

static int
info_apps(struct lm_txn *t, es_info *i)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	es_app_info	*a;
	int		 rc;

	if ((c = lm_cursor(t, DB_APPS, &rc)) == NULL)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size != 4 || k.mv_size > ES_APP_MAX)
			return MDB_CORRUPTED;
		if ((a = realloc(i->apps, (i->n_apps + 1) * sizeof(*a))) == NULL)
			return ENOMEM;
		i->apps = a;
		a = &a[i->n_apps];
		memset(a, 0, sizeof(*a));
		memcpy(a->name, k.mv_data, k.mv_size);
		if ((rc = app_info(t, get_be32(v.mv_data), a)) != 0)
			return rc;
		if (a->items || a->ts_items || a->snapshots ||
		    a->tracking_records || a->n_pipelines)
			i->n_apps++;		/* else: no data, not shown */
		else
			free(a->pipelines);
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
lm_info(es_store *s, es_info *i)
{
	struct lm_txn	*t;
	es_txn		*et;
	MDB_val		 k, v;
	int		 rc;

	if ((rc = es_txn_begin(s, 0, &et)) != 0)
		return rc;
	t = (struct lm_txn *)et;
	k.mv_data = "default_app", k.mv_size = 11;
	if ((rc = mdb_get(t->txn, t->ls->dbi[DB_META], &k, &v)) == 0)
		snprintf(i->default_app, sizeof(i->default_app), "%.*s",
		    (int)v.mv_size, (char *)v.mv_data);
	if (rc == 0)
		rc = page_info(t, i);
	if (rc == 0)
		rc = info_apps(t, i);
	es_txn_abort(et);
	return rc == 0 ? 0 : lm_err(s, rc, "info");
}

int
lm_backup(es_store *s, const char *dest)
{
	struct lm_store	*ls = s->impl;
	char		 tmp[PATH_MAX], a[PATH_MAX], b[PATH_MAX], *dir;
	struct stat	 st;
	int		 fd, rc = 0;

	if (stat(dest, &st) == 0 && S_ISDIR(st.st_mode))
		return es_seterr(s, ES_EUSAGE, "backup: %s is a directory",
		    dest);
	if (realpath(ls->path, a) != NULL && realpath(dest, b) != NULL &&
	    strcmp(a, b) == 0)
		return es_seterr(s, ES_EUSAGE, "backup: the destination is the "
		    "store itself");
	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", dest, (long)getpid());
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return es_seterr(s, ES_EIO, "backup: %s: %s", dest,
		    strerror(errno));
	/* One read transaction: a consistent copy, free pages left out. */
	if ((rc = mdb_env_copyfd2(ls->env, fd, MDB_CP_COMPACT)) != 0 ||
	    (fsync(fd) != 0 && (rc = errno)))
		lm_err(s, rc, "backup");
	if (close(fd) != 0 && rc == 0)
		rc = errno;
	if (rc == 0 && rename(tmp, dest) != 0)
		rc = errno;
	if (rc != 0) {
		unlink(tmp);
		return ES_IS_CODE(rc) ? rc : es_seterr(s, ES_EIO, "backup: %s: "
		    "%s", dest, rc > 0 ? strerror(rc) : mdb_strerror(rc));
	}
	snprintf(tmp, sizeof(tmp), "%s", dest);
	dir = dirname(tmp);
	if ((fd = open(dir, O_RDONLY | O_CLOEXEC)) >= 0) {
		fsync(fd);		/* the rename, durable */
		close(fd);
	}
	return 0;
}

int
lm_delete_item(es_txn *et, const char *seq, size_t len, int64_t pos,
    int timestamp)
{
	struct lm_txn	*t = (struct lm_txn *)et;
	unsigned char	 key[KEY_MAX], lkey[16];
	uint32_t	 pipeline;
	uint64_t	 nid;
	MDB_val		 k, v, empty = { 0, "" };
	int		 rc;

	if (t->app_id == 0 || len > ES_SEQ_MAX)
		return ES_ENOTFOUND;
	k.mv_data = key;
	k.mv_size = lm_seq_key(key, t->app_id, seq, len, pos);
	if (timestamp)
		rc = mdb_del(t->txn, t->ls->dbi[DB_TS], &k, NULL);
	else if ((rc = mdb_get(t->txn, t->ls->dbi[DB_INDEX], &k, &v)) == 0) {
		if (v.mv_size != 12)
			return lm_err(et->store, MDB_CORRUPTED, "delete");
		memcpy(&pipeline, v.mv_data, 4);
		memcpy(&nid, (char *)v.mv_data + 4, 8);
		lm_log_key(lkey, t->app_id, pipeline, nid);
		rc = mdb_del(t->txn, t->ls->dbi[DB_INDEX], &k, NULL);
		k.mv_data = lkey, k.mv_size = 16;
		if (rc == 0)
			rc = mdb_del(t->txn, t->ls->dbi[DB_LOG], &k, NULL);
		/* The id stays taken: listed as freed; the counter holds. */
		if (rc == 0)
			rc = mdb_put(t->txn, t->ls->dbi[DB_FREED], &k, &empty,
			    0);
	}
	if (rc == MDB_NOTFOUND)
		return ES_ENOTFOUND;
	return rc == 0 ? 0 : lm_err(et->store, rc, "delete");
}

int
lm_truncate(es_store *s)
{
	struct lm_store	*ls = s->impl;
	es_txn		*et;
	int		 d, rc = 0;

	if ((rc = es_txn_begin(s, 1, &et)) != 0)
		return rc;
	for (d = 0; d < DB_N && rc == 0; d++)
		if (d != DB_META)
			rc = mdb_drop(((struct lm_txn *)et)->txn, ls->dbi[d], 0);
	if (rc != 0) {
		es_txn_abort(et);
		return lm_err(s, rc, "truncate");
	}
	((struct lm_txn *)et)->app_id = 0;
	if ((rc = es_txn_commit(et)) != 0)
		return rc;
	ls->app_id = 0;
	return 0;
}

int
lm_drop(es_store *s)
{
	struct lm_store	*ls = s->impl;
	char		 lock[PATH_MAX + 8];

	mdb_env_close(ls->env);
	ls->env = NULL;
	snprintf(lock, sizeof(lock), "%s-lock", ls->path);
	if (unlink(ls->path) != 0)
		return es_seterr(s, ES_EIO, "drop: %s: %s", ls->path,
		    strerror(errno));
	if (unlink(lock) != 0 && errno != ENOENT)
		return es_seterr(s, ES_EIO, "drop: %s: %s", lock,
		    strerror(errno));
	return 0;
}
