/* backend.h: the table of operations a store backend provides (lib only). */
#ifndef ES_BACKEND_H
#define ES_BACKEND_H

#include "es.h"

#define ES_APP_MAX	255	/* bytes in an application name */

struct es_backend {
	const char *name;
	int	(*open)(es_store *s, const char *path, const char *app,
		    unsigned flags);
	void	(*close)(es_store *s);
	int	(*txn_begin)(es_store *s, int write, es_txn **tp);
	int	(*txn_commit)(es_txn *t);
	void	(*txn_abort)(es_txn *t);
	int	(*write_unit)(es_txn *t, es_unit *u, uint32_t pipeline,
		    unsigned flags);
	int	(*read_items)(es_txn *t, const char *seq, size_t seq_len,
		    const es_query *q, es_item_fn fn, void *arg);
	int	(*read_sequences)(es_txn *t, int timestamp, const char *after,
		    size_t after_len, es_name_fn fn, void *arg);
	int	(*read_log)(es_txn *t, uint32_t pipeline, uint64_t after,
		    uint64_t upto, uint64_t limit, es_item_fn fn, void *arg);
	int	(*last_id)(es_txn *t, uint32_t pipeline, uint64_t *id);
	int	(*tracked)(es_txn *t, const char *upstream, size_t len,
		    uint32_t pipeline, uint64_t *id);
	int	(*wait)(es_store *s, int timeout_ms, int fd);
	int	(*count_items)(es_txn *t, const char *seq, size_t seq_len,
		    const es_query *q, uint64_t *n);
	int	(*put_snapshot)(es_txn *t, const es_item *it,
		    const char *where, unsigned flags);
	int	(*info)(es_store *s, es_info *i);
	int	(*check)(es_store *s, es_cipher *c, es_problem_fn problem,
		    es_freed_fn freed, void *arg, es_check_counts *counts);
	int	(*backup)(es_store *s, const char *dest);
	int	(*delete_item)(es_txn *t, const char *seq, size_t len,
		    int64_t pos, int timestamp);
	int	(*truncate)(es_store *s);
	int	(*drop)(es_store *s);
};

/* What every store handle has; a backend keeps its own state in impl. */
struct es_store {
	const struct es_backend *ops;
	void	*impl;
	char	 app[ES_APP_MAX + 1];	/* the application worked on */
	char	 errmsg[1024];
};

/* What every transaction starts with. */
struct es_txn {
	es_store *store;
};

/* Set the store's error message; returns code. */
int	es_seterr(es_store *s, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* The default application for a new store at path: its base name
 * without extension. */
void	es_default_app(const char *path, char *buf, size_t size);

extern const struct es_backend es_lmdb_backend;

#endif
