/* es-notify: print, follow and section the notification log of a pipeline. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
"Usage: es-notify [OPTION]...\n"
"Print the notifications of one pipeline in id order: each an item plus\n"
"\"application_name\", \"pipeline_id\" and \"notification_id\".\n"
"\n"
CLI_HELP_STORE
"  -p, --pipeline N       the pipeline (default 0)\n"
"      --start N          zero-based start: ids N+1 ... (the seed's get_notifications)\n"
"      --stop N           zero-based half-open stop: ids ... N\n"
"      --after ID         the notifications after id ID (= --start ID)\n"
"      --limit N          at most N notifications\n"
"      --follow           after the end, wait for and print new notifications\n"
"      --last-id          print the highest notification id (0 if none)\n"
"      --tracked UPSTREAM print the highest notification id of UPSTREAM in this\n"
"                         application's tracking records (0 if none)\n"
"      --section ID       print one section of the notification log (\"current\",\n"
"                         or \"FIRST,LAST\") as one JSON document\n"
"      --section-size N   the section size (default 20)\n"
"      --verbatim         print the stored state text as a string, as stored\n"
"      --format FORMAT    item (default) or stored-event\n"
CLI_HELP_KEY
CLI_HELP_STD;

#define CHUNK		1000	/* notifications per read transaction */
#define SECTION_SIZE	20	/* the seed's DEFAULT_SECTION_SIZE */
#define SAFETY_MS	500	/* look even without a sign of a commit */

enum { OPT_AFTER = 256, OPT_FOLLOW, OPT_FORMAT, OPT_KEYFILE, OPT_LASTID, OPT_LIMIT,
	OPT_SECTION, OPT_SECTIONSIZE, OPT_START, OPT_STOP, OPT_TRACKED,
	OPT_VERBATIM };

static const struct option longopts[] = {
	{ "after",	  required_argument, NULL, OPT_AFTER },
	{ "app",	  required_argument, NULL, 'a' },
	{ "follow",	  no_argument,	     NULL, OPT_FOLLOW },
	{ "format",	  required_argument, NULL, OPT_FORMAT },
	{ "help",	  no_argument,	     NULL, 'h' },
	{ "key-file",	  required_argument, NULL, OPT_KEYFILE },
	{ "last-id",	  no_argument,	     NULL, OPT_LASTID },
	{ "limit",	  required_argument, NULL, OPT_LIMIT },
	{ "pipeline",	  required_argument, NULL, 'p' },
	{ "section",	  required_argument, NULL, OPT_SECTION },
	{ "section-size", required_argument, NULL, OPT_SECTIONSIZE },
	{ "start",	  required_argument, NULL, OPT_START },
	{ "stop",	  required_argument, NULL, OPT_STOP },
	{ "store",	  required_argument, NULL, 's' },
	{ "tracked",	  required_argument, NULL, OPT_TRACKED },
	{ "verbatim",	  no_argument,	     NULL, OPT_VERBATIM },
	{ "version",	  no_argument,	     NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

enum mode { M_LIST, M_FOLLOW, M_LASTID, M_TRACKED, M_SECTION };

struct opts {
	const char	*store, *app, *key_file, *tracked, *section;
	const char	*start, *after, *stop, *limit, *size, *format;
	enum mode	 mode;
	uint32_t	 pipeline;
	int		 verbatim;
	uint64_t	 from, upto, max;	/* ids from+1 ... upto; max: limit */
	int		 current;		/* --section current */
	int64_t		 first;			/* of --section A,B */
	int64_t		 section_size;
};

static volatile sig_atomic_t stopped;

static void
on_signal(int sig)
{
	stopped = sig;
}

/* Set the mode; two modes are a usage error. */
static void
set_mode(struct opts *o, enum mode m, const char *name)
{
	static const char *given;

	if (given != NULL)
		cli_usage("--%s and --%s cannot be combined", given, name);
	given = name;
	o->mode = m;
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:hp:s:V", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'a':	o->app = optarg; break;
		case OPT_KEYFILE: o->key_file = optarg; break;
		case 'h':	cli_help(usage);
		case 'p':	o->pipeline = (uint32_t)cli_int("pipeline",
				    optarg, 0, ES_PIPELINE_MAX, "pipeline");
				break;
		case 's':	o->store = optarg; break;
		case 'V':	cli_version();
		case OPT_AFTER:	o->after = optarg; break;
		case OPT_FOLLOW: set_mode(o, M_FOLLOW, "follow"); break;
		case OPT_FORMAT: o->format = optarg; break;
		case OPT_LASTID: set_mode(o, M_LASTID, "last-id"); break;
		case OPT_LIMIT:	o->limit = optarg; break;
		case OPT_SECTION: o->section = optarg;
				set_mode(o, M_SECTION, "section"); break;
		case OPT_SECTIONSIZE: o->size = optarg; break;
		case OPT_START:	o->start = optarg; break;
		case OPT_STOP:	o->stop = optarg; break;
		case OPT_TRACKED: o->tracked = optarg;
				set_mode(o, M_TRACKED, "tracked"); break;
		case OPT_VERBATIM: o->verbatim = 1; break;
		default:	cli_bad_option(argv, c);
		}
	}
	if (optind < argc)
		cli_usage("unexpected argument '%s'", argv[optind]);
}

/* "current", or "FIRST,LAST" (only FIRST matters, as in the seed). */
static int64_t
section_first(const char *id)
{
	const char	*comma = strchr(id, ',');
	char		 buf[32];
	size_t		 a, b;

	if (comma == NULL || strchr(comma + 1, ',') != NULL ||
	    (size_t)(comma - id) >= sizeof(buf))
		cli_usage("--section: not a section id: '%s' (current, or "
		    "FIRST,LAST)", id);
	memcpy(buf, id, (size_t)(comma - id));
	buf[comma - id] = '\0';
	a = strspn(buf, " \t\n\r\f\v");
	b = strlen(buf);
	while (b > a && strchr(" \t\n\r\f\v", buf[b - 1]))
		buf[--b] = '\0';
	if (buf[a] == '+')
		a++;
	if (buf[a] == '\0' || strspn(buf + a + (buf[a] == '-'),
	    "0123456789") != strlen(buf + a + (buf[a] == '-')))
		cli_usage("--section: not a section id: '%s' (current, or "
		    "FIRST,LAST)", id);
	return cli_int("section", buf + a, INT64_MIN / 4, INT64_MAX / 4,
	    "section id");
}

static void
check_opts(struct opts *o)
{
	if (o->start && o->after)
		cli_usage("--start and --after cannot be combined");
	if (o->start)
		o->from = (uint64_t)cli_int("start", o->start, 0, ES_POS_MAX,
		    "start");
	if (o->after)
		o->from = (uint64_t)cli_int("after", o->after, 0, ES_POS_MAX,
		    "notification id");
	o->upto = o->stop ? (uint64_t)cli_int("stop", o->stop, 0,
	    ES_POS_MAX, "stop") : UINT64_MAX;
	if (o->limit)
		o->max = (uint64_t)cli_int("limit", o->limit, 1, ES_POS_MAX,
		    "limit");
	o->section_size = o->size ? cli_int("section-size", o->size, 1,
	    INT32_MAX, "section size") : SECTION_SIZE;
	if (o->tracked && *o->tracked == '\0')
		cli_usage("--tracked: empty application name");
	if (o->section && strcmp(o->section, "current") == 0)
		o->current = 1;
	else if (o->section)
		o->first = section_first(o->section);
	cli_format(o->format);
}

struct printer {
	es_out		 out;
	es_buf		 buf;
	uint64_t	 n, last;	/* printed, and the last id printed */
	const char	*sep;		/* between items, in a section */
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

	if (p->sep && p->n > 0 && es_buf_adds(&p->buf, p->sep) != 0)
		return ES_ENOMEM;
	if ((rc = es_fmt_item(&p->buf, it, &p->out)) != 0 ||
	    (!p->sep && (rc = es_buf_addc(&p->buf, '\n')) != 0)) {
		p->buf.len = mark;	/* the lines before it still go out */
		return rc;
	}
	p->n++;
	p->last = it->nid;
	return p->buf.len >= 65536 ? flush_lines(p) : 0;
}

/* Print ids after ... upto (at most max), in short read transactions. */
static int
scan(es_store *s, struct printer *p, uint64_t after, uint64_t upto,
    uint64_t max, uint32_t pipeline, uint64_t *got)
{
	es_txn		*txn;
	uint64_t	 want;
	int		 rc;

	p->last = after;
	*got = 0;
	for (;;) {
		want = max && max - *got < CHUNK ? max - *got : CHUNK;
		if ((rc = es_txn_begin(s, 0, &txn)) != 0)
			return rc;
		p->n = 0;
		rc = es_read_log(txn, pipeline, p->last, upto, want,
		    print_item, p);
		es_txn_abort(txn);
		if (flush_lines(p) != 0 && rc == 0)
			rc = ES_EIO;
		*got += p->n;
		if (rc != 0 || p->n < want || (max && *got >= max) ||
		    stopped)
			return rc;
	}
}

/* --follow: print, then wait for commits and print what they add. */
static int
follow(es_store *s, struct printer *p, const struct opts *o)
{
	uint64_t	 after = o->from, got, total = 0;
	int		 rc;

	for (;;) {
		rc = scan(s, p, after, o->upto, o->max ? o->max - total : 0,
		    o->pipeline, &got);
		if (rc != 0)
			return rc;
		after = p->last;
		total += got;
		if (fflush(stdout) != 0)
			return ES_EIO;
		if ((o->max && total >= o->max) || after >= o->upto)
			return 0;
		do {
			if (stopped)
				return 0;
			rc = es_store_wait(s, SAFETY_MS, STDOUT_FILENO);
		} while (rc == 0 && stopped);
		if (rc != 0)
			return rc < 0 ? rc : 0;	/* 1: the reader left */
	}
}

static int64_t
floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void
print_link(const char *name, int64_t a, int64_t b, int present)
{
	if (present)
		printf(",\"%s\":\"%lld,%lld\"", name, (long long)a,
		    (long long)b);
	else
		printf(",\"%s\":null", name);
}

/* --section: one section of the log in the seed's NotificationLogView. */
static int
section(es_store *s, struct printer *p, const struct opts *o)
{
	int64_t		 size = o->section_size, start;
	uint64_t	 last, got = 0;
	es_txn		*txn;
	int		 rc;

	if (o->current) {
		if ((rc = es_txn_begin(s, 0, &txn)) != 0)
			return rc;
		rc = es_last_id(txn, o->pipeline, &last);
		es_txn_abort(txn);
		if (rc != 0)
			return rc;
		start = (int64_t)(last / (uint64_t)size) * size;
	} else
		start = floordiv(o->first - 1, size) * size;
	fputs("{\"items\":[", stdout);
	p->sep = ",";
	if (start + size > 0 && (rc = scan(s, p, start < 0 ? 0 :
	    (uint64_t)start, (uint64_t)(start + size), 0, o->pipeline,
	    &got)) != 0)
		return rc;
	fputs("]", stdout);
	print_link("next_id", start + 1 + size, start + 2 * size,
	    got == (uint64_t)size);
	print_link("previous_id", start + 1 - size, start, start != 0);
	printf(",\"section_id\":\"%lld,%lld\"}\n", (long long)(start + 1),
	    (long long)(start + size));
	return 0;
}

/* --last-id and --tracked: one number; 0 for a store not made yet. */
static int
print_id(es_store *s, const struct opts *o)
{
	es_txn	*txn;
	uint64_t id = 0;
	int	 rc;

	if (s != NULL) {
		if ((rc = es_txn_begin(s, 0, &txn)) != 0)
			return rc;
		if (o->mode == M_LASTID)
			rc = es_last_id(txn, o->pipeline, &id);
		else
			rc = es_tracked(txn, o->tracked, strlen(o->tracked),
			    o->pipeline, &id);
		es_txn_abort(txn);
		if (rc != 0)
			return rc;
	}
	printf("%llu\n", (unsigned long long)id);
	return 0;
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int
run(es_store *s, struct printer *p, const struct opts *o)
{
	uint64_t got;

	switch (o->mode) {
	case M_LASTID:
	case M_TRACKED:	return print_id(s, o);
	case M_SECTION:	return section(s, p, o);
	case M_FOLLOW:	return follow(s, p, o);
	case M_LIST:	break;
	}
	return scan(s, p, o->from, o->upto, o->max, o->pipeline, &got);
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	struct printer	 p = { 0 };
	struct stat	 st;
	es_store	*s = NULL;
	const char	*path;
	int		 rc, ex;

	cli_init("es-notify");
	parse_opts(argc, argv, &o);
	check_opts(&o);
	path = cli_store_path(o.store);
	p.out.cipher = cli_cipher(o.key_file);
	if ((o.mode == M_LASTID || o.mode == M_TRACKED) && stat(path, &st) != 0)
		s = NULL;	/* a first run of a pipeline: 0 */
	else if ((rc = es_store_open(&s, path, cli_app(o.app), 0)) != 0) {
		cli_warn("%s", s ? es_errmsg(s) : "out of memory");
		es_store_close(s);
		return cli_exit_code(rc);
	}
	p.out.flags = cli_format(o.format) | ES_OUT_APPLICATION |
	    (o.verbatim ? ES_OUT_VERBATIM : 0);
	p.out.app = s ? es_store_app(s) : "";
	if (o.mode == M_FOLLOW)
		catch_signals();
	rc = run(s, &p, &o);
	ex = rc ? cli_failed(s, rc, p.out.err) : cli_close_stdout();
	es_store_close(s);
	es_buf_free(&p.buf);
	es_buf_free(&p.out.plain);
	es_cipher_free(p.out.cipher);
	if (stopped) {
		signal(stopped, SIG_DFL);
		raise(stopped);
	}
	return ex;
}
