/* es-replay: reconstruct the state of sequences from snapshots and events. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
"Usage: es-replay [OPTION]... SEQUENCE_ID...\n"
"       es-replay [OPTION]... --all\n"
"Reconstruct the state of each sequence: start from the latest snapshot at or\n"
"before the bound, apply the later events, print the result as a snapshot line\n"
"{\"sequence_id\",\"position\",\"topic\",\"state\"} (so es-replay X | es-snapshot --take\n"
"works).\n"
"\n"
CLI_HELP_STORE
"      --lte N, --lt N    replay up to this position\n"
"      --no-snapshot      ignore snapshots: replay every event\n"
"      --reducer merge    apply each event's state as an RFC 7386 merge patch\n"
"                         (default)\n"
"      --exec CMD         CMD reads the snapshot and the events as JSON Lines on\n"
"                         stdin and prints the new state\n"
"      --raw              print the snapshot and the later events, unfolded\n"
"      --all              every sequence of the application\n"
"      --topic T          the topic of the result (default: the snapshot's, else\n"
"                         the first event's)\n"
"      --format FORMAT    item (default) or stored-event\n"
CLI_HELP_KEY
CLI_HELP_STD;

enum { OPT_ALL = 256, OPT_EXEC, OPT_FORMAT, OPT_KEYFILE, OPT_LT, OPT_LTE,
	OPT_NOSNAP, OPT_RAW, OPT_REDUCER, OPT_TOPIC };

static const struct option longopts[] = {
	{ "all",	 no_argument,	    NULL, OPT_ALL },
	{ "app",	 required_argument, NULL, 'a' },
	{ "exec",	 required_argument, NULL, OPT_EXEC },
	{ "format",	 required_argument, NULL, OPT_FORMAT },
	{ "help",	 no_argument,	    NULL, 'h' },
	{ "key-file",	 required_argument, NULL, OPT_KEYFILE },
	{ "lt",		 required_argument, NULL, OPT_LT },
	{ "lte",	 required_argument, NULL, OPT_LTE },
	{ "no-snapshot", no_argument,	    NULL, OPT_NOSNAP },
	{ "raw",	 no_argument,	    NULL, OPT_RAW },
	{ "reducer",	 required_argument, NULL, OPT_REDUCER },
	{ "store",	 required_argument, NULL, 's' },
	{ "topic",	 required_argument, NULL, OPT_TOPIC },
	{ "version",	 no_argument,	    NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct opts {
	const char	*store, *app, *key_file, *lt, *lte, *format;
	const char	*reducer, *exec, *topic;
	int		 all, raw, no_snapshot;
	char		**ids;
	struct es_fold_opts fold;
	char		 bound[64];	/* " < N", " <= N" for messages */
};

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:hs:V", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'a':	o->app = optarg; break;
		case 'h':	cli_help(usage);
		case 's':	o->store = optarg; break;
		case 'V':	cli_version();
		case OPT_ALL:	o->all = 1; break;
		case OPT_EXEC:	o->exec = optarg; break;
		case OPT_FORMAT: o->format = optarg; break;
		case OPT_KEYFILE: o->key_file = optarg; break;
		case OPT_LT:	o->lt = optarg; break;
		case OPT_LTE:	o->lte = optarg; break;
		case OPT_NOSNAP: o->no_snapshot = 1; break;
		case OPT_RAW:	o->raw = 1; break;
		case OPT_REDUCER: o->reducer = optarg; break;
		case OPT_TOPIC:	o->topic = optarg; break;
		default:	cli_bad_option(argv, c);
		}
	}
	o->ids = argv + optind;
}

static void
check_opts(struct opts *o)
{
	es_query q;
	int	 i;

	es_query_init(&q);
	cli_upper_bounds(&q, o->lt, o->lte, o->bound, sizeof(o->bound));
	o->fold.hi = q.hi;
	o->fold.exec = cli_reducer(o->reducer, o->exec);
	if (o->raw && (o->exec || o->reducer))
		cli_usage("--raw cannot be combined with a reducer");
	if (o->raw && o->topic)
		cli_usage("--raw cannot be combined with --topic");
	if (o->topic && (*o->topic == '\0' ||
	    es_utf8_check(o->topic, strlen(o->topic)) != strlen(o->topic)))
		cli_usage("--topic: not a topic: '%s'", o->topic);
	if (o->all && o->ids[0])
		cli_usage("--all takes no sequence ids");
	if (!o->all && !o->ids[0])
		cli_usage("no sequence id given");
	for (i = 0; o->ids[i]; i++)
		cli_sequence(o->ids[i], (char[ES_SEQ_MAX + 1]){ 0 });
	o->fold.format = cli_format(o->format);
	o->fold.no_snapshot = o->no_snapshot;
}

struct run {
	const struct opts *o;
	es_store	*s;
	es_fold		*fold;
	es_out		 out;
	es_buf		 buf;
	int		 found;
	int64_t		 last;		/* the position last printed */
};

static int
print_item(void *arg, const es_item *it)
{
	struct run	*r = arg;
	int		 rc;

	r->buf.len = 0;
	if ((rc = es_fmt_item(&r->buf, it, &r->out)) != 0 ||
	    (rc = es_buf_addc(&r->buf, '\n')) != 0)
		return rc;
	r->found = 1;
	r->last = it->pos;
	return fwrite(r->buf.p, 1, r->buf.len, stdout) == r->buf.len ? 0 :
	    ES_EIO;
}

/* --raw: the snapshot used, then the later events, as they are. */
static int
replay_raw(struct run *r, es_txn *txn, const char *seq, size_t n)
{
	es_query q;
	int	 rc;

	es_query_init(&q);
	q.hi = r->o->fold.hi;
	if (!r->o->no_snapshot) {
		q.snapshots = q.desc = 1;
		q.limit = 1;
		if ((rc = es_read_items(txn, seq, n, &q, print_item, r)) != 0)
			return rc;
		es_query_init(&q);
		q.hi = r->o->fold.hi;
		if (r->found)
			es_query_bound(&q, ES_GT, r->last);
	}
	return es_read_items(txn, seq, n, &q, print_item, r);
}

/* Replay one sequence: 0, 1 if there was nothing, or an es error. */
static int
replay(struct run *r, const char *seq, size_t n)
{
	es_txn	*txn;
	es_item	 res;
	int	 rc;

	if ((rc = es_txn_begin(r->s, 0, &txn)) != 0)
		return rc;
	r->found = 0;
	if (r->o->raw)
		rc = replay_raw(r, txn, seq, n);
	else if ((rc = es_fold_run(r->fold, txn, seq, n, &res)) == 0) {
		es_out plain = { 0 };	/* the result is clear JSON */

		plain.flags = r->out.flags;
		if (r->o->topic) {
			res.topic = r->o->topic;
			res.topic_len = strlen(r->o->topic);
		}
		r->buf.len = 0;
		if ((rc = es_fmt_item(&r->buf, &res, &plain)) == 0 &&
		    (rc = es_buf_addc(&r->buf, '\n')) == 0)
			rc = cli_write(r->buf.p, r->buf.len) ? ES_EIO : 0;
		r->found = 1;
	}
	es_txn_abort(txn);
	if (rc == ES_ENOTFOUND || (rc == 0 && !r->found))
		return 1;
	return rc;
}

/* --all: every sequence, a batch of names per short read transaction. */
static int
replay_all(struct run *r)
{
	es_buf	 names = { 0 }, last = { 0 };
	size_t	 i;
	int	 rc;

	while ((rc = cli_next_names(r->s, &names, &last)) == 0 &&
	    names.len > 0) {
		for (i = 0; i < names.len && rc >= 0;
		    i += strlen(names.p + i) + 1)
			if ((rc = replay(r, names.p + i, strlen(names.p + i))) > 0)
				rc = 0;		/* nothing within the bound */
		if (rc < 0)
			break;
	}
	es_buf_free(&names);
	es_buf_free(&last);
	return rc < 0 ? rc : 0;
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	struct run	 r = { 0 };
	char		 seq[ES_SEQ_MAX + 1];
	int		 rc = 0, ex = EX_OK, i;

	cli_init("es-replay");
	parse_opts(argc, argv, &o);
	check_opts(&o);
	r.o = &o;
	o.fold.cipher = r.out.cipher = cli_cipher(o.key_file);
	r.out.flags = o.fold.format;
	if ((rc = es_store_open(&r.s, cli_store_path(o.store), cli_app(o.app),
	    0)) != 0) {
		cli_warn("%s", r.s ? es_errmsg(r.s) : "out of memory");
		es_store_close(r.s);
		return cli_exit_code(rc);
	}
	if ((rc = es_fold_new(&r.fold, &o.fold)) != 0) {
		cli_warn("cannot set up the replay: %s", es_strerror(rc));
		rc = 0;
		ex = EX_SOFTWARE;
		o.all = 1;	/* and nothing to do */
	} else if (o.all)
		rc = replay_all(&r);
	for (i = 0; rc >= 0 && !o.all && o.ids[i]; i++) {
		rc = replay(&r, seq, cli_sequence(o.ids[i], seq));
		if (rc == 1) {
			cli_warn("not found: nothing to replay for sequence %s%s",
			    seq, o.bound);
			ex = EX_NOTFOUND;
			rc = 0;
		}
	}
	if (rc < 0)
		ex = cli_failed(r.s, rc, es_fold_errmsg(r.fold)[0] ?
		    es_fold_errmsg(r.fold) : r.out.err);
	else if ((rc = cli_close_stdout()) != 0)
		ex = rc;
	es_fold_free(r.fold);
	es_store_close(r.s);
	es_cipher_free(r.out.cipher);
	es_buf_free(&r.buf);
	es_buf_free(&r.out.plain);
	return ex;
}
