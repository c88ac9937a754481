/* es.h: the one internal API of es: stores, items, JSON, errors. */
#ifndef ES_H
#define ES_H

#include <stddef.h>
#include <stdint.h>

/*
 * Error codes.  Fallible functions return 0 or one of these (negative).
 * es_strerror() gives fixed text; es_errmsg() the detail of the last
 * failure on a store handle.
 */
#define ES_OK		0
#define ES_ENOTFOUND	(-1)	/* nothing found by a point lookup */
#define ES_ECONFLICT	(-2)	/* position or tracking record already stored */
#define ES_EDATA	(-3)	/* bad input, or stored data that cannot be decoded */
#define ES_ENOSTORE	(-4)	/* store not found, or not a store */
#define ES_EIO		(-5)	/* I/O or storage error: disk full, permission */
#define ES_EBUSY	(-6)	/* temporary failure: retry later */
#define ES_ENOMEM	(-7)	/* out of memory */
#define ES_EINTERNAL	(-8)	/* internal error: a bug or an impossible state */
#define ES_ETRACKED	(-9)	/* the unit's tracking record is stored already */
#define ES_EUSAGE	(-10)	/* an argument the caller should have refused */

/* Fixed text for an error code. */
const char *es_strerror(int code);

#define ES_POS_MAX	INT64_MAX	/* positions are 0 ... 2^63-1 */
#define ES_SEQ_MAX	255		/* bytes in a sequence id */
#define ES_PIPELINE_MAX	INT32_MAX	/* pipeline ids are 0 ... 2^31-1 */
#define ES_US_PER_S	1000000		/* timestamp positions: microseconds */

/*
 * Growable byte buffers.  The caller owns one; es_buf_free() releases it.
 * Appending functions return 0 or ES_ENOMEM.
 */
typedef struct es_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
} es_buf;

int	es_buf_reserve(es_buf *b, size_t more);
int	es_buf_adds(es_buf *b, const char *s);
void	es_buf_free(es_buf *b);

/* Append n bytes; inline, as output is made of many small pieces. */
static inline int
es_buf_add(es_buf *b, const void *p, size_t n)
{
	if (b->cap - b->len <= n && es_buf_reserve(b, n) != 0)
		return ES_ENOMEM;
	if (n > 0)
		__builtin_memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static inline int
es_buf_addc(es_buf *b, char c)
{
	if (b->cap - b->len <= 1 && es_buf_reserve(b, 1) != 0)
		return ES_ENOMEM;
	b->p[b->len++] = c;
	return 0;
}

/* Append a string literal. */
#define ES_BUF_LIT(b, lit)	es_buf_add((b), (lit), sizeof(lit) - 1)

/* Number formatting: append the decimal text of v (or v microseconds as
 * seconds with exactly six places).  Return 0 or ES_ENOMEM. */
int	es_buf_add_i64(es_buf *b, int64_t v);
int	es_buf_add_us(es_buf *b, int64_t us);

/*
 * JSON.  es_json_canon() appends the canonical compact text of the JSON
 * value in s[0..n) to out: no insignificant space, numbers exactly as
 * written, strings re-escaped the one way (\" \\ \b \f \n \r \t, \u00xx for
 * other control characters, everything else as UTF-8).  Leading and
 * trailing JSON space is allowed.  Returns 0, or ES_EDATA with a reason in
 * err (and the byte offset in *errat); the input must be valid UTF-8.
 */
#define ES_JSON_MAXDEPTH 3900

typedef struct es_json_err {
	const char	*reason;	/* static text */
	size_t		 at;		/* byte offset of the problem */
	int		 surrogate;	/* a lone \ud800-\udfff escape was seen */
} es_json_err;

int	es_json_canon(es_buf *out, const char *s, size_t n, es_json_err *err);

/* Append s[0..n) as a JSON string literal, quotes included. */
int	es_json_add_string(es_buf *out, const char *s, size_t n);

/* Return the offset of the first invalid UTF-8 byte in s[0..n), or n. */
size_t	es_utf8_check(const char *s, size_t n);

/*
 * Items.  Strings are not NUL-terminated: use the lengths.  On reads, the
 * pointers are valid only during the callback (they point into the store).
 */
#define ES_ITEM_STATE_JSON	0x1	/* state is canonical JSON text */
#define ES_ITEM_CAUSAL		0x2	/* causal_dependencies present */
#define ES_ITEM_POS		0x4	/* position given (else: next) */
#define ES_ITEM_EXPECT		0x8	/* check expect_last before writing */

typedef struct es_item {
	const char	*seq;
	size_t		 seq_len;
	int64_t		 pos;		/* or microseconds, in timestamp mode */
	const char	*topic;
	size_t		 topic_len;
	const char	*state;
	size_t		 state_len;
	const char	*causal;	/* canonical JSON, if ES_ITEM_CAUSAL */
	size_t		 causal_len;
	unsigned	 flags;
	int64_t		 expect_last;	/* with ES_ITEM_EXPECT; -1: no sequence */
	uint32_t	 pipeline;	/* set by writes and reads */
	uint64_t	 nid;		/* notification id; 0: none */
} es_item;

typedef struct es_tracking {
	const char	*upstream;	/* the upstream application's name */
	size_t		 upstream_len;
	uint32_t	 pipeline;
	uint64_t	 nid;
} es_tracking;

/* One atomic unit of input: an item, a batch, or an envelope. */
enum es_unit_kind { ES_UNIT_ITEM, ES_UNIT_BATCH, ES_UNIT_ENVELOPE };

typedef struct es_unit {
	es_item		*items;
	size_t		 n_items;
	es_tracking	*tracking;	/* NULL, or the envelope's record */
	enum es_unit_kind kind;
	const char	*where;		/* "line 3", for messages */
} es_unit;

/*
 * RFC 7386 JSON merge patch, keeping number lexemes and member order.  A
 * merge holds one state; apply folds a patch into it.
 */
typedef struct es_merge es_merge;

int	es_merge_new(es_merge **mp);
void	es_merge_free(es_merge *m);
/* Forget the state ("undefined": the next patch starts from nothing). */
void	es_merge_reset(es_merge *m);
/* Set the state to a JSON text as it is (a snapshot's). */
int	es_merge_set(es_merge *m, const char *json, size_t n);
/* state = MergePatch(state, patch); ES_EDATA if patch is not JSON. */
int	es_merge_apply(es_merge *m, const char *patch, size_t n);
/* Append the state's canonical text ("null" if there is none). */
int	es_merge_result(es_merge *m, es_buf *out);
/* One MergePatch(target, patch), appended to out. */
int	es_merge_patch(es_buf *out, const char *target, size_t tn,
	    const char *patch, size_t pn);

/* Write "where" of item i of a unit ("line 3: item 2") to buf. */
void	es_unit_where(const es_unit *u, size_t i, char *buf, size_t size);

/*
 * The input codec: one line of JSON Lines to a unit.  A parser holds the
 * buffers the unit points into; they are reused by the next line.
 */
typedef struct es_parser es_parser;

#define ES_PARSE_VERBATIM	0x1	/* state is a string stored as is */
#define ES_PARSE_TIMESTAMP	0x2	/* positions are decimal seconds */
#define ES_PARSE_SNAPSHOT	0x4	/* snapshot lines: no envelopes */

int	es_parser_new(es_parser **pp, unsigned flags);
void	es_parser_free(es_parser *p);

/*
 * Parse line[0..n) (no newline) into *unit.  Returns 0; 1 for a blank
 * line (no unit); ES_EDATA with a message naming the field in
 * es_parser_errmsg(); ES_ENOMEM.
 */
int	es_parse_line(es_parser *p, const char *line, size_t n,
	    const char *where, es_unit *unit);
const char *es_parser_errmsg(const es_parser *p);

/* If s[0..n) is a UUID (canonical, or 32 hex digits; any case), write its
 * lowercase canonical form and a NUL to out and return 36; else 0. */
size_t	es_uuid_canon(const char *s, size_t n, char out[37]);

/*
 * Encryption of states at rest, byte-compatible with the seed's AESCipher:
 * base64(nonce(12) || tag(16) || AES-GCM(zlib(text))).  Keys are 16, 24 or
 * 32 bytes (AES-128/192/256).
 */
typedef struct es_cipher es_cipher;

/* ES_EUSAGE for a key of another length; ES_ENOMEM; ES_EINTERNAL if
 * OpenSSL's libcrypto cannot be loaded (es_cipher_why() says why). */
int	es_cipher_new(es_cipher **cp, const unsigned char *key, size_t len);
const char *es_cipher_why(void);
void	es_cipher_free(es_cipher *c);
/* Append the ciphertext of plain[0..n) to out (a random nonce). */
int	es_cipher_encrypt(es_cipher *c, const char *plain, size_t n, es_buf *out);
/* The same with a given nonce: for test vectors only. */
int	es_cipher_encrypt_nonce(es_cipher *c, const char *plain, size_t n,
	    const unsigned char nonce[12], es_buf *out);
/* Append the plaintext of text[0..n) to out; ES_EDATA with the reason in
 * *why when the text is damaged or the key is wrong. */
int	es_cipher_decrypt(es_cipher *c, const char *text, size_t n, es_buf *out,
	    const char **why);
/* Append the bytes of base64 text to out.  Strict: only the alphabet and
 * padding; else other bytes are skipped (as Python's b64decode).  Returns
 * 0, or ES_EDATA with the reason in *why. */
int	es_base64_decode(es_buf *out, const char *s, size_t n, int strict,
	    const char **why);
/* Encrypt the states of a unit's items (all but verbatim ones) into buf,
 * which the items then point into until buf changes. */
int	es_unit_seal(es_unit *u, es_cipher *c, es_buf *buf);

/*
 * Input lines from a file descriptor.  A line ends at LF (a CR before it
 * is dropped); the last may lack its LF.  The buffer grows to the longest
 * line and no further.
 */
typedef struct es_lines es_lines;

int	es_lines_open(es_lines **lp, int fd);
void	es_lines_close(es_lines *l);
/* The next line, valid until the next call: 1, 0 at the end, or -errno. */
int	es_lines_next(es_lines *l, const char **line, size_t *len);
/* The number of the last line returned (1 for the first). */
uint64_t es_lines_number(const es_lines *l);
/* Non-zero if es_lines_next() would not block now. */
int	es_lines_ready(es_lines *l);

/*
 * The output codec: append one JSON line for an item (no newline).
 */
#define ES_OUT_STORED_EVENT	0x1	/* originator_id, originator_version */
#define ES_OUT_TIMESTAMP	0x2	/* position as seconds.micros */
#define ES_OUT_VERBATIM		0x4	/* state as a JSON string of the text */
#define ES_OUT_NOTIFICATION	0x8	/* add pipeline_id, notification_id */
#define ES_OUT_APPLICATION	0x10	/* ... and before them application_name */

/* How items are written out; err holds why one could not be. */
typedef struct es_out {
	unsigned	 flags;		/* ES_OUT_* */
	const char	*app;		/* with ES_OUT_APPLICATION */
	es_cipher	*cipher;	/* decrypt states (not with verbatim) */
	es_buf		 plain;		/* decrypted state, scratch */
	char		 err[512];
} es_out;

/* Append an item's line; ES_EDATA (with o->err) if its state cannot be
 * decoded, or ES_ENOMEM. */
int	es_fmt_item(es_buf *out, const es_item *it, es_out *o);
/* The state text of an item, decrypted with o->cipher (not canonical
 * unless it was stored so): *text is valid until the next call. */
int	es_item_state(const es_item *it, es_out *o, const char **text,
	    size_t *n);
/* Append an ack line {"sequence_id","position","notification_id"}. */
int	es_fmt_ack(es_buf *out, const es_item *it, unsigned flags);

/*
 * Stores.  es_store_open() picks the backend by the path ("postgresql://"
 * later; anything else is an LMDB file).  It always sets *sp unless it
 * returns ES_ENOMEM, so es_errmsg() can tell why; close it either way.
 */
typedef struct es_store es_store;
typedef struct es_txn es_txn;

#define ES_OPEN_WRITE	0x1	/* create the store if missing; writable */
#define ES_OPEN_NOSYNC	0x2	/* do not wait for commits to be durable */
#define ES_OPEN_NOCREATE 0x4	/* with ES_OPEN_WRITE: the store must exist */

int	es_store_open(es_store **sp, const char *path, const char *app,
	    unsigned flags);
void	es_store_close(es_store *s);
const char *es_errmsg(const es_store *s);
/* The application this handle works on (given, else the store's default). */
const char *es_store_app(const es_store *s);

/*
 * Transactions.  A write transaction holds the store's one writer lock
 * until es_txn_commit() (durable on return, unless ES_OPEN_NOSYNC) or
 * es_txn_abort().  Both free the transaction.  Keep read ones short.
 */
int	es_txn_begin(es_store *s, int write, es_txn **tp);
int	es_txn_commit(es_txn *t);
void	es_txn_abort(es_txn *t);

/* Write options for es_write_unit(). */
#define ES_WRITE_TIMESTAMP	0x1	/* the timestamp-sequenced keyspace */
#define ES_WRITE_SKIP_TRACKED	0x2	/* ES_ETRACKED instead of conflict */

/*
 * Write one unit inside t: all of it or, on error, nothing of it (the
 * transaction stays usable).  A missing position becomes the next one of
 * its sequence.  Sets each item's pos, pipeline and nid.  Returns 0,
 * ES_ECONFLICT, ES_ETRACKED, ES_EDATA (no next position), or a storage
 * error; es_errmsg() names the sequence and position.
 */
int	es_write_unit(es_txn *t, es_unit *u, uint32_t pipeline, unsigned flags);

/* A query on one sequence: the seed's get_items. */
typedef struct es_query {
	int64_t		 lo, hi;	/* inclusive bounds */
	uint64_t	 limit;		/* 0: none */
	int		 desc;		/* descending query and results */
	int		 last;		/* descending query, ascending results */
	int		 timestamp;	/* the timestamp-sequenced keyspace */
	int		 snapshots;	/* the snapshots keyspace */
} es_query;

/* A query with no bounds; es_query_bound() narrows it by one option. */
void	es_query_init(es_query *q);
enum es_bound { ES_GT, ES_GTE, ES_LT, ES_LTE };
void	es_query_bound(es_query *q, enum es_bound op, int64_t v);

/* Callbacks get items valid during the call; non-zero stops and is
 * returned by the caller of the callback. */
typedef int (*es_item_fn)(void *arg, const es_item *it);
typedef int (*es_name_fn)(void *arg, const char *name, size_t len);

int	es_read_items(es_txn *t, const char *seq, size_t seq_len,
	    const es_query *q, es_item_fn fn, void *arg);
/* Every sequence id in id order, from the first after `after` (NULL: all). */
int	es_read_sequences(es_txn *t, int timestamp, const char *after,
	    size_t after_len, es_name_fn fn, void *arg);
/* How many items the query would give (stops counting at q->limit). */
int	es_count_items(es_txn *t, const char *seq, size_t seq_len,
	    const es_query *q, uint64_t *n);

/*
 * Snapshots: items keyed by (sequence, position = version), kept apart from
 * the events and the log; read them with es_read_items() and
 * q->snapshots.  Store one inside t: ES_ECONFLICT if one is stored at that
 * position already, or with ES_SNAP_IF_ABSENT, 1 (and the old one kept).
 */
#define ES_SNAP_IF_ABSENT	0x1
int	es_put_snapshot(es_txn *t, const es_item *it, const char *where,
	    unsigned flags);

/*
 * The notification log of a pipeline: items with after < id <= upto, in id
 * order, at most limit (0: all).  The seed's get_notifications(start, stop)
 * is after = start, upto = stop.
 */
int	es_read_log(es_txn *t, uint32_t pipeline, uint64_t after, uint64_t upto,
	    uint64_t limit, es_item_fn fn, void *arg);
/* The highest notification id ever given in a pipeline (0: none). */
int	es_last_id(es_txn *t, uint32_t pipeline, uint64_t *id);
/* The highest notification id of upstream's pipeline in this application's
 * tracking records (0: none): where a downstream process resumes. */
int	es_tracked(es_txn *t, const char *upstream, size_t len,
	    uint32_t pipeline, uint64_t *id);

/*
 * Wait until the store may have changed (a commit by any process), or
 * timeout_ms pass, or fd (if >= 0) hangs up.  Returns 0, 1 if fd hung up,
 * or an error.  Never holds a transaction.
 */
int	es_store_wait(es_store *s, int timeout_ms, int fd);

/*
 * Replay: the latest snapshot at or before a bound (unless no_snapshot),
 * then the later events, folded by the merge patch or by a command that
 * reads the snapshot and events as JSON Lines and prints the new state.
 */
typedef struct es_fold es_fold;

struct es_fold_opts {
	int64_t		 hi;		/* replay up to this position */
	int		 no_snapshot;
	const char	*exec;		/* the reducer command; NULL: merge */
	es_cipher	*cipher;	/* to decrypt states */
	unsigned	 format;	/* ES_OUT_STORED_EVENT for exec's input */
};

int	es_fold_new(es_fold **fp, const struct es_fold_opts *o);
void	es_fold_free(es_fold *f);
/*
 * Replay seq inside t.  Returns 0 and sets *res (valid until the next
 * call): the snapshot-shaped result, its topic the snapshot's if one was
 * used, else the first event's; ES_ENOTFOUND if there is nothing to
 * replay; ES_EDATA (see es_fold_errmsg) for a state that cannot be decoded
 * or a reducer that failed.
 */
int	es_fold_run(es_fold *f, es_txn *t, const char *seq, size_t len,
	    es_item *res);
const char *es_fold_errmsg(const es_fold *f);

/*
 * Looking after a store (es-admin).
 */
typedef struct es_pipeline_info {
	uint32_t	 pipeline;
	uint64_t	 notifications;	/* in the log now */
	uint64_t	 last_id;	/* the highest id in the log now */
} es_pipeline_info;

typedef struct es_app_info {
	char		 name[256];
	uint64_t	 sequences, items, ts_sequences, ts_items;
	uint64_t	 snapshots, tracking_records;
	es_pipeline_info *pipelines;
	size_t		 n_pipelines;
} es_app_info;

typedef struct es_info {
	char		 default_app[256];
	uint64_t	 size;		/* of the store file */
	uint64_t	 page_size, map_size, map_used;
	uint64_t	 branch_pages, leaf_pages, overflow_pages;
	uint64_t	 readers, max_readers;
	es_app_info	*apps;		/* by name; those with data */
	size_t		 n_apps;
} es_info;

/* Describe the store (one read transaction); free with es_info_free(). */
int	es_store_info(es_store *s, es_info **ip);
void	es_info_free(es_info *i);

/* What es_store_check() counted. */
typedef struct es_check_counts {
	uint64_t	 items, ts_items, snapshots, tracking_records, problems;
} es_check_counts;

typedef void (*es_problem_fn)(void *arg, const char *problem);
typedef void (*es_freed_fn)(void *arg, const char *app, uint32_t pipeline,
	    uint64_t nid);

/*
 * Verify every invariant of the store: the log and the index agree,
 * notification ids are contiguous but for the ones freed by deletes (each
 * given to freed), ids, positions and topics are well-formed, states decode
 * (and decrypt, with c).  Each problem goes to problem.  Returns 0 (even
 * with problems: see counts) or an error that stopped the walk.
 */
int	es_store_check(es_store *s, es_cipher *c, es_problem_fn problem,
	    es_freed_fn freed, void *arg, es_check_counts *counts);

/* A consistent, compacted copy of the store at dest, written while
 * writers run; dest is replaced only once the copy is durable. */
int	es_store_backup(es_store *s, const char *dest);

/* Delete one item (the seed's delete_record); its notification id stays
 * taken.  ES_ENOTFOUND if there is none. */
int	es_delete_item(es_txn *t, const char *seq, size_t len, int64_t pos,
	    int timestamp);

/* Empty the store, keeping the file and its default application. */
int	es_store_truncate(es_store *s);

/* Remove the store's files (after checking it is a store). */
int	es_store_drop(es_store *s);

#endif
