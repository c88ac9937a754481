/* es-append: write items (JSON Lines) to a store. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "input.h"
#include "seqset.h"

static const char usage[] =
"Usage: es-append [OPTION]... [FILE]...\n"
"Write items (JSON Lines) from the FILEs, or standard input, to the store.\n"
"Each line holds an item, an array of items (one atomic batch), or an envelope\n"
"{\"items\":[...],\"tracking\":{\"application_name\":...,\"pipeline_id\":...,\n"
"\"notification_id\":...}}.  By default all input is one transaction.\n"
"\n"
CLI_HELP_STORE
"  -p, --pipeline N       the pipeline the notifications go to (default 0)\n"
"      --each             every line is its own atomic unit; a unit whose\n"
"                         tracking record is already stored is skipped\n"
"      --ack              after each commit print one line per written item:\n"
"                         {\"sequence_id\":...,\"position\":...,\"notification_id\":...}\n"
"      --expect-last N    conflict unless each sequence written ends at position\n"
"                         N (-1: the sequence must not exist)\n"
"      --timestamp        write to the timestamp-sequenced keyspace\n"
"      --verbatim         state is a string stored byte for byte\n"
"      --format FORMAT    names on output: item (default) or stored-event\n"
"      --no-sync          do not wait for commits to be durable\n"
CLI_HELP_KEY
CLI_HELP_STD;

/* The largest group --each commits at once: units, and bytes of input. */
#define GROUP_UNITS	65536
#define GROUP_BYTES	(64u << 20)

struct opts {
	const char	*store, *app, *key_file;
	uint32_t	 pipeline;
	int		 each, ack, timestamp, verbatim, nosync;
	unsigned	 format;	/* ES_OUT_* for acks */
	int		 expect;	/* --expect-last given */
	int64_t		 expect_last;
	char		**files;
};

enum { OPT_ACK = 256, OPT_EACH, OPT_EXPECT, OPT_FORMAT, OPT_KEYFILE,
	OPT_NOSYNC, OPT_TIMESTAMP, OPT_VERBATIM };

static const struct option longopts[] = {
	{ "ack",	 no_argument,	    NULL, OPT_ACK },
	{ "app",	 required_argument, NULL, 'a' },
	{ "each",	 no_argument,	    NULL, OPT_EACH },
	{ "expect-last", required_argument, NULL, OPT_EXPECT },
	{ "format",	 required_argument, NULL, OPT_FORMAT },
	{ "help",	 no_argument,	    NULL, 'h' },
	{ "key-file",	 required_argument, NULL, OPT_KEYFILE },
	{ "no-sync",	 no_argument,	    NULL, OPT_NOSYNC },
	{ "pipeline",	 required_argument, NULL, 'p' },
	{ "store",	 required_argument, NULL, 's' },
	{ "timestamp",	 no_argument,	    NULL, OPT_TIMESTAMP },
	{ "verbatim",	 no_argument,	    NULL, OPT_VERBATIM },
	{ "version",	 no_argument,	    NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	const char	*expect = NULL, *format = NULL;
	int		 c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:hp:s:V", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'a':	o->app = optarg; break;
		case 'h':	cli_help(usage);
		case 'p':	o->pipeline = (uint32_t)cli_int("pipeline",
				    optarg, 0, ES_PIPELINE_MAX, "pipeline");
				break;
		case 's':	o->store = optarg; break;
		case 'V':	cli_version();
		case OPT_ACK:	o->ack = 1; break;
		case OPT_EACH:	o->each = 1; break;
		case OPT_EXPECT: expect = optarg; break;
		case OPT_FORMAT: format = optarg; break;
		case OPT_KEYFILE: o->key_file = optarg; break;
		case OPT_NOSYNC: o->nosync = 1; break;
		case OPT_TIMESTAMP: o->timestamp = 1; break;
		case OPT_VERBATIM: o->verbatim = 1; break;
		default:	cli_bad_option(argv, c);
		}
	}
	o->format = cli_format(format) |
	    (o->timestamp ? ES_OUT_TIMESTAMP : 0);
	if (expect != NULL) {
		o->expect = 1;
		if (strcmp(expect, "-1") == 0)
			o->expect_last = -1;
		else if ((o->expect_last = cli_position("expect-last", expect,
		    o->timestamp)) < 0)
			cli_usage("--expect-last: position must be from 0 to "
			    "%lld, or -1", (long long)ES_POS_MAX);
	}
	o->store = cli_store_path(o->store);
	o->app = cli_app(o->app);
	o->files = argv + optind;
}

/* Append the ack lines of a written unit to buf. */
static int
add_acks(es_buf *buf, const es_unit *u, unsigned format)
{
	size_t i;

	for (i = 0; i < u->n_items; i++)
		if (es_fmt_ack(buf, &u->items[i], format) != 0 ||
		    es_buf_addc(buf, '\n') != 0)
			return ES_ENOMEM;
	return 0;
}

/* Report a failed write of a unit; return its exit code. */
static int
report(es_store *s, int rc)
{
	if (rc == ES_ECONFLICT)
		cli_warn("conflict: %s", es_errmsg(s));
	else if (rc == ES_ETRACKED)
		cli_warn("skipped: %s: processed before", es_errmsg(s));
	else if (rc == ES_ENOMEM)
		cli_warn("out of memory");
	else
		cli_warn("%s", es_errmsg(s));
	return rc == ES_ETRACKED ? EX_OK : cli_exit_code(rc);
}

/* Mark the items whose sequence --expect-last must check. */
static void
mark_expect(const struct opts *o, es_unit *u, struct seqset *seen)
{
	size_t i;

	if (!o->expect)
		return;
	for (i = 0; i < u->n_items; i++) {
		es_item *it = &u->items[i];

		if (seen != NULL && seqset_add(seen, it->seq, it->seq_len) == 0)
			continue;	/* checked earlier in this transaction */
		it->flags |= ES_ITEM_EXPECT;
		it->expect_last = o->expect_last;
	}
}

struct run {
	const struct opts *o;
	es_store	*store;
	es_parser	*parser;
	es_cipher	*cipher;	/* encrypt states, if given a key */
	es_buf		 sealed;	/* the encrypted states of a unit */
	struct input	 in;
	unsigned	 wflags;
};

/* Parse a line into a unit, encrypting its states with a key: 0, 1 for
 * a blank line, or an exit code after a message. */
static int
parse(struct run *r, const char *line, size_t len, es_unit *u)
{
	int rc;

	rc = es_parse_line(r->parser, line, len, r->in.where, u);
	if (rc == 0 && r->cipher != NULL)
		rc = es_unit_seal(u, r->cipher, &r->sealed);
	if (rc == 0 || rc == 1)
		return rc;
	cli_warn("%s", rc == ES_EDATA ? es_parser_errmsg(r->parser) :
	    rc == ES_ENOMEM ? "out of memory" : es_strerror(rc));
	return cli_exit_code(rc);
}

/* Copy the spooled acks to stdout. */
static int
print_spool(FILE *spool)
{
	char	 buf[1 << 16];
	size_t	 n;
	int	 rc;

	rewind(spool);
	while ((n = fread(buf, 1, sizeof(buf), spool)) > 0)
		if ((rc = cli_write(buf, n)) != 0)
			return rc;
	return ferror(spool) ? EX_IOERR : 0;
}

/* The default: all input in one transaction, all or nothing. */
static int
append_all(struct run *r)
{
	struct seqset	 seen = { 0 };
	es_txn		*txn = NULL;
	es_buf		 acks = { 0 };
	FILE		*spool = NULL;
	const char	*line;
	size_t		 len;
	es_unit		 u;
	int		 rc = 0, ex = EX_OK;

	if (r->o->ack && (spool = tmpfile()) == NULL) {
		cli_warn("cannot make a temporary file: %s", strerror(errno));
		return EX_IOERR;
	}
	while (ex == EX_OK && (rc = input_next(&r->in, &line, &len)) != 0) {
		if (rc < 0) {
			ex = -rc;
			break;
		}
		if ((rc = parse(r, line, len, &u)) == 1)
			continue;
		if (rc != 0) {
			ex = rc;
			break;
		}
		mark_expect(r->o, &u, &seen);
		if (txn == NULL && (rc = es_txn_begin(r->store, 1, &txn)) != 0)
			ex = report(r->store, rc);
		else if ((rc = es_write_unit(txn, &u, r->o->pipeline,
		    r->wflags)) != 0)
			ex = report(r->store, rc);
		else if (spool != NULL) {
			acks.len = 0;
			if (add_acks(&acks, &u, r->o->format) != 0)
				ex = report(r->store, ES_ENOMEM);
			else if (fwrite(acks.p, 1, acks.len, spool) != acks.len) {
				cli_warn("cannot keep the acks in a temporary "
				    "file: %s", strerror(errno));
				ex = EX_IOERR;
			}
		}
	}
	if (ex != EX_OK)
		es_txn_abort(txn);
	else if (txn != NULL && (rc = es_txn_commit(txn)) != 0)
		ex = report(r->store, rc);
	else if (spool != NULL)
		ex = print_spool(spool);
	if (spool != NULL)
		fclose(spool);
	es_buf_free(&acks);
	seqset_free(&seen);
	return ex;
}

/* Commit a group of --each units and print their acks. */
static int
commit_group(struct run *r, es_txn **txn, es_buf *acks)
{
	int rc;

	if (*txn == NULL)
		return 0;
	rc = es_txn_commit(*txn);
	*txn = NULL;
	if (rc != 0)
		return report(r->store, rc);
	if ((rc = cli_write(acks->p, acks->len)) != 0)
		return rc;
	acks->len = 0;
	if (fflush(stdout) != 0) {
		cli_warn("write error: %s", strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

/*
 * --each: every line its own unit; units that arrive together share one
 * commit.  A bad or conflicting unit is reported and skipped.
 */
static int
append_each(struct run *r)
{
	es_txn		*txn = NULL;
	es_buf		 acks = { 0 };
	const char	*line;
	size_t		 len, units = 0, bytes = 0;
	es_unit		 u;
	int		 rc, ex = 0, bad = 0, conflicted = 0;

	while (ex == 0 && (rc = input_next(&r->in, &line, &len)) != 0) {
		if (rc < 0) {		/* keep the units read before */
			ex = commit_group(r, &txn, &acks);
			ex = ex ? ex : -rc;
			break;
		}
		if ((rc = parse(r, line, len, &u)) == 1)
			goto next;
		if (rc == EX_DATAERR) {
			bad = 1;
			goto next;
		}
		if (rc != 0) {
			ex = rc;
			break;
		}
		mark_expect(r->o, &u, NULL);
		if (txn == NULL && (rc = es_txn_begin(r->store, 1, &txn)) != 0) {
			ex = report(r->store, rc);
			break;
		}
		rc = es_write_unit(txn, &u, r->o->pipeline,
		    r->wflags | ES_WRITE_SKIP_TRACKED);
		if (rc == ES_ECONFLICT || rc == ES_ETRACKED || rc == ES_EDATA) {
			report(r->store, rc);
			conflicted |= rc == ES_ECONFLICT;
			bad |= rc == ES_EDATA;
		} else if (rc != 0)
			ex = report(r->store, rc);
		else if (r->o->ack && add_acks(&acks, &u, r->o->format) != 0)
			ex = report(r->store, ES_ENOMEM);
		units++;
		bytes += len;
next:
		if (ex == 0 && (units >= GROUP_UNITS || bytes >= GROUP_BYTES ||
		    !input_ready(&r->in))) {
			ex = commit_group(r, &txn, &acks);
			units = bytes = 0;
		}
	}
	if (ex == 0)
		ex = commit_group(r, &txn, &acks);
	else
		es_txn_abort(txn);
	es_buf_free(&acks);
	if (ex != 0)
		return ex;
	return bad ? EX_DATAERR : conflicted ? EX_CONFLICT : EX_OK;
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	struct run	 r;
	unsigned	 pflags;
	int		 rc, ex;

	cli_init("es-append");
	parse_opts(argc, argv, &o);
	memset(&r, 0, sizeof(r));
	r.cipher = cli_cipher(o.key_file);
	r.o = &o;
	r.wflags = o.timestamp ? ES_WRITE_TIMESTAMP : 0;
	pflags = (o.verbatim ? ES_PARSE_VERBATIM : 0) |
	    (o.timestamp ? ES_PARSE_TIMESTAMP : 0);
	if ((rc = es_store_open(&r.store, o.store, o.app, ES_OPEN_WRITE |
	    (o.nosync ? ES_OPEN_NOSYNC : 0))) != 0) {
		cli_warn("%s", r.store ? es_errmsg(r.store) : "out of memory");
		es_store_close(r.store);
		return cli_exit_code(rc);
	}
	if (es_parser_new(&r.parser, pflags) != 0) {
		cli_warn("out of memory");
		return EX_SOFTWARE;
	}
	input_init(&r.in, o.files);
	ex = o.each ? append_each(&r) : append_all(&r);
	input_close(&r.in);
	es_parser_free(r.parser);
	es_store_close(r.store);
	es_cipher_free(r.cipher);
	es_buf_free(&r.sealed);
	rc = cli_close_stdout();
	return ex != EX_OK ? ex : rc;
}
