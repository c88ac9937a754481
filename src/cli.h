/* cli.h: what every es tool shares: exit codes, messages, options. */
#ifndef ES_CLI_H
#define ES_CLI_H

#include <stdint.h>

#include "es.h"

/* Exit codes (SPEC §4). */
#define EX_OK		0	/* success */
#define EX_NOTFOUND	1	/* nothing found by a point lookup */
#define EX_CONFLICT	3	/* position or tracking record already stored */
#define EX_USAGE	64	/* usage error */
#define EX_DATAERR	65	/* bad data, in the input or in the store */
#define EX_NOINPUT	66	/* store (or input file) not found */
#define EX_SOFTWARE	70	/* internal error */
#define EX_IOERR	74	/* I/O or storage error */
#define EX_TEMPFAIL	75	/* temporary failure: retry later */

/* The common part of every --help. */
#define CLI_HELP_STORE \
"  -s, --store PATH       the store (default: $ES_STORE, else ./events.lmdb)\n" \
"  -a, --app NAME         the application (default: $ES_APP, else the store's\n" \
"                         default application, recorded when it was created:\n" \
"                         the application given then, else the store file's\n" \
"                         base name without extension)\n"
#define CLI_HELP_STD \
"  -h, --help             print this help and exit\n" \
"  -V, --version          print the version and exit\n" \
"\n" \
"Exit status: 0 success, 1 not found, 3 conflict, 64 usage error, 65 bad data,\n" \
"66 store not found, 70 internal error, 74 I/O error, 75 temporary failure.\n"

extern const char *cli_name;

/* Set the program name for messages; standard set-up of stdio/signals. */
void	cli_init(const char *name);
/* "es-NAME: message" on stderr. */
void	cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: message, the --help hint, exit 64. */
__attribute__((noreturn, format(printf, 1, 2)))
void	cli_usage(const char *fmt, ...);
/* Report an unknown option or missing argument from getopt_long. */
__attribute__((noreturn))
void	cli_bad_option(char **argv, int c);
/* Print text to stdout and exit 0 (after the stdout check). */
__attribute__((noreturn))
void	cli_help(const char *text);
__attribute__((noreturn))
void	cli_version(void);

/*
 * Report a failure of a command on store s and return its exit code: a
 * write error on stdout (74), a conflict, the detail given (for bad data:
 * which item), or the store's message.
 */
int	cli_failed(es_store *s, int rc, const char *detail);

/*
 * The next batch of sequence ids after *last (empty: from the first), read
 * in one short transaction into names, NUL-separated; *last becomes the
 * batch's last.  Returns 0 (names empty at the end) or an es error.
 */
int	cli_next_names(es_store *s, es_buf *names, es_buf *last);

/* The exit code for an es error code. */
int	cli_exit_code(int es_code);
/* Flush and close stdout: 0, or a message and 74. */
int	cli_close_stdout(void);
/* Write buf to stdout; on failure a message, and 74. */
int	cli_write(const char *p, size_t n);

/* Option values: each exits 64 with a message naming the option. */
int64_t	cli_int(const char *opt, const char *arg, int64_t lo, int64_t hi,
	    const char *what);
int64_t	cli_position(const char *opt, const char *arg, int timestamp);
/* Narrow q by --lt and --lte (either may be NULL) and write " < N",
 * " <= N" for messages to text. */
void	cli_upper_bounds(es_query *q, const char *lt, const char *lte,
	    char *text, size_t size);
const char *cli_store_path(const char *arg);
const char *cli_app(const char *arg);
unsigned cli_format(const char *arg);
/* A sequence id argument, normalised into buf (ES_SEQ_MAX + 1 bytes). */
size_t	cli_sequence(const char *arg, char *buf);
/* The reducer of --reducer NAME and --exec CMD: the command, or NULL for
 * the merge patch; anything else is a usage error. */
const char *cli_reducer(const char *reducer, const char *exec);

/* The cipher of --key-file FILE (if given) or ES_CIPHER_KEY, or NULL for
 * none; a key that cannot be read or is not base64 of 16, 24 or 32 bytes
 * is a usage error. */
es_cipher *cli_cipher(const char *key_file);

#define CLI_HELP_KEY \
"      --key-file FILE    AES key, base64 of 16, 24 or 32 bytes (default: $ES_CIPHER_KEY)\n"

#endif
