/* lm.h: the LMDB backend's insides, shared by its files (lib only). */
#ifndef ES_LM_H
#define ES_LM_H

#include <lmdb.h>

#include "backend.h"

#define FORMAT		"es-lmdb-2"	/* the layout described here */
#define MAP_MIN		(64UL << 20)	/* the smallest map */
#define MAP_MAX		(1UL << 40)	/* the largest map asked for */
#define MAP_STEP	(1UL << 20)	/* maps are whole MiB */
#define MAX_READERS	1022		/* concurrent read transactions */

/*
 * The named databases.  Keys start with the 4-byte application id; see
 * lmdb_keys.h for the layouts.
 */
enum db { DB_META, DB_APPS, DB_INDEX, DB_LOG, DB_COUNTERS, DB_TRACKING,
	DB_TS, DB_SNAPSHOTS, DB_FREED, DB_N };

extern const char *const db_names[DB_N];
#if 0

	"meta",		/* "format", "default_app" -> text */
	"apps",		/* application name -> id (u32) */
	"index",	/* app seq \0 pos -> pipeline (u32), nid (u64) */
	"log",		/* app pipeline nid -> record */
	"counters",	/* app pipeline -> last notification id (u64) */
	"tracking",	/* app upstream \0 pipeline nid -> "" */
	"ts",		/* app seq \0 microseconds -> record */
	"snapshots",	/* app seq \0 pos -> record */
	"freed",	/* app pipeline nid -> "": ids freed by delete */
};
#endif

struct lm_store {
	char		*path;
	int		 watching;	/* lm_wait() has started */
	int		 ifd;		/* inotify, or -1 */
	MDB_env		*env;
	MDB_dbi		 dbi[DB_N];
	uint32_t	 app_id;	/* 0: the application has no data yet */
};

/* A notification counter loaded in a write transaction. */
struct counter {
	uint32_t	 pipeline;
	uint64_t	 last;
};

#define MAXCOUNTERS 8

struct lm_txn {
	struct es_txn	 base;
	struct lm_store	*ls;
	MDB_txn		*txn;
	int		 write;
	uint32_t	 app_id;
	MDB_cursor	*cur[DB_N];
	struct counter	 ctr[MAXCOUNTERS];
	int		 nctr;
	es_buf		 undo;		/* keys the current unit wrote */
};


/*
 * Keys.  Integers in keys are big-endian, so byte order is numeric order:
 *   seq key:      app(4) sequence-id \0 position(8)  (index, ts, snapshots)
 *   log key:      app(4) pipeline(4) nid(8)          (log, freed)
 *   counter key:  app(4) pipeline(4)
 *   tracking key: app(4) upstream \0 pipeline(4) nid(8)
 * Sequence ids hold no NUL, so "id \0" keeps sequences in id order.
 */
#define KEY_MAX	(4 + 255 + 1 + 4 + 8)

static inline void
be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v;
}

static inline uint32_t
get_be32(const void *vp)
{
	const unsigned char *p = vp;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
be64(unsigned char *p, uint64_t v)
{
	be32(p, (uint32_t)(v >> 32));
	be32(p + 4, (uint32_t)v);
}

static inline uint64_t
get_be64(const void *vp)
{
	const unsigned char *p = vp;

	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* app seq \0 [pos]: returns the length; pos < 0 leaves it off. */
size_t	lm_seq_key(unsigned char *k, uint32_t app, const char *seq,
	    size_t n, int64_t pos);
void	lm_log_key(unsigned char *k, uint32_t app, uint32_t pipeline,
	    uint64_t nid);

/*
 * Records (log, ts and snapshot values): a 26-byte header, then the
 * sequence id, topic, state and causal dependencies:
 *   check(4) flags(1) seq_len(1) position(8) topic_len(4) state_len(4)
 *   causal_len(4)
 * Lengths and the position are in host order; check is a checksum of the
 * rest of the record (32 bits of XXH3), verified on every read.
 */
#define REC_HEAD 26

int	lm_rec_size(const es_item *it, size_t *size);
void	lm_rec_encode(unsigned char *p, size_t size, const es_item *it);
/* Decode a record: 0, or ES_EDATA (malformed or failing its checksum). */
int	lm_rec_decode(const MDB_val *v, es_item *it);
/* Is the record's checksum right? */
int	lm_rec_intact(const MDB_val *v);

/* Is rc an es code (else an LMDB or errno code for lm_err)? */
#define ES_IS_CODE(rc)	((rc) < 0 && (rc) > -100)

int	lm_err(es_store *s, int rc, const char *what);
MDB_cursor *lm_cursor(struct lm_txn *t, enum db db, int *rc);

int	lm_write_unit(es_txn *t, es_unit *u, uint32_t pipeline,
	    unsigned flags);
int	lm_read_items(es_txn *t, const char *seq, size_t seq_len,
	    const es_query *q, es_item_fn fn, void *arg);
int	lm_read_sequences(es_txn *t, int timestamp, const char *after,
	    size_t after_len, es_name_fn fn, void *arg);
int	lm_read_log(es_txn *t, uint32_t pipeline, uint64_t after,
	    uint64_t upto, uint64_t limit, es_item_fn fn, void *arg);
int	lm_last_id(es_txn *t, uint32_t pipeline, uint64_t *id);
int	lm_tracked(es_txn *t, const char *upstream, size_t len,
	    uint32_t pipeline, uint64_t *id);
int	lm_wait(es_store *s, int timeout_ms, int fd);
int	lm_count_items(es_txn *t, const char *seq, size_t seq_len,
	    const es_query *q, uint64_t *n);
int	lm_put_snapshot(es_txn *t, const es_item *it, const char *where,
	    unsigned flags);
int	lm_info(es_store *s, es_info *i);
int	lm_check(es_store *s, es_cipher *c, es_problem_fn problem,
	    es_freed_fn freed, void *arg, es_check_counts *counts);
int	lm_backup(es_store *s, const char *dest);
int	lm_delete_item(es_txn *t, const char *seq, size_t len, int64_t pos,
	    int timestamp);
int	lm_truncate(es_store *s);
int	lm_drop(es_store *s);

#endif
