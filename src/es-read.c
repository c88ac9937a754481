/* es-read: print the items of sequences, with the seed's range rules. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
"Usage: es-read [OPTION]... SEQUENCE_ID...\n"
"       es-read [OPTION]... --sequences\n"
"Print the items of each sequence (JSON Lines), in ascending position order.\n"
"\n"
CLI_HELP_STORE
"      --gt N, --gte N, --lt N, --lte N\n"
"                         bounds on the position (combine freely)\n"
"      --limit N          at most N items (N >= 1), the first ones\n"
"      --last N           the last N items, in ascending order\n"
"      --desc             descending order\n"
"      --at N             the single item at position N (exit 1 if absent)\n"
"      --latest           the most recent item, within --lt/--lte (exit 1 if none)\n"
"      --sequences        every sequence id, one per line, as plain text\n"
"      --with-notification  add \"pipeline_id\" and \"notification_id\"\n"
"      --timestamp        read the timestamp-sequenced keyspace\n"
"      --verbatim         print the stored state text as a string, as stored\n"
"      --format FORMAT    item (default) or stored-event\n"
CLI_HELP_KEY
CLI_HELP_STD;

enum { OPT_AT = 256, OPT_DESC, OPT_FORMAT, OPT_GT, OPT_GTE, OPT_KEYFILE, OPT_LAST,
	OPT_LATEST, OPT_LIMIT, OPT_LT, OPT_LTE, OPT_SEQUENCES, OPT_TIMESTAMP,
	OPT_VERBATIM, OPT_WITHNOTE };

static const struct option longopts[] = {
	{ "app",	 required_argument, NULL, 'a' },
	{ "at",		 required_argument, NULL, OPT_AT },
	{ "desc",	 no_argument,	    NULL, OPT_DESC },
	{ "format",	 required_argument, NULL, OPT_FORMAT },
	{ "gt",		 required_argument, NULL, OPT_GT },
	{ "gte",	 required_argument, NULL, OPT_GTE },
	{ "help",	 no_argument,	    NULL, 'h' },
	{ "key-file",	 required_argument, NULL, OPT_KEYFILE },
	{ "last",	 required_argument, NULL, OPT_LAST },
	{ "latest",	 no_argument,	    NULL, OPT_LATEST },
	{ "limit",	 required_argument, NULL, OPT_LIMIT },
	{ "lt",		 required_argument, NULL, OPT_LT },
	{ "lte",	 required_argument, NULL, OPT_LTE },
	{ "sequences",	 no_argument,	    NULL, OPT_SEQUENCES },
	{ "store",	 required_argument, NULL, 's' },
	{ "timestamp",	 no_argument,	    NULL, OPT_TIMESTAMP },
	{ "verbatim",	 no_argument,	    NULL, OPT_VERBATIM },
	{ "version",	 no_argument,	    NULL, 'V' },
	{ "with-notification", no_argument, NULL, OPT_WITHNOTE },
	{ NULL, 0, NULL, 0 }
};

struct opts {
	const char	*store, *app, *key_file;
	const char	*bound[4];	/* --gt, --gte, --lt, --lte */
	const char	*at, *limit, *last, *format;
	int		 desc, latest, sequences, timestamp, verbatim, withnote;
	unsigned	 out;		/* ES_OUT_* */
	es_query	 q;
	int64_t		 at_pos;
	char		**ids;
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
		case OPT_KEYFILE: o->key_file = optarg; break;
		case 'h':	cli_help(usage);
		case 's':	o->store = optarg; break;
		case 'V':	cli_version();
		case OPT_AT:	o->at = optarg; break;
		case OPT_DESC:	o->desc = 1; break;
		case OPT_FORMAT: o->format = optarg; break;
		case OPT_GT:	o->bound[ES_GT] = optarg; break;
		case OPT_GTE:	o->bound[ES_GTE] = optarg; break;
		case OPT_LT:	o->bound[ES_LT] = optarg; break;
		case OPT_LTE:	o->bound[ES_LTE] = optarg; break;
		case OPT_LAST:	o->last = optarg; break;
		case OPT_LATEST: o->latest = 1; break;
		case OPT_LIMIT:	o->limit = optarg; break;
		case OPT_SEQUENCES: o->sequences = 1; break;
		case OPT_TIMESTAMP: o->timestamp = 1; break;
		case OPT_VERBATIM: o->verbatim = 1; break;
		case OPT_WITHNOTE: o->withnote = 1; break;
		default:	cli_bad_option(argv, c);
		}
	}
	o->ids = argv + optind;
}

/* Check the option combinations and settle the query. */
static void
check_opts(struct opts *o)
{
	const char *names[4] = { "gt", "gte", "lt", "lte" };
	int	 i, ranged = 0, modes;

	o->out = cli_format(o->format) | (o->timestamp ? ES_OUT_TIMESTAMP : 0) |
	    (o->verbatim ? ES_OUT_VERBATIM : 0) |
	    (o->withnote ? ES_OUT_NOTIFICATION : 0);
	es_query_init(&o->q);
	o->q.timestamp = o->timestamp;
	for (i = 0; i < 4; i++)
		if (o->bound[i] != NULL) {
			ranged = 1;
			es_query_bound(&o->q, (enum es_bound)i,
			    cli_position(names[i], o->bound[i], o->timestamp));
		}
	if (o->limit)
		o->q.limit = (uint64_t)cli_int("limit", o->limit, 1,
		    ES_POS_MAX, "limit");
	if (o->last)
		o->q.limit = (uint64_t)cli_int("last", o->last, 1, ES_POS_MAX,
		    "count");
	if (o->at)
		o->at_pos = cli_position("at", o->at, o->timestamp);
	modes = (o->sequences != 0) + (o->at != NULL) + (o->latest != 0);
	if (modes > 1)
		cli_usage("--%s and --%s cannot be combined", o->sequences ?
		    "sequences" : "at", o->latest ? "latest" : "at");
	if (o->limit && o->last)
		cli_usage("--limit and --last cannot be combined");
	if (o->withnote && o->timestamp)
		cli_usage("--with-notification: timestamp-sequenced items have "
		    "no notification ids");
	if (o->sequences) {
		if (o->ids[0] || ranged || o->limit || o->last || o->desc)
			cli_usage("--sequences takes no sequence ids or range "
			    "options");
	} else if (o->ids[0] == NULL)
		cli_usage("no sequence id given");
	if (o->at && (ranged || o->limit || o->last || o->desc))
		cli_usage("--at cannot be combined with range, limit or order "
		    "options");
	if (o->latest && (o->limit || o->last || o->desc))
		cli_usage("--latest cannot be combined with --limit, --last or "
		    "--desc");
	o->q.desc = o->desc;
	o->q.last = o->last != NULL && !o->desc;	/* --desc --last: newest first */
	if (o->latest) {
		o->q.desc = 1;
		o->q.limit = 1;
	}
	if (o->at) {
		es_query_init(&o->q);
		o->q.timestamp = o->timestamp;
		o->q.lo = o->q.hi = o->at_pos;
	}
}

struct printer {
	es_out		 out;
	es_buf		 buf;
	uint64_t	 n;		/* items printed */
};

/* Write out the lines gathered (they go out in 64 KiB pieces). */
static int
flush_lines(struct printer *p)
{
	size_t n = p->buf.len;

	p->buf.len = 0;
	return n == 0 || fwrite(p->buf.p, 1, n, stdout) == n ? 0 : ES_EIO;
}

static int
print_item(void *arg, const es_item *it)
{
	struct printer	*p = arg;
	size_t		 mark = p->buf.len;
	int		 rc;

	if ((rc = es_fmt_item(&p->buf, it, &p->out)) != 0 ||
	    (rc = es_buf_addc(&p->buf, '\n')) != 0) {
		p->buf.len = mark;	/* the lines before it still go out */
		return rc;
	}
	p->n++;
	return p->buf.len >= 65536 ? flush_lines(p) : 0;
}

static int
print_name(void *arg, const char *name, size_t len)
{
	(void)arg;
	if (fwrite(name, 1, len, stdout) != len || putchar('\n') == EOF)
		return ES_EIO;
	return 0;
}

/* Print one sequence; 1 if a point lookup found nothing. */
static int
read_one(es_store *s, const struct opts *o, struct printer *p,
    const char *arg)
{
	char	 seq[ES_SEQ_MAX + 1];
	size_t	 n = cli_sequence(arg, seq);
	es_txn	*txn;
	int	 rc;

	if ((rc = es_txn_begin(s, 0, &txn)) != 0)
		return -cli_failed(s, rc, p->out.err);
	p->n = 0;
	rc = es_read_items(txn, seq, n, &o->q, print_item, p);
	es_txn_abort(txn);
	if (flush_lines(p) != 0 && rc == 0)
		rc = ES_EIO;
	if (rc != 0)
		return -cli_failed(s, rc, p->out.err);
	if (p->n > 0 || !(o->at || o->latest))
		return 0;
	if (o->at) {
		es_buf pos = { 0 };

		if (o->timestamp)
			es_buf_add_us(&pos, o->at_pos);
		else
			es_buf_add_i64(&pos, o->at_pos);
		cli_warn("not found: sequence %s position %.*s", seq,
		    (int)pos.len, pos.p);
		es_buf_free(&pos);
	} else
		cli_warn("not found: no item in sequence %s", seq);
	return 1;
}

static int
list_sequences(es_store *s, const struct opts *o, struct printer *p)
{
	es_txn	*txn;
	int	 rc;

	if ((rc = es_txn_begin(s, 0, &txn)) != 0)
		return cli_failed(s, rc, p->out.err);
	rc = es_read_sequences(txn, o->timestamp, NULL, 0, print_name, NULL);
	es_txn_abort(txn);
	return rc ? cli_failed(s, rc, p->out.err) : EX_OK;
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	struct printer	 p = { 0 };
	es_store	*s;
	int		 rc, ex = EX_OK, i;

	cli_init("es-read");
	parse_opts(argc, argv, &o);
	check_opts(&o);
	for (i = 0; o.ids[i]; i++)
		cli_sequence(o.ids[i], (char[ES_SEQ_MAX + 1]){ 0 });
	p.out.flags = o.out;
	p.out.cipher = cli_cipher(o.key_file);
	if ((rc = es_store_open(&s, cli_store_path(o.store), cli_app(o.app),
	    0)) != 0) {
		cli_warn("%s", s ? es_errmsg(s) : "out of memory");
		es_store_close(s);
		return cli_exit_code(rc);
	}
	if (o.sequences)
		ex = list_sequences(s, &o, &p);
	for (i = 0; !o.sequences && o.ids[i] && ex >= 0; i++) {
		if ((rc = read_one(s, &o, &p, o.ids[i])) < 0)
			ex = rc;
		else if (rc > 0)
			ex = EX_NOTFOUND;
	}
	es_store_close(s);
	es_buf_free(&p.buf);
	es_buf_free(&p.out.plain);
	es_cipher_free(p.out.cipher);
	if (ex < 0)
		return -ex;
	rc = cli_close_stdout();
	return ex != EX_OK ? ex : rc;
}
