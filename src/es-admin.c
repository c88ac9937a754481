/* es-admin: look after a store: info, check, backup, delete, truncate, drop. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
"Usage: es-admin [OPTION]... COMMAND [ARG]...\n"
"Look after a store.\n"
"\n"
"Commands:\n"
"  info                   the store as JSON: applications, counts, last\n"
"                         notification ids per pipeline, size, space used\n"
"  check                  verify every invariant (exit 0 if sound, 65 if not)\n"
"  backup DEST            a consistent, compacted copy, made while writers run\n"
"  delete SEQ POS         delete one item (its notification id is not reused)\n"
"  truncate               empty the store, keeping the file (needs --yes off a terminal)\n"
"  drop                   remove the store files (needs --yes off a terminal)\n"
"\n"
CLI_HELP_STORE
"      --yes              do not ask before truncate or drop\n"
"      --timestamp        delete from the timestamp-sequenced keyspace\n"
"      --human            info as a readable table\n"
"      --no-sync          do not wait for commits to be durable\n"
CLI_HELP_KEY
CLI_HELP_STD;

#define MAX_SHOWN	1000	/* problems printed by check */

enum { OPT_HUMAN = 256, OPT_KEYFILE, OPT_NOSYNC, OPT_TIMESTAMP };

static const struct option longopts[] = {
	{ "app",	 required_argument, NULL, 'a' },
	{ "help",	 no_argument,	    NULL, 'h' },
	{ "human",	 no_argument,	    NULL, OPT_HUMAN },
	{ "key-file",	 required_argument, NULL, OPT_KEYFILE },
	{ "no-sync",	 no_argument,	    NULL, OPT_NOSYNC },
	{ "store",	 required_argument, NULL, 's' },
	{ "timestamp",	 no_argument,	    NULL, OPT_TIMESTAMP },
	{ "version",	 no_argument,	    NULL, 'V' },
	{ "yes",	 no_argument,	    NULL, 'y' },
	{ NULL, 0, NULL, 0 }
};

struct opts {
	const char	*store, *app, *key_file, *cmd;
	int		 yes, human, nosync, timestamp;
	char		**args;
};

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct { const char *name; int nargs; } cmds[] = {
		{ "info", 0 }, { "check", 0 }, { "backup", 1 }, { "delete", 2 },
		{ "truncate", 0 }, { "drop", 0 }, { NULL, 0 }
	};
	int c, i, n;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:hs:Vy", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'a':	o->app = optarg; break;
		case 'h':	cli_help(usage);
		case 's':	o->store = optarg; break;
		case 'V':	cli_version();
		case 'y':	o->yes = 1; break;
		case OPT_HUMAN:	o->human = 1; break;
		case OPT_KEYFILE: o->key_file = optarg; break;
		case OPT_NOSYNC: o->nosync = 1; break;
		case OPT_TIMESTAMP: o->timestamp = 1; break;
		default:	cli_bad_option(argv, c);
		}
	}
	if (optind >= argc)
		cli_usage("no command given (info, check, backup, delete, "
		    "truncate, drop)");
	o->cmd = argv[optind];
	o->args = argv + optind + 1;
	for (n = 0; o->args[n]; n++)
		;
	for (i = 0; cmds[i].name && strcmp(cmds[i].name, o->cmd); i++)
		;
	if (cmds[i].name == NULL)
		cli_usage("unknown command '%s'", o->cmd);
	if (n != cmds[i].nargs)
		cli_usage("%s takes %d argument%s", o->cmd, cmds[i].nargs,
		    cmds[i].nargs == 1 ? "" : "s");
}

/* truncate and drop: --yes, or a "y" at the terminal. */
static void
confirm(const struct opts *o, const char *what, const char *path)
{
	char	 answer[16] = "";
	FILE	*tty;

	if (o->yes)
		return;
	if (!isatty(0) || !isatty(2))
		cli_usage("%s %s: give --yes to confirm (not on a terminal)",
		    what, path);
	if ((tty = fopen("/dev/tty", "r+")) != NULL) {
		fprintf(tty, "%s: really %s %s? [y/N] ", cli_name, what, path);
		fflush(tty);
		if (fgets(answer, sizeof(answer), tty) == NULL)
			answer[0] = '\0';
		fclose(tty);
	}
	answer[strcspn(answer, " \t\r\n")] = '\0';
	if (strcasecmp(answer, "y") != 0 && strcasecmp(answer, "yes") != 0)
		cli_usage("%s %s: not confirmed", what, path);
}

static void
json_str(const char *s)
{
	es_buf b = { 0 };

	es_json_add_string(&b, s, strlen(s));
	fwrite(b.p, 1, b.len, stdout);
	es_buf_free(&b);
}

static void
info_json(const es_info *i, const char *path)
{
	size_t a, p;

	fputs("{\"store\":", stdout);
	json_str(path);
	printf(",\"size\":%llu,\"page_size\":%llu,\"map_size\":%llu,"
	    "\"map_used\":%llu,\"pages\":{\"branch\":%llu,\"leaf\":%llu,"
	    "\"overflow\":%llu},\"readers\":%llu,\"max_readers\":%llu,"
	    "\"default_application\":", (unsigned long long)i->size,
	    (unsigned long long)i->page_size, (unsigned long long)i->map_size,
	    (unsigned long long)i->map_used,
	    (unsigned long long)i->branch_pages,
	    (unsigned long long)i->leaf_pages,
	    (unsigned long long)i->overflow_pages,
	    (unsigned long long)i->readers, (unsigned long long)i->max_readers);
	json_str(i->default_app);
	fputs(",\"applications\":[", stdout);
	for (a = 0; a < i->n_apps; a++) {
		const es_app_info *ap = &i->apps[a];

		fputs(a ? ",{\"name\":" : "{\"name\":", stdout);
		json_str(ap->name);
		printf(",\"sequences\":%llu,\"items\":%llu,"
		    "\"timestamp_sequences\":%llu,\"timestamp_items\":%llu,"
		    "\"snapshots\":%llu,\"tracking_records\":%llu,"
		    "\"pipelines\":[", (unsigned long long)ap->sequences,
		    (unsigned long long)ap->items,
		    (unsigned long long)ap->ts_sequences,
		    (unsigned long long)ap->ts_items,
		    (unsigned long long)ap->snapshots,
		    (unsigned long long)ap->tracking_records);
		for (p = 0; p < ap->n_pipelines; p++)
			printf("%s{\"pipeline_id\":%u,\"notifications\":%llu,"
			    "\"last_id\":%llu}", p ? "," : "",
			    ap->pipelines[p].pipeline,
			    (unsigned long long)ap->pipelines[p].notifications,
			    (unsigned long long)ap->pipelines[p].last_id);
		fputs("]}", stdout);
	}
	fputs("]}\n", stdout);
}

static void
info_human(const es_info *i, const char *path)
{
	size_t a, p;

	printf("store %s: %llu bytes, %llu of %llu bytes of map in use, pages "
	    "of %llu bytes (%llu branch, %llu leaf, %llu overflow); readers "
	    "%llu of %llu; default application %s\n", path,
	    (unsigned long long)i->size, (unsigned long long)i->map_used,
	    (unsigned long long)i->map_size, (unsigned long long)i->page_size,
	    (unsigned long long)i->branch_pages,
	    (unsigned long long)i->leaf_pages,
	    (unsigned long long)i->overflow_pages,
	    (unsigned long long)i->readers, (unsigned long long)i->max_readers,
	    i->default_app);
	for (a = 0; a < i->n_apps; a++) {
		const es_app_info *ap = &i->apps[a];

		printf("application %s: %llu sequences, %llu items, %llu "
		    "timestamp sequences, %llu timestamp items, %llu snapshots, "
		    "%llu tracking records\n", ap->name,
		    (unsigned long long)ap->sequences,
		    (unsigned long long)ap->items,
		    (unsigned long long)ap->ts_sequences,
		    (unsigned long long)ap->ts_items,
		    (unsigned long long)ap->snapshots,
		    (unsigned long long)ap->tracking_records);
		for (p = 0; p < ap->n_pipelines; p++)
			printf("  pipeline %u: %llu notifications, last id "
			    "%llu\n", ap->pipelines[p].pipeline,
			    (unsigned long long)ap->pipelines[p].notifications,
			    (unsigned long long)ap->pipelines[p].last_id);
	}
}

static int
info(es_store *s, const struct opts *o, const char *path)
{
	es_info	*i;
	int	 rc;

	if ((rc = es_store_info(s, &i)) != 0)
		return rc;
	if (o->human)
		info_human(i, path);
	else
		info_json(i, path);
	es_info_free(i);
	return 0;
}

struct checked {
	uint64_t n;
	es_buf	 freed;
};

static void
on_problem(void *arg, const char *problem)
{
	struct checked *c = arg;

	if (c->n++ < MAX_SHOWN)
		cli_warn("check: %s", problem);
}

static void
on_freed(void *arg, const char *app, uint32_t pipeline, uint64_t nid)
{
	struct checked	*c = arg;
	char		 tail[80];

	es_buf_adds(&c->freed, c->freed.len ? ",{\"application_name\":" :
	    "{\"application_name\":");
	es_json_add_string(&c->freed, app, strlen(app));
	snprintf(tail, sizeof(tail), ",\"pipeline_id\":%u,\"notification_id\""
	    ":%llu}", pipeline, (unsigned long long)nid);
	es_buf_adds(&c->freed, tail);
}

/* check, in a child process: a damaged file may crash the reader. */
static int
check_child(const struct opts *o, const char *path, es_cipher *cipher)
{
	struct checked	 c = { 0, { 0 } };
	es_check_counts	 n;
	es_store	*s;
	int		 rc;

	if ((rc = es_store_open(&s, path, cli_app(o->app), 0)) != 0) {
		struct stat st;

		/* A file that is there but cannot be opened is damaged. */
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size > 0 && (rc == ES_ENOSTORE || rc == ES_EDATA)) {
			cli_warn("check: %s", es_errmsg(s));
			rc = EX_DATAERR;
		} else {
			cli_warn("%s", s ? es_errmsg(s) : "out of memory");
			rc = cli_exit_code(rc);
		}
		es_store_close(s);
		return rc;
	}
	if ((rc = es_store_check(s, cipher, on_problem, on_freed, &c,
	    &n)) != 0) {
		cli_warn("check: %s", es_errmsg(s));
		es_store_close(s);
		return rc == ES_EIO || rc == ES_EBUSY ? cli_exit_code(rc) :
		    EX_DATAERR;
	}
	printf("{\"ok\":%s,\"problems\":%llu,\"items\":%llu,"
	    "\"timestamp_items\":%llu,\"snapshots\":%llu,"
	    "\"tracking_records\":%llu,\"freed_ids\":[%.*s]}\n",
	    n.problems ? "false" : "true", (unsigned long long)n.problems,
	    (unsigned long long)n.items, (unsigned long long)n.ts_items,
	    (unsigned long long)n.snapshots,
	    (unsigned long long)n.tracking_records, (int)c.freed.len,
	    c.freed.p ? c.freed.p : "");
	es_buf_free(&c.freed);
	es_store_close(s);
	rc = cli_close_stdout();
	return rc ? rc : n.problems ? EX_DATAERR : EX_OK;
}

/* How long check may take before it is taken to be stuck in a loop that
 * damage made: 30 s, and 1 s per 10 MB of store. */
static int
check_deadline(const char *path)
{
	struct stat st;

	return 30 + (stat(path, &st) == 0 ? (int)(st.st_size / 10000000) : 0);
}

/* Relay the child's messages; anything not its own (an assertion of the
 * storage library on a damaged page) becomes a "store damaged" line. */
static void
relay(int fd, time_t deadline, int *late)
{
	struct pollfd	 p = { fd, POLLIN, 0 };
	char		 buf[4096], *line, *nl;
	size_t		 len = 0;
	ssize_t		 n;

	for (;;) {
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
		if (time(NULL) > deadline) {
			*late = 1;
			break;
		}
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		if ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		for (line = buf; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
			*nl = '\0';
			if (strncmp(line, "es-admin: ", 10) == 0)
				fprintf(stderr, "%s\n", line);
			else
				cli_warn("check: store damaged: %s", line);
		}
		len -= (size_t)(line - buf);
		memmove(buf, line, len);
		if (len == sizeof(buf) - 1)
			len = 0;	/* a line too long to keep */
	}
}

static int
check(const struct opts *o, const char *path, es_cipher *cipher)
{
	pid_t	 pid;
	int	 status, p[2], late = 0;

	fflush(stdout);
	if (pipe(p) != 0 || (pid = fork()) < 0)
		return check_child(o, path, cipher);
	if (pid == 0) {
		dup2(p[1], 2);
		close(p[0]), close(p[1]);
		_exit(check_child(o, path, cipher));
	}
	close(p[1]);
	relay(p[0], time(NULL) + check_deadline(path), &late);
	close(p[0]);
	if (late)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (late) {
		cli_warn("check: store damaged: no end after %d s",
		    check_deadline(path));
		return EX_DATAERR;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	cli_warn("check: store damaged: reading it failed (signal %d)",
	    WTERMSIG(status));
	return EX_DATAERR;
}

static int
delete(es_store *s, const struct opts *o)
{
	char	 seq[ES_SEQ_MAX + 1];
	size_t	 n = cli_sequence(o->args[0], seq);
	int64_t	 pos = cli_position("position", o->args[1], o->timestamp);
	es_txn	*txn;
	es_buf	 text = { 0 };
	int	 rc;

	if ((rc = es_txn_begin(s, 1, &txn)) != 0)
		return rc;
	if ((rc = es_delete_item(txn, seq, n, pos, o->timestamp)) != 0) {
		es_txn_abort(txn);
		if (rc != ES_ENOTFOUND)
			return rc;
		if (o->timestamp)
			es_buf_add_us(&text, pos);
		else
			es_buf_add_i64(&text, pos);
		cli_warn("not found: sequence %s position %.*s", seq,
		    (int)text.len, text.p);
		es_buf_free(&text);
		return 1;
	}
	return es_txn_commit(txn);
}

/* Check what needs no store; 0 to go on, else the exit code. */
static void
check_args(const struct opts *o)
{
	if (strcmp(o->cmd, "delete") == 0) {
		cli_sequence(o->args[0], (char[ES_SEQ_MAX + 1]){ 0 });
		if (cli_position("position", o->args[1], o->timestamp) < 0)
			cli_usage("position must be from 0 to %lld",
			    (long long)ES_POS_MAX);
	}
}

static int
run(es_store *s, const struct opts *o, const char *path)
{
	if (strcmp(o->cmd, "info") == 0)
		return info(s, o, path);
	if (strcmp(o->cmd, "backup") == 0)
		return es_store_backup(s, o->args[0]);
	if (strcmp(o->cmd, "delete") == 0)
		return delete(s, o);
	if (strcmp(o->cmd, "truncate") == 0) {
		confirm(o, "truncate", path);
		return es_store_truncate(s);
	}
	confirm(o, "drop", path);
	return es_store_drop(s);
}

int
main(int argc, char **argv)
{
	struct opts	 o;
	es_cipher	*cipher;
	es_store	*s;
	const char	*path;
	unsigned	 flags = 0;
	int		 rc, ex;

	cli_init("es-admin");
	parse_opts(argc, argv, &o);
	check_args(&o);
	cipher = cli_cipher(o.key_file);
	path = cli_store_path(o.store);
	if (strcmp(o.cmd, "check") == 0) {
		ex = check(&o, path, cipher);
		es_cipher_free(cipher);
		return ex;
	}
	if (strcmp(o.cmd, "delete") == 0 || strcmp(o.cmd, "truncate") == 0)
		flags = ES_OPEN_WRITE | ES_OPEN_NOCREATE |
		    (o.nosync ? ES_OPEN_NOSYNC : 0);
	if ((rc = es_store_open(&s, path, cli_app(o.app), flags)) != 0) {
		cli_warn("%s", s ? es_errmsg(s) : "out of memory");
		es_store_close(s);
		es_cipher_free(cipher);
		return cli_exit_code(rc);
	}
	rc = run(s, &o, path);
	if (rc == 1)
		ex = EX_NOTFOUND;
	else if (rc == ES_EUSAGE) {
		cli_warn("%s", es_errmsg(s));
		cli_warn("Try '%s --help' for more information.", cli_name);
		ex = EX_USAGE;
	} else if (rc != 0) {
		cli_warn("%s", rc == ES_ENOMEM ? "out of memory" : es_errmsg(s));
		ex = cli_exit_code(rc);
	} else
		ex = cli_close_stdout();
	es_store_close(s);
	es_cipher_free(cipher);
	return ex;
}
