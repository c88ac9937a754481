/* cli.c: what every es tool shares: messages, exit codes, options. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"

const char *cli_name = "es";

void
cli_init(const char *name)
{
	cli_name = name;
	signal(SIGXFSZ, SIG_IGN);	/* a file size limit is an I/O error */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
}

static void
vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", cli_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
cli_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	cli_warn("Try '%s --help' for more information.", cli_name);
	exit(EX_USAGE);
}

void
cli_bad_option(char **argv, int c)
{
	const char *opt = argv[optind - 1];

	if (c == ':')
		cli_usage("option '%s' requires an argument", opt);
	if (optopt != 0 && opt[0] == '-' && opt[1] != '-')
		cli_usage("invalid option -- '%c'", optopt);
	cli_usage("unrecognized option '%s'", opt);
}

void
cli_help(const char *text)
{
	fputs(text, stdout);
	exit(cli_close_stdout());
}

void
cli_version(void)
{
	printf("%s (es) %s\n", cli_name, PACKAGE_VERSION);
	exit(cli_close_stdout());
}

int
cli_exit_code(int code)
{
	switch (code) {
	case ES_OK:		return EX_OK;
	case ES_ENOTFOUND:	return EX_NOTFOUND;
	case ES_ECONFLICT:	return EX_CONFLICT;
	case ES_EDATA:		return EX_DATAERR;
	case ES_ENOSTORE:	return EX_NOINPUT;
	case ES_EIO:		return EX_IOERR;
	case ES_EBUSY:		return EX_TEMPFAIL;
	case ES_EUSAGE:		return EX_USAGE;
	}
	return EX_SOFTWARE;
}

int
cli_write(const char *p, size_t n)
{
	if (n > 0 && fwrite(p, 1, n, stdout) != n) {
		cli_warn("write error: %s", strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

int
cli_close_stdout(void)
{
	int err = 0;

	if (fflush(stdout) != 0 || ferror(stdout))
		err = errno ? errno : EIO;
	if (fclose(stdout) != 0 && err == 0)
		err = errno;
	if (err == 0)
		return EX_OK;
	cli_warn("write error: %s", strerror(err));
	return EX_IOERR;
}

/* Parse a decimal integer; 0 on success. */
static int
parse_int(const char *s, int64_t *v)
{
	char	*end;
	long long n;

	if (*s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return -1;
	*v = n;
	return 0;
}

int64_t
cli_int(const char *opt, const char *arg, int64_t lo, int64_t hi,
    const char *what)
{
	int64_t v;

	if (parse_int(arg, &v) != 0)
		cli_usage("--%s: not an integer: '%s'", opt, arg);
	if (v < lo || v > hi)
		cli_usage("--%s: %s must be from %lld to %lld", opt, what,
		    (long long)lo, (long long)hi);
	return v;
}

/* Decimal seconds with up to 6 places to microseconds; 0 on success. */
static int
parse_us(const char *s, int64_t *us)
{
	int64_t	 whole, frac = 0;
	int	 neg = *s == '-', places = 0;
	const char *dot = strchr(s, '.');
	char	 buf[32];

	if (dot == NULL)
		return parse_int(s, &whole) == 0 &&
		    (whole <= INT64_MAX / ES_US_PER_S &&
		    whole >= INT64_MIN / ES_US_PER_S) ?
		    (*us = whole * ES_US_PER_S, 0) : -1;
	if ((size_t)(dot - s) >= sizeof(buf) || dot == s + neg)
		return -1;
	memcpy(buf, s, (size_t)(dot - s));
	buf[dot - s] = '\0';
	if (parse_int(buf, &whole) != 0 || whole > INT64_MAX / ES_US_PER_S ||
	    whole < INT64_MIN / ES_US_PER_S)
		return -1;
	for (s = dot + 1; *s; s++, places++) {
		if (*s < '0' || *s > '9' || places == 6)
			return -1;
		frac = frac * 10 + (*s - '0');
	}
	if (places == 0)
		return -1;
	for (; places < 6; places++)
		frac *= 10;
	whole *= ES_US_PER_S;
	if (neg ? whole < INT64_MIN + frac : whole > INT64_MAX - frac)
		return -1;
	*us = neg ? whole - frac : whole + frac;
	return 0;
}

int64_t
cli_position(const char *opt, const char *arg, int timestamp)
{
	int64_t us;

	if (!timestamp)
		return cli_int(opt, arg, INT64_MIN, INT64_MAX, "position");
	if (parse_us(arg, &us) != 0)
		cli_usage("--%s: not a decimal number of seconds with up to 6 "
		    "places: '%s'", opt, arg);
	return us;
}

const char *
cli_store_path(const char *arg)
{
	const char *p = arg;

	if (p == NULL && ((p = getenv("ES_STORE")) == NULL || *p == '\0'))
		p = "./events.lmdb";
	if (*p == '\0')
		cli_usage("--store: empty path");
	return p;
}

const char *
cli_app(const char *arg)
{
	const char *a;

	if (arg != NULL) {
		if (*arg == '\0')
			cli_usage("--app: empty application name");
		if (strlen(arg) > 255)
			cli_usage("--app: longer than 255 bytes");
		return arg;
	}
	a = getenv("ES_APP");
	if (a != NULL && *a != '\0' && strlen(a) <= 255)
		return a;
	return NULL;
}

unsigned
cli_format(const char *arg)
{
	if (arg == NULL || strcmp(arg, "item") == 0 ||
	    strcmp(arg, "sequenced-item") == 0)
		return 0;
	if (strcmp(arg, "stored-event") == 0)
		return ES_OUT_STORED_EVENT;
	cli_usage("--format: unknown format '%s' (item or stored-event)", arg);
}

size_t
cli_sequence(const char *arg, char *buf)
{
	size_t n = strlen(arg);

	if (es_uuid_canon(arg, n, buf) == 36)
		return 36;
	if (n == 0 || n > ES_SEQ_MAX || es_utf8_check(arg, n) != n)
		cli_usage("invalid sequence id '%s' (a non-empty UTF-8 string "
		    "of at most %d bytes)", arg, ES_SEQ_MAX);
	memcpy(buf, arg, n + 1);
	return n;
}

/* Read a whole (small) key file into b; 0 or errno. */
static int
read_key_file(const char *path, es_buf *b)
{
	char	 chunk[512];
	size_t	 n;
	FILE	*f;
	int	 err = 0;

	if ((f = fopen(path, "rb")) == NULL)
		return errno;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (b->len > 4096 || es_buf_add(b, chunk, n) != 0) {
			err = EFBIG;
			break;
		}
	if (ferror(f) && err == 0)
		err = errno ? errno : EIO;
	fclose(f);
	return err;
}

es_cipher *
cli_cipher(const char *key_file)
{
	es_buf		 text = { 0 }, key = { 0 };
	es_cipher	*c = NULL;
	const char	*why, *src = "ES_CIPHER_KEY", *env;
	size_t		 i, n = 0;
	int		 err;

	if (key_file != NULL) {
		if ((err = read_key_file(key_file, &text)) != 0)
			cli_usage("--key-file: cannot read %s: %s", key_file,
			    strerror(err));
		src = key_file;
	} else if ((env = getenv("ES_CIPHER_KEY")) != NULL)
		es_buf_adds(&text, env);
	for (i = 0; i < text.len; i++)	/* space is not part of the key */
		if (!strchr(" \t\r\n\v\f", text.p[i]))
			text.p[n++] = text.p[i];
	if (n == 0 && key_file == NULL)
		goto done;
	if (es_base64_decode(&key, text.p, n, 1, &why) != 0)
		cli_usage("%s%s: not valid base64", key_file ? "key file " : "",
		    src);
	switch (es_cipher_new(&c, (unsigned char *)key.p, key.len)) {
	case ES_EUSAGE:
		cli_usage("%s%s: the key must be 16, 24 or 32 bytes, not %zu",
		    key_file ? "key file " : "", src, key.len);
	case ES_EINTERNAL:
		cli_warn("cannot encrypt: %s", es_cipher_why());
		exit(EX_SOFTWARE);
	case ES_ENOMEM:
		cli_warn("out of memory");
		exit(EX_SOFTWARE);
	}
done:
	if (key.p)
		memset(key.p, 0, key.cap);
	if (text.p)
		memset(text.p, 0, text.cap);
	es_buf_free(&key);
	es_buf_free(&text);
	return c;
}

const char *
cli_reducer(const char *reducer, const char *exec)
{
	if (reducer != NULL && strcmp(reducer, "merge") != 0)
		cli_usage("--reducer: unknown reducer '%s' (merge, or use --exec "
		    "CMD)", reducer);
	if (exec == NULL)
		return NULL;
	if (reducer != NULL)
		cli_usage("--reducer and --exec cannot be combined");
	if (exec[strspn(exec, " \t\r\n\v\f")] == '\0')
		cli_usage("--exec: empty command");
	return exec;
}

int
cli_failed(es_store *s, int rc, const char *detail)
{
	if (rc == ES_EIO && ferror(stdout))
		return cli_close_stdout();
	if (rc == ES_ECONFLICT)
		cli_warn("conflict: %s", es_errmsg(s));
	else if (detail != NULL && detail[0] && (rc == ES_EDATA ||
	    rc == ES_EUSAGE))
		cli_warn("%s", detail);
	else if (rc == ES_ENOMEM)
		cli_warn("out of memory");
	else
		cli_warn("%s", es_errmsg(s));
	return cli_exit_code(rc);
}

#define NAMES_BATCH	65536	/* bytes of sequence ids per transaction */

static int
note_name(void *arg, const char *name, size_t len)
{
	es_buf *names = arg;

	if (es_buf_add(names, name, len) != 0 || es_buf_addc(names, '\0'))
		return ES_ENOMEM;
	return names->len >= NAMES_BATCH ? 1 : 0;	/* enough for now */
}

int
cli_next_names(es_store *s, es_buf *names, es_buf *last)
{
	es_txn	*txn;
	size_t	 i;
	int	 rc;

	names->len = 0;
	if ((rc = es_txn_begin(s, 0, &txn)) != 0)
		return rc;
	rc = es_read_sequences(txn, 0, last->len ? last->p : NULL, last->len,
	    note_name, names);
	es_txn_abort(txn);
	if (rc < 0 || names->len == 0)
		return rc < 0 ? rc : 0;
	for (i = names->len - 1; i > 0 && names->p[i - 1]; i--)
		;
	last->len = 0;
	return es_buf_add(last, names->p + i, strlen(names->p + i));
}

void
cli_upper_bounds(es_query *q, const char *lt, const char *lte, char *text,
    size_t size)
{
	int64_t	 v;
	int	 n = 0;

	text[0] = '\0';
	if (lt != NULL) {
		v = cli_position("lt", lt, 0);
		es_query_bound(q, ES_LT, v);
		n = snprintf(text, size, " < %lld", (long long)v);
	}
	if (lte != NULL) {
		v = cli_position("lte", lte, 0);
		es_query_bound(q, ES_LTE, v);
		snprintf(text + n, size - (size_t)n, " <= %lld", (long long)v);
	}
}
