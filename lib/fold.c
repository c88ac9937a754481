/* fold.c: replay: the latest snapshot, then the later events, folded by
 * the merge patch or by a reducer command (the seed's event player). */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "es.h"

struct es_fold {
	struct es_fold_opts o;
	es_merge	*merge;
	es_out		 out;		/* decryption; the reducer's lines */
	FILE		*in;		/* the reducer's input */
	es_buf		 seq, topic, state, line, tmp;
	int64_t		 pos;
	int		 snapshot;	/* a snapshot was used */
	uint64_t	 events;
	char		 err[700];
};

int
es_fold_new(es_fold **fp, const struct es_fold_opts *o)
{
	es_fold *f;

	if ((*fp = f = calloc(1, sizeof(*f))) == NULL)
		return ES_ENOMEM;
	f->o = *o;
	f->out.cipher = o->cipher;
	f->out.flags = o->format;
	if (o->exec == NULL)
		return es_merge_new(&f->merge);
	if ((f->in = tmpfile()) == NULL)
		return ES_EIO;
	return 0;
}

void
es_fold_free(es_fold *f)
{
	if (f == NULL)
		return;
	es_merge_free(f->merge);
	if (f->in != NULL)
		fclose(f->in);
	es_buf_free(&f->seq);
	es_buf_free(&f->topic);
	es_buf_free(&f->state);
	es_buf_free(&f->line);
	es_buf_free(&f->tmp);
	es_buf_free(&f->out.plain);
	free(f);
}

const char *
es_fold_errmsg(const es_fold *f)
{
	return f->err;
}

static int
fail(es_fold *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
	return ES_EDATA;
}

/* Feed one line (snapshot or event) to the reducer's input. */
static int
feed(es_fold *f, const es_item *it)
{
	int rc;

	f->line.len = 0;
	if ((rc = es_fmt_item(&f->line, it, &f->out)) != 0) {
		snprintf(f->err, sizeof(f->err), "%s", f->out.err);
		return rc;
	}
	if (es_buf_addc(&f->line, '\n') != 0)
		return ES_ENOMEM;
	if (fwrite(f->line.p, 1, f->line.len, f->in) != f->line.len)
		return ES_EIO;
	return 0;
}

/* Fold one state into the merge; what names it in a message. */
static int
fold_state(es_fold *f, const es_item *it, int set, const char *what)
{
	const char	*text;
	size_t		 n;
	int		 rc;

	if ((rc = es_item_state(it, &f->out, &text, &n)) != 0) {
		snprintf(f->err, sizeof(f->err), "%s", f->out.err);
		return rc;
	}
	rc = set ? es_merge_set(f->merge, text, n) :
	    es_merge_apply(f->merge, text, n);
	if (rc == ES_EDATA)
		return fail(f, "cannot decode state of %ssequence %.*s position "
		    "%lld: not JSON", what, (int)it->seq_len, it->seq,
		    (long long)it->pos);
	return rc;
}

static int
on_snapshot(void *arg, const es_item *it)
{
	es_fold		*f = arg;
	const char	*text;
	size_t		 n;
	es_json_err	 err;
	int		 rc;

	f->snapshot = 1;
	f->pos = it->pos;
	f->topic.len = 0;
	if (es_buf_add(&f->topic, it->topic, it->topic_len) != 0)
		return ES_ENOMEM;
	if (f->merge != NULL)
		return fold_state(f, it, 1, "snapshot of ");
	if ((rc = feed(f, it)) != 0)
		return rc;
	/* With no later event, the result is the snapshot's state. */
	if ((rc = es_item_state(it, &f->out, &text, &n)) != 0)
		return rc;
	f->state.len = 0;
	if (es_json_canon(&f->state, text, n, &err) != 0 || err.surrogate)
		return fail(f, "cannot decode state of snapshot of sequence "
		    "%.*s position %lld: not JSON", (int)it->seq_len, it->seq,
		    (long long)it->pos);
	return 0;
}

static int
on_event(void *arg, const es_item *it)
{
	es_fold *f = arg;

	if (f->events++ == 0 && !f->snapshot && es_buf_add(&f->topic,
	    it->topic, it->topic_len) != 0)
		return ES_ENOMEM;
	f->pos = it->pos;
	return f->merge != NULL ? fold_state(f, it, 0, "") : feed(f, it);
}

/* Run the reducer on the lines fed; its output, one JSON value, becomes
 * the state. */
static int
run_reducer(es_fold *f)
{
	int	 p[2], status;
	pid_t	 pid;
	ssize_t	 n;
	es_json_err err;

	if (fflush(f->in) != 0 || fseek(f->in, 0, SEEK_SET) != 0 ||
	    pipe(p) != 0)
		return fail(f, "reducer: cannot run: %s", strerror(errno));
	if ((pid = fork()) < 0) {
		close(p[0]), close(p[1]);
		return fail(f, "reducer: cannot run: %s", strerror(errno));
	}
	if (pid == 0) {
		dup2(fileno(f->in), 0);
		dup2(p[1], 1);
		close(p[0]), close(p[1]);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "/bin/sh", "-c", f->o.exec, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	f->tmp.len = 0;
	for (;;) {
		if (es_buf_reserve(&f->tmp, 65536) != 0)
			break;
		n = read(p[0], f->tmp.p + f->tmp.len, f->tmp.cap - f->tmp.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		f->tmp.len += (size_t)n;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		return fail(f, "reducer failed for sequence %.*s (killed by "
		    "signal %d)", (int)f->seq.len, f->seq.p, WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return fail(f, "reducer failed for sequence %.*s (exit status "
		    "%d)", (int)f->seq.len, f->seq.p, WEXITSTATUS(status));
	f->state.len = 0;
	if (es_utf8_check(f->tmp.p, f->tmp.len) != f->tmp.len ||
	    es_json_canon(&f->state, f->tmp.p, f->tmp.len, &err) != 0 ||
	    err.surrogate)
		return fail(f, "reducer printed no valid JSON state for sequence "
		    "%.*s: %s", (int)f->seq.len, f->seq.p, f->tmp.len == 0 ?
		    "no output" : "not one JSON value");
	return 0;
}

static int
finish(es_fold *f, es_item *res)
{
	int rc;

	if (f->merge != NULL) {
		f->state.len = 0;
		rc = es_merge_result(f->merge, &f->state);
	} else
		rc = f->events > 0 ? run_reducer(f) : 0; /* or the snapshot's */
	if (rc != 0)
		return rc;
	memset(res, 0, sizeof(*res));
	res->seq = f->seq.p, res->seq_len = f->seq.len;
	res->pos = f->pos;
	res->topic = f->topic.p, res->topic_len = f->topic.len;
	res->state = f->state.p, res->state_len = f->state.len;
	res->flags = ES_ITEM_STATE_JSON;
	return 0;
}

int
es_fold_run(es_fold *f, es_txn *t, const char *seq, size_t len,
    es_item *res)
{
	es_query	 q;
	int		 rc;

	f->snapshot = 0, f->events = 0, f->err[0] = '\0';
	f->seq.len = f->topic.len = f->state.len = 0;
	if (es_buf_add(&f->seq, seq, len) != 0)
		return ES_ENOMEM;
	if (f->merge != NULL)
		es_merge_reset(f->merge);
	else if (fseek(f->in, 0, SEEK_SET) != 0 ||
	    ftruncate(fileno(f->in), 0) != 0)
		return fail(f, "reducer input: %s", strerror(errno));
	es_query_init(&q);
	q.hi = f->o.hi;
	if (!f->o.no_snapshot) {
		q.snapshots = q.desc = 1;
		q.limit = 1;
		if ((rc = es_read_items(t, seq, len, &q, on_snapshot, f)) != 0)
			return rc;
		es_query_init(&q);
		q.hi = f->o.hi;
		if (f->snapshot)
			es_query_bound(&q, ES_GT, f->pos);
	}
	if ((rc = es_read_items(t, seq, len, &q, on_event, f)) != 0)
		return rc;
	if (!f->snapshot && f->events == 0)
		return ES_ENOTFOUND;
	return finish(f, res);
}
