/* lm_store.c: the LMDB backend: opening, creating, transactions. */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lm.h"

const char *const db_names[DB_N] = {
	"meta", "apps", "index", "log", "counters", "tracking", "ts",
	"snapshots", "freed",
};

/*
 * LMDB reports a short write as EIO: say what most likely cut it short, a
 * file size limit (ulimit -f) or a full disk.
 */
static const char *
io_cause(es_store *s)
{
	struct lm_store	*ls = s->impl;
	struct statvfs	 vfs;
	struct rlimit	 rl;
	struct stat	 st;
	char		*copy;
	int		 full = 0;

	if (ls == NULL || stat(ls->path, &st) != 0)
		return strerror(EIO);
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (uint64_t)st.st_size + (1 << 20) >= (uint64_t)rl.rlim_cur)
		return "file size limit reached (ulimit -f)";
	if ((copy = strdup(ls->path)) != NULL) {
		full = statvfs(dirname(copy), &vfs) == 0 &&
		    (uint64_t)vfs.f_bavail * vfs.f_frsize < (1 << 20);
		free(copy);
	}
	return full ? strerror(ENOSPC) : strerror(EIO);
}

/* Translate an LMDB or system error into an es code and message. */
int
lm_err(es_store *s, int rc, const char *what)
{
	switch (rc) {
	case MDB_MAP_FULL:
		return es_seterr(s, ES_EIO, "%s: store full: no space left "
		    "on device", what);
	case MDB_READERS_FULL:
		return es_seterr(s, ES_EBUSY, "%s: too many readers", what);
	case MDB_MAP_RESIZED:
		return es_seterr(s, ES_EBUSY, "%s: store grown meanwhile",
		    what);
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		return es_seterr(s, ES_ENOSTORE, "%s: not a store", what);
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_CURSOR_FULL:
	case MDB_BAD_TXN:
	case MDB_PANIC:
		return es_seterr(s, ES_EDATA, "%s: store damaged: %s", what,
		    mdb_strerror(rc));
	case ENOMEM:
		return es_seterr(s, ES_ENOMEM, "%s: out of memory", what);
	case EIO:
		return es_seterr(s, ES_EIO, "%s: %s", what, io_cause(s));
	case ENOSPC: case EACCES: case EPERM: case EROFS:
	case EFBIG: case EDQUOT: case ENOENT: case ENOTDIR: case EISDIR:
		return es_seterr(s, ES_EIO, "%s: %s", what, strerror(rc));
	}
	return es_seterr(s, ES_EINTERNAL, "%s: %s", what, mdb_strerror(rc));
}

/*
 * The map size.  A writer maps as much as the file could grow to on its
 * disk, so "map full" means "disk full"; a reader maps the file and some
 * room, and maps more when a writer has grown the file (MDB_MAP_RESIZED).
 */
static size_t
map_size(const char *path, int write)
{
	struct statvfs	 vfs;
	struct stat	 st;
	char		*dir, *copy;
	uint64_t	 size = 0;

	if (stat(path, &st) == 0)
		size = (uint64_t)st.st_size;
	if (!write)
		size += size / 4 + MAP_MIN;
	else if ((copy = strdup(path)) != NULL) {
		dir = dirname(copy);
		if (statvfs(dir, &vfs) == 0)
			size += (uint64_t)vfs.f_bavail * vfs.f_frsize;
		free(copy);
	}
	if (size < MAP_MIN)
		size = MAP_MIN;
	if (size > MAP_MAX)
		size = MAP_MAX;
	return (size_t)((size + MAP_STEP - 1) & ~(uint64_t)(MAP_STEP - 1));
}

/* Open the environment with a map of size, or a smaller one where the
 * address space is limited (ulimit -v, valgrind). */
static int
env_try(MDB_env **envp, const char *path, unsigned ef, size_t size)
{
	int rc;

	for (;;) {
		if ((rc = mdb_env_create(envp)) != 0)
			return rc;
		mdb_env_set_maxdbs(*envp, DB_N);
		mdb_env_set_maxreaders(*envp, MAX_READERS);
		mdb_env_set_mapsize(*envp, size);
		if ((rc = mdb_env_open(*envp, path, ef, 0600)) == 0)
			return 0;
		mdb_env_close(*envp);
		*envp = NULL;
		if ((rc != ENOMEM && rc != EINVAL) || size <= MAP_MIN)
			return rc;
		size /= 2;
	}
}

static int
env_open(es_store *s, MDB_env **envp, const char *path, unsigned flags)
{
	unsigned	 ef = MDB_NOSUBDIR | MDB_NOTLS;
	int		 rc, dead;

	if (!(flags & ES_OPEN_WRITE))
		ef |= MDB_RDONLY;
	if (flags & ES_OPEN_NOSYNC)
		ef |= MDB_NOSYNC;
	rc = env_try(envp, path, ef, map_size(path, flags & ES_OPEN_WRITE));
	if (rc == ENOENT)
		return es_seterr(s, ES_ENOSTORE, "store not found: %s", path);
	if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
		return es_seterr(s, ES_ENOSTORE, "not a store: %s", path);
	if (rc != 0)
		return lm_err(s, rc, path);
	mdb_reader_check(*envp, &dead);		/* clear stale readers */
	return 0;
}

/* Make the databases and record the format and default application. */
static int
init_env(es_store *s, MDB_env *env, const char *path, const char *app)
{
	MDB_txn		*txn;
	MDB_dbi		 dbi;
	MDB_val		 k, v;
	char		 def[ES_APP_MAX + 1];
	int		 rc, i;

	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0)
		return lm_err(s, rc, path);
	for (i = 0; i < DB_N && rc == 0; i++)
		rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &dbi);
	if (rc == 0 && (rc = mdb_dbi_open(txn, "meta", 0, &dbi)) == 0) {
		k.mv_data = "format", k.mv_size = 6;
		v.mv_data = FORMAT, v.mv_size = strlen(FORMAT);
		rc = mdb_put(txn, dbi, &k, &v, 0);
		if (app == NULL)
			es_default_app(path, def, sizeof(def));
		else
			snprintf(def, sizeof(def), "%s", app);
		k.mv_data = "default_app", k.mv_size = 11;
		v.mv_data = def, v.mv_size = strlen(def);
		if (rc == 0)
			rc = mdb_put(txn, dbi, &k, &v, 0);
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		return lm_err(s, rc, path);
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return lm_err(s, rc, path);
	return 0;
}

/*
 * Create the store whole under a temporary name, then link it into place,
 * so no process ever opens a half-made store; if another process won the
 * race, use its store.
 */
static int
create_store(es_store *s, const char *path, const char *app)
{
	MDB_env	*env = NULL;
	char	 tmp[PATH_MAX], lock[PATH_MAX + 8];
	int	 rc, fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp%ld.%ld", path, (long)getpid(),
	    (long)time(NULL));
	snprintf(lock, sizeof(lock), "%s-lock", tmp);
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return es_seterr(s, ES_EIO, "cannot create store %s: %s",
		    path, strerror(errno));
	fchmod(fd, 0600);
	close(fd);
	rc = env_open(s, &env, tmp, ES_OPEN_WRITE);
	if (rc == 0)
		rc = init_env(s, env, path, app);
	if (env != NULL)
		mdb_env_close(env);
	if (rc == 0 && link(tmp, path) != 0 && errno != EEXIST) {
		if (rename(tmp, path) != 0)
			rc = es_seterr(s, ES_EIO, "cannot create store %s: %s",
			    path, strerror(errno));
	}
	unlink(tmp);
	unlink(lock);
	return rc;
}

static int
get_text(MDB_txn *txn, MDB_dbi dbi, const char *key, char *buf,
    size_t size)
{
	MDB_val	 k, v;
	int	 rc;

	k.mv_data = (void *)key, k.mv_size = strlen(key);
	if ((rc = mdb_get(txn, dbi, &k, &v)) != 0)
		return rc;
	if (v.mv_size >= size)
		return MDB_CORRUPTED;
	memcpy(buf, v.mv_data, v.mv_size);
	buf[v.mv_size] = '\0';
	return 0;
}

/* Look up an application's id; 0 if it has none yet. */
static int
app_lookup(MDB_txn *txn, MDB_dbi dbi, const char *app, uint32_t *id)
{
	MDB_val	 k, v;
	int	 rc;

	k.mv_data = (void *)app, k.mv_size = strlen(app);
	*id = 0;
	if ((rc = mdb_get(txn, dbi, &k, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size != 4)
		return MDB_CORRUPTED;
	*id = get_be32(v.mv_data);
	return 0;
}

static int begin(struct lm_store *, unsigned, MDB_txn **);

/* Open the databases, check the format, settle the application.  A
 * writer does it in a write transaction: it needs no reader slot. */
static int
open_dbs(es_store *s, struct lm_store *ls, const char *path,
    const char *app, int write)
{
	MDB_txn	*txn;
	char	 format[32];
	int	 rc, i;

	if ((rc = begin(ls, write ? 0 : MDB_RDONLY, &txn)) != 0)
		return lm_err(s, rc, path);
	for (i = 0; i < DB_N && rc == 0; i++)
		rc = mdb_dbi_open(txn, db_names[i], 0, &ls->dbi[i]);
	if (rc == 0)
		rc = get_text(txn, ls->dbi[DB_META], "format", format,
		    sizeof(format));
	if (rc == MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return es_seterr(s, ES_ENOSTORE, "not a store: %s", path);
	}
	if (rc == 0 && strcmp(format, FORMAT) != 0) {
		mdb_txn_abort(txn);
		return es_seterr(s, ES_ENOSTORE, "not a store this es can read: "
		    "%s (format %s; this es reads %s)", path, format, FORMAT);
	}
	if (rc == 0 && app == NULL)
		rc = get_text(txn, ls->dbi[DB_META], "default_app", s->app,
		    sizeof(s->app));
	else if (rc == 0)
		snprintf(s->app, sizeof(s->app), "%s", app);
	if (rc == 0)
		rc = app_lookup(txn, ls->dbi[DB_APPS], s->app, &ls->app_id);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return lm_err(s, rc, path);
	}
	if ((rc = mdb_txn_commit(txn)) != 0)	/* keeps the handles */
		return lm_err(s, rc, path);
	return 0;
}

/* A file shorter than its newest meta page says is damaged: reading it
 * would fault.  (The file only grows, so look at its size last.) */
static int
check_size(es_store *s, struct lm_store *ls)
{
	MDB_envinfo	 ei;
	MDB_stat	 ms;
	struct stat	 st;
	int		 fd, rc;

	if ((rc = mdb_env_info(ls->env, &ei)) != 0 ||
	    (rc = mdb_env_stat(ls->env, &ms)) != 0 ||
	    (rc = mdb_env_get_fd(ls->env, &fd)) != 0)
		return lm_err(s, rc, ls->path);
	if (fstat(fd, &st) != 0)
		return es_seterr(s, ES_EIO, "%s: %s", ls->path, strerror(errno));
	if ((uint64_t)(ei.me_last_pgno + 1) * ms.ms_psize > (uint64_t)st.st_size)
		return es_seterr(s, ES_EDATA, "%s: store damaged: the file is "
		    "shorter than its data (%lld of %llu bytes)", ls->path,
		    (long long)st.st_size, (unsigned long long)(ei.me_last_pgno +
		    1) * ms.ms_psize);
	return 0;
}

/* Does the file start like an LMDB environment?  Looked at before LMDB
 * opens it, so no lock file is left beside a file that is no store. */
static int
lmdb_file(const char *path)
{
	unsigned char	 head[24];
	uint32_t	 magic;
	int		 fd, ok;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 1;	/* let LMDB say why */
	ok = pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head);
	close(fd);
	memcpy(&magic, head + 16, 4);	/* after the page header */
	return ok && magic == 0xBEEFC0DE;
}

static int
lm_open(es_store *s, const char *path, const char *app, unsigned flags)
{
	struct lm_store	*ls;
	struct stat	 st;
	int		 rc;

	if ((ls = calloc(1, sizeof(*ls))) == NULL ||
	    (ls->path = strdup(path)) == NULL) {
		free(ls);
		return es_seterr(s, ES_ENOMEM, "out of memory");
	}
	s->impl = ls;
	ls->ifd = -1;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return es_seterr(s, ES_EIO, "cannot open store %s: %s",
			    path, strerror(errno));
		if (!(flags & ES_OPEN_WRITE) || (flags & ES_OPEN_NOCREATE))
			return es_seterr(s, ES_ENOSTORE, "store not found: %s",
			    path);
		if ((rc = create_store(s, path, app)) != 0)
			return rc;
	} else if (S_ISDIR(st.st_mode))
		return es_seterr(s, ES_ENOSTORE, "not a store: %s is a "
		    "directory", path);
	else if (st.st_size == 0)
		return es_seterr(s, ES_ENOSTORE, "not a store: %s is empty",
		    path);
	else if (!lmdb_file(path))
		return es_seterr(s, ES_ENOSTORE, "not a store: %s", path);
	if ((rc = env_open(s, &ls->env, path, flags)) != 0 ||
	    (rc = check_size(s, ls)) != 0)
		return rc;
	return open_dbs(s, ls, path, app, flags & ES_OPEN_WRITE);
}

static void
lm_close(es_store *s)
{
	struct lm_store *ls = s->impl;

	if (ls->env != NULL)
		mdb_env_close(ls->env);
	if (ls->ifd >= 0)
		close(ls->ifd);
	free(ls->path);
	free(ls);
	s->impl = NULL;
}

/* Begin an LMDB transaction, adopting a map grown by another process. */
static int
begin(struct lm_store *ls, unsigned flags, MDB_txn **txn)
{
	int rc;

	rc = mdb_txn_begin(ls->env, NULL, flags, txn);
	if (rc == MDB_MAP_RESIZED) {
		if ((rc = mdb_env_set_mapsize(ls->env, map_size(ls->path,
		    !(flags & MDB_RDONLY)))) == 0)
			rc = mdb_txn_begin(ls->env, NULL, flags, txn);
	} else if (rc == MDB_READERS_FULL) {
		int dead;

		mdb_reader_check(ls->env, &dead);
		rc = mdb_txn_begin(ls->env, NULL, flags, txn);
	}
	return rc;
}

static int
lm_txn_begin(es_store *s, int write, es_txn **tp)
{
	struct lm_store	*ls = s->impl;
	struct lm_txn	*t;
	int		 rc;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return es_seterr(s, ES_ENOMEM, "out of memory");
	t->base.store = s;
	t->ls = ls;
	t->write = write;
	if ((rc = begin(ls, write ? 0 : MDB_RDONLY, &t->txn)) != 0) {
		free(t);
		return lm_err(s, rc, "begin");
	}
	t->app_id = ls->app_id;
	if (t->app_id == 0 && (rc = app_lookup(t->txn, ls->dbi[DB_APPS],
	    s->app, &t->app_id)) != 0) {
		mdb_txn_abort(t->txn);
		free(t);
		return lm_err(s, rc, "begin");
	}
	*tp = &t->base;
	return 0;
}

static void
close_cursors(struct lm_txn *t)
{
	int i;

	for (i = 0; i < DB_N; i++)
		if (t->cur[i] != NULL) {
			mdb_cursor_close(t->cur[i]);
			t->cur[i] = NULL;
		}
}

static void
txn_free(struct lm_txn *t)
{
	es_buf_free(&t->undo);
	free(t);
}

static void
lm_txn_abort(es_txn *et)
{
	struct lm_txn *t = (struct lm_txn *)et;

	close_cursors(t);
	mdb_txn_abort(t->txn);
	txn_free(t);
}

/* Store the notification counters this transaction moved. */
static int
save_counters(struct lm_txn *t)
{
	unsigned char	 key[8];
	MDB_val		 k, v;
	int		 i, rc;

	for (i = 0; i < t->nctr; i++) {
		be32(key, t->app_id);
		be32(key + 4, t->ctr[i].pipeline);
		k.mv_data = key, k.mv_size = 8;
		v.mv_data = &t->ctr[i].last, v.mv_size = 8;
		if ((rc = mdb_put(t->txn, t->ls->dbi[DB_COUNTERS], &k, &v,
		    0)) != 0)
			return rc;
	}
	return 0;
}

static int
lm_txn_commit(es_txn *et)
{
	struct lm_txn	*t = (struct lm_txn *)et;
	es_store	*s = et->store;
	int		 rc = 0;

	close_cursors(t);
	if (t->write && (rc = save_counters(t)) != 0) {
		mdb_txn_abort(t->txn);
		txn_free(t);
		return lm_err(s, rc, "commit");
	}
	if ((rc = mdb_txn_commit(t->txn)) != 0) {
		txn_free(t);
		return lm_err(s, rc, "commit");
	}
	if (t->write)
		t->ls->app_id = t->app_id;
	txn_free(t);
	return 0;
}

MDB_cursor *
lm_cursor(struct lm_txn *t, enum db db, int *rc)
{
	if (t->cur[db] == NULL)
		*rc = mdb_cursor_open(t->txn, t->ls->dbi[db], &t->cur[db]);
	else
		*rc = 0;
	return t->cur[db];
}

const struct es_backend es_lmdb_backend = {
	"lmdb",
	lm_open,
	lm_close,
	lm_txn_begin,
	lm_txn_commit,
	lm_txn_abort,
	lm_write_unit,
	lm_read_items,
	lm_read_sequences,
	lm_read_log,
	lm_last_id,
	lm_tracked,
	lm_wait,
	lm_count_items,
	lm_put_snapshot,
	lm_info,
	lm_check,
	lm_backup,
	lm_delete_item,
	lm_truncate,
	lm_drop,
};
