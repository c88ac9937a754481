/* es-snapshot: store and fetch snapshots; --auto is the cron job. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "input.h"

static const char usage[] =
"Usage: es-snapshot --take [OPTION]... [FILE]...\n"
"       es-snapshot --get [--lt N|--lte N] [OPTION]... SEQUENCE_ID...\n"
"       es-snapshot --auto --every N [--reducer merge|--exec CMD] [OPTION]...\n"
"Store and fetch snapshots: lines {\"sequence_id\",\"position\",\"topic\",\"state\"},\n"
"the position being the version of the last event applied.\n"
"\n"
CLI_HELP_STORE
"      --take             store the snapshots read (several per sequence are kept)\n"
"      --get              print the latest snapshot at or before the bound (exit 1\n"
"                         if none)\n"
"      --lt N, --lte N    the bound for --get\n"
"      --auto             snapshot every sequence whose newest snapshot is N or\n"
"                         more events behind (replaying as es-replay does)\n"
"      --every N          N for --auto\n"
"      --reducer merge    fold event states as RFC 7386 merge patches (default)\n"
"      --exec CMD         fold with CMD (reads the snapshot and events as JSON\n"
"                         Lines on stdin, prints the new state)\n"
"      --verbatim         state is the stored text, as a string (--take, --get)\n"
"      --format FORMAT    item (default) or stored-event\n"
"      --no-sync          do not wait for commits to be durable\n"
CLI_HELP_KEY
CLI_HELP_STD;

/* --auto stores what it takes in groups of this many. */
#define GROUP	256

enum { OPT_AUTO = 256, OPT_EVERY, OPT_EXEC, OPT_FORMAT, OPT_GET, OPT_KEYFILE,
	OPT_LT, OPT_LTE, OPT_NOSYNC, OPT_REDUCER, OPT_TAKE, OPT_VERBATIM };

static const struct option longopts[] = {
	{ "app",	 required_argument, NULL, 'a' },
	{ "auto",	 no_argument,	    NULL, OPT_AUTO },
	{ "every",	 required_argument, NULL, OPT_EVERY },
	{ "exec",	 required_argument, NULL, OPT_EXEC },
	{ "format",	 required_argument, NULL, OPT_FORMAT },
	{ "get",	 no_argument,	    NULL, OPT_GET },
	{ "help",	 no_argument,	    NULL, 'h' },
	{ "key-file",	 required_argument, NULL, OPT_KEYFILE },
	{ "lt",		 required_argument, NULL, OPT_LT },
	{ "lte",	 required_argument, NULL, OPT_LTE },
	{ "no-sync",	 no_argument,	    NULL, OPT_NOSYNC },
	{ "reducer",	 required_argument, NULL, OPT_REDUCER },
	{ "store",	 required_argument, NULL, 's' },
	{ "take",	 no_argument,	    NULL, OPT_TAKE },
	{ "verbatim",	 no_argument,	    NULL, OPT_VERBATIM },
	{ "verbose",	 no_argument,	    NULL, 'v' },
	{ "version",	 no_argument,	    NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct opts {
	const char	*store, *app, *key_file, *lt, *lte, *every, *format;
	const char	*reducer, *exec;
	int		 take, get, autom, verbatim, nosync, verbose;
	char		**args;
	es_query	 q;		/* --get's bound */
	uint64_t	 n;		/* --every */
	char		 bound[64];
	struct es_fold_opts fold;
};

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:hs:vV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'a':	o->app = optarg; break;
		case 'h':	cli_help(usage);
		case 's':	o->store = optarg; break;
		case 'v':	o->verbose = 1; break;
		case 'V':	cli_version();
		case OPT_AUTO:	o->autom = 1; break;
		case OPT_EVERY:	o->every = optarg; break;
		case OPT_EXEC:	o->exec = optarg; break;
		case OPT_FORMAT: o->format = optarg; break;
		case OPT_GET:	o->get = 1; break;
		case OPT_KEYFILE: o->key_file = optarg; break;
		case OPT_LT:	o->lt = optarg; break;
		case OPT_LTE:	o->lte = optarg; break;
		case OPT_NOSYNC: o->nosync = 1; break;
		case OPT_REDUCER: o->reducer = optarg; break;
		case OPT_TAKE:	o->take = 1; break;
		case OPT_VERBATIM: o->verbatim = 1; break;
		default:	cli_bad_option(argv, c);
		}
	}
	o->args = argv + optind;
}

static void
check_opts(struct opts *o)
{
	int	 i;

	if (o->take + o->get + o->autom != 1)
		cli_usage("give exactly one of --take, --get and --auto");
	cli_format(o->format);
	es_query_init(&o->q);
	o->q.snapshots = o->q.desc = 1;
	o->q.limit = 1;
	cli_upper_bounds(&o->q, o->lt, o->lte, o->bound, sizeof(o->bound));
	if (!o->get && (o->lt || o->lte))
		cli_usage("--lt and --lte go with --get");
	if (!o->autom && (o->every || o->reducer || o->exec))
		cli_usage("--every, --reducer and --exec go with --auto");
	if (o->autom) {
		if (o->every == NULL)
			cli_usage("--auto needs --every N");
		o->n = (uint64_t)cli_int("every", o->every, 1, ES_POS_MAX, "N");
		o->fold.exec = cli_reducer(o->reducer, o->exec);
		o->fold.hi = ES_POS_MAX;
		if (o->args[0])
			cli_usage("--auto takes no arguments");
	}
	if (o->get && !o->args[0])
		cli_usage("--get needs a sequence id");
	for (i = 0; o->get && o->args[i]; i++)
		cli_sequence(o->args[i], (char[ES_SEQ_MAX + 1]){ 0 });
}

struct run {
	const struct opts *o;
	es_store	*s;
	es_cipher	*cipher;
	es_out		 out;
	es_buf		 buf;
	int		 found;
};

/* --take: every snapshot read, in one transaction. */
static int
take(struct run *r)
{
	struct input	 in;
	es_parser	*p;
	es_txn		*txn = NULL;
	es_buf		 sealed = { 0 };
	const char	*line;
	size_t		 len, i;
	es_unit		 u;
	int		 rc = 0, ex = 0;

	if (es_parser_new(&p, ES_PARSE_SNAPSHOT | (r->o->verbatim ?
	    ES_PARSE_VERBATIM : 0)) != 0)
		return cli_failed(r->s, ES_ENOMEM, NULL);
	input_init(&in, r->o->args);
	while (ex == 0 && (rc = input_next(&in, &line, &len)) > 0) {
		if ((rc = es_parse_line(p, line, len, in.where, &u)) == 1)
			continue;
		if (rc == 0 && r->cipher)
			rc = es_unit_seal(&u, r->cipher, &sealed);
		if (rc != 0) {
			ex = cli_failed(r->s, rc, rc == ES_EDATA ? es_parser_errmsg(p) :
			    NULL);
			break;
		}
		if (txn == NULL && (rc = es_txn_begin(r->s, 1, &txn)) != 0)
			ex = cli_failed(r->s, rc, NULL);
		for (i = 0; ex == 0 && i < u.n_items; i++) {
			char where[160];

			es_unit_where(&u, i, where, sizeof(where));
			if ((rc = es_put_snapshot(txn, &u.items[i], where, 0)))
				ex = cli_failed(r->s, rc, NULL);
		}
	}
	if (rc < 0 && ex == 0)
		ex = -rc;	/* an input error, reported */
	if (ex != 0)
		es_txn_abort(txn);
	else if (txn != NULL && (rc = es_txn_commit(txn)) != 0)
		ex = cli_failed(r->s, rc, NULL);
	input_close(&in);
	es_parser_free(p);
	es_buf_free(&sealed);
	return ex;
}

static int
print_snapshot(void *arg, const es_item *it)
{
	struct run	*r = arg;
	int		 rc;

	r->buf.len = 0;
	if ((rc = es_fmt_item(&r->buf, it, &r->out)) != 0 ||
	    (rc = es_buf_addc(&r->buf, '\n')) != 0)
		return rc;
	r->found = 1;
	return fwrite(r->buf.p, 1, r->buf.len, stdout) == r->buf.len ? 0 :
	    ES_EIO;
}

/* --get: the latest snapshot at or before the bound of each sequence. */
static int
get(struct run *r)
{
	char	 seq[ES_SEQ_MAX + 1];
	es_txn	*txn;
	size_t	 n;
	int	 i, rc, ex = 0;

	for (i = 0; r->o->args[i]; i++) {
		n = cli_sequence(r->o->args[i], seq);
		if ((rc = es_txn_begin(r->s, 0, &txn)) != 0)
			return cli_failed(r->s, rc, NULL);
		r->found = 0;
		rc = es_read_items(txn, seq, n, &r->o->q, print_snapshot, r);
		es_txn_abort(txn);
		if (rc != 0)
			return cli_failed(r->s, rc, r->out.err);
		if (!r->found) {
			cli_warn("not found: no snapshot of sequence %s%s", seq,
			    r->o->bound);
			ex = EX_NOTFOUND;
		}
	}
	return ex;
}

/* Snapshots taken by --auto, waiting to be stored together. */
struct pending {
	es_buf		 text;		/* ids, topics and states */
	struct taken {
		size_t	 seq, seq_len, topic, topic_len, state, state_len;
		int64_t	 pos;
		unsigned flags;
	}		*v;
	size_t		 n;
};

/* Keep a fold's result (encrypted, with a key) to store later. */
static int
keep(struct run *r, struct pending *pd, const es_item *res)
{
	struct taken	*t;
	int		 rc = 0;

	if ((t = realloc(pd->v, (pd->n + 1) * sizeof(*t))) == NULL)
		return ES_ENOMEM;
	pd->v = t;
	t = &pd->v[pd->n];
	t->pos = res->pos;
	t->flags = r->cipher ? 0 : ES_ITEM_STATE_JSON;
	t->seq = pd->text.len, t->seq_len = res->seq_len;
	rc |= es_buf_add(&pd->text, res->seq, res->seq_len);
	t->topic = pd->text.len, t->topic_len = res->topic_len;
	rc |= es_buf_add(&pd->text, res->topic, res->topic_len);
	t->state = pd->text.len;
	if (r->cipher)
		rc |= es_cipher_encrypt(r->cipher, res->state, res->state_len,
		    &pd->text);
	else
		rc |= es_buf_add(&pd->text, res->state, res->state_len);
	t->state_len = pd->text.len - t->state;
	if (rc != 0)
		return rc < 0 ? rc : ES_ENOMEM;
	pd->n++;
	return 0;
}

/* Store the kept snapshots; one a concurrent run stored first stays. */
static int
store_pending(struct run *r, struct pending *pd, uint64_t *taken)
{
	es_txn	*txn;
	es_item	 it;
	size_t	 i;
	int	 rc = 0;

	if (pd->n == 0)
		return 0;
	if ((rc = es_txn_begin(r->s, 1, &txn)) != 0)
		return rc;
	for (i = 0; i < pd->n && rc >= 0; i++) {
		memset(&it, 0, sizeof(it));
		it.seq = pd->text.p + pd->v[i].seq;
		it.seq_len = pd->v[i].seq_len;
		it.topic = pd->text.p + pd->v[i].topic;
		it.topic_len = pd->v[i].topic_len;
		it.state = pd->text.p + pd->v[i].state;
		it.state_len = pd->v[i].state_len;
		it.pos = pd->v[i].pos;
		it.flags = pd->v[i].flags;
		if ((rc = es_put_snapshot(txn, &it, NULL,
		    ES_SNAP_IF_ABSENT)) == 0)
			++*taken;
	}
	if (rc < 0)
		es_txn_abort(txn);
	else
		rc = es_txn_commit(txn);
	pd->n = 0;
	pd->text.len = 0;
	return rc < 0 ? rc : 0;
}

static int
note_pos(void *arg, const es_item *it)
{
	*(int64_t *)arg = it->pos;
	return 0;
}

/* Is seq N or more events behind its newest snapshot?  Then fold it. */
static int
auto_one(struct run *r, es_fold *f, struct pending *pd, const char *seq,
    size_t n)
{
	es_query	 q;
	es_txn		*txn;
	es_item		 res;
	int64_t		 snap = -1;
	uint64_t	 behind = 0;
	int		 rc;

	if ((rc = es_txn_begin(r->s, 0, &txn)) != 0)
		return rc;
	es_query_init(&q);
	q.snapshots = q.desc = 1;
	q.limit = 1;
	rc = es_read_items(txn, seq, n, &q, note_pos, &snap);
	es_query_init(&q);
	q.limit = r->o->n;
	if (snap >= 0)
		es_query_bound(&q, ES_GT, snap);
	if (rc == 0)
		rc = es_count_items(txn, seq, n, &q, &behind);
	if (rc == 0 && behind >= r->o->n &&
	    (rc = es_fold_run(f, txn, seq, n, &res)) == 0)
		rc = keep(r, pd, &res);
	es_txn_abort(txn);
	return rc;
}

/*
 * --auto: the cron job.  Each sequence is looked at and folded in its own
 * short read transaction; snapshots are stored in groups, kept as they
 * are where a concurrent run was first.
 */
static int
snapshot_auto(struct run *r)
{
	struct pending	 pd = { 0 };
	es_buf		 names = { 0 }, last = { 0 };
	es_fold		*f;
	uint64_t	 taken = 0, checked = 0;
	size_t		 i;
	int		 rc, ex = 0;

	if ((rc = es_fold_new(&f, &r->o->fold)) != 0)
		return cli_failed(r->s, rc, NULL);
	while ((rc = cli_next_names(r->s, &names, &last)) == 0 &&
	    names.len > 0) {
		for (i = 0; i < names.len && rc >= 0;
		    i += strlen(names.p + i) + 1) {
			checked++;
			rc = auto_one(r, f, &pd, names.p + i,
			    strlen(names.p + i));
			if (rc == ES_EDATA) {	/* this sequence only */
				cli_warn("%s: %s", names.p + i,
				    es_fold_errmsg(f));
				ex = ex ? ex : EX_DATAERR;
				rc = 0;
			}
			if (rc >= 0 && pd.n >= GROUP)
				rc = store_pending(r, &pd, &taken);
		}
		if (rc < 0)
			break;
	}
	if (rc >= 0)
		rc = store_pending(r, &pd, &taken);
	if (rc < 0)
		ex = cli_failed(r->s, rc, rc == ES_EDATA ? es_fold_errmsg(f) : NULL);
	else if (r->o->verbose || isatty(2))
		cli_warn("auto: %llu snapshot%s taken, %llu sequence%s checked",
		    (unsigned long long)taken, taken == 1 ? "" : "s",
		    (unsigned long long)checked, checked == 1 ? "" : "s");
	es_fold_free(f);
	es_buf_free(&names);
	es_buf_free(&last);
	es_buf_free(&pd.text);
	free(pd.v);
	return ex;
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	struct run	 r = { 0 };
	int		 rc, ex;

	cli_init("es-snapshot");
	parse_opts(argc, argv, &o);
	check_opts(&o);
	r.o = &o;
	r.cipher = o.fold.cipher = r.out.cipher = cli_cipher(o.key_file);
	r.out.flags = cli_format(o.format) |
	    (o.verbatim ? ES_OUT_VERBATIM : 0);
	o.fold.format = cli_format(o.format);
	if ((rc = es_store_open(&r.s, cli_store_path(o.store), cli_app(o.app),
	    (o.take || o.autom ? ES_OPEN_WRITE : 0) |
	    (o.autom ? ES_OPEN_NOCREATE : 0) |
	    (o.nosync ? ES_OPEN_NOSYNC : 0))) != 0) {
		cli_warn("%s", r.s ? es_errmsg(r.s) : "out of memory");
		es_store_close(r.s);
		return cli_exit_code(rc);
	}
	ex = o.take ? take(&r) : o.get ? get(&r) : snapshot_auto(&r);
	rc = cli_close_stdout();
	es_store_close(r.s);
	es_cipher_free(r.cipher);
	es_buf_free(&r.buf);
	es_buf_free(&r.out.plain);
	return ex ? ex : rc;
}
