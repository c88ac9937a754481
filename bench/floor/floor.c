/*
 * floor: the same LMDB work as es, with nothing else: no JSON, no checks,
 * no options.  The physical limit of es's storage design, for scripts/bench.
 *
 *   floor import STORE < TSV    one transaction: per line (sequence \t
 *                               position \t topic \t state) the index put
 *                               and the log put (MDB_APPEND), then the
 *                               counter put; fsync at commit
 *   floor read STORE < IDS      per sequence id: an index range cursor and
 *                               a log get per entry, the record to stdout
 *   floor scan STORE            a log cursor from the first notification,
 *                               every record to stdout
 *
 * Keys and values are those of lib/lm.h: application 1, pipeline 0;
 *   index:    app(4) seq \0 pos(8, big-endian) -> pipeline(4) nid(8)
 *   log:      app(4) pipeline(4) nid(8, big-endian) -> record
 *   counters: app(4) pipeline(4) -> last nid(8)
 *   record:   check(4) flags(1) seq_len(1) pos(8) topic_len(4)
 *             state_len(4) causal_len(4) seq topic state (host order)
 * es puts a checksum of the record in check and verifies it on every read;
 * the floor leaves it 0 and never looks (a feature, not storage work), so
 * its records and stores have the same sizes as es's.
 * Build: cc -O2 -o floor floor.c -llmdb
 */
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP	1
#define REC_HEAD 26

static void
die(const char *what, int rc)
{
	fprintf(stderr, "floor: %s: %s\n", what, mdb_strerror(rc));
	exit(1);
}

#define CK(what, x) do { int rc_ = (x); if (rc_) die(what, rc_); } while (0)

static void
be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static void
be64(unsigned char *p, uint64_t v)
{
	be32(p, v >> 32), be32(p + 4, (uint32_t)v);
}

static MDB_env	*env;
static MDB_dbi	 db_index, db_log, db_counters;

static MDB_txn *
open_store(const char *path, int write)
{
	MDB_txn		*txn;
	unsigned	 cf = write ? MDB_CREATE : 0;

	CK("env", mdb_env_create(&env));
	mdb_env_set_maxdbs(env, 9);
	mdb_env_set_mapsize(env, (size_t)64 << 30);
	CK(path, mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOTLS |
	    (write ? 0 : MDB_RDONLY), 0600));
	CK("begin", mdb_txn_begin(env, NULL, write ? 0 : MDB_RDONLY, &txn));
	CK("index", mdb_dbi_open(txn, "index", cf, &db_index));
	CK("log", mdb_dbi_open(txn, "log", cf, &db_log));
	CK("counters", mdb_dbi_open(txn, "counters", cf, &db_counters));
	return txn;
}

static void
import(const char *path)
{
	MDB_txn		*txn = open_store(path, 1);
	unsigned char	 key[4 + 256 + 8], lkey[16], ref[12], ckey[8];
	char		*line = NULL, *seq, *p, *topic, *state;
	size_t		 cap = 0, sl, tl, stl;
	ssize_t		 len;
	uint64_t	 nid = 0, pos;
	uint32_t	 pipeline = 0, u;
	MDB_val		 k, v;

	be32(lkey, APP), be32(lkey + 4, pipeline);
	while ((len = getline(&line, &cap, stdin)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		seq = line;
		p = strchr(seq, '\t'), *p++ = '\0';
		pos = strtoull(p, &p, 10);
		topic = ++p;
		p = strchr(topic, '\t'), *p++ = '\0';
		state = p;
		sl = strlen(seq), tl = (size_t)(p - 1 - topic);
		stl = (size_t)(line + len - state);
		nid++;
		/* index: app seq \0 pos -> pipeline nid */
		be32(key, APP);
		memcpy(key + 4, seq, sl);
		key[4 + sl] = '\0';
		be64(key + 5 + sl, pos);
		memcpy(ref, &pipeline, 4);
		memcpy(ref + 4, &nid, 8);
		k.mv_data = key, k.mv_size = 13 + sl;
		v.mv_data = ref, v.mv_size = 12;
		CK("index put", mdb_put(txn, db_index, &k, &v,
		    MDB_NOOVERWRITE));
		/* log: app pipeline nid -> record, appended in place */
		be64(lkey + 8, nid);
		k.mv_data = lkey, k.mv_size = 16;
		v.mv_size = REC_HEAD + sl + tl + stl;
		CK("log put", mdb_put(txn, db_log, &k, &v,
		    MDB_APPEND | MDB_RESERVE));
		p = v.mv_data;
		memset(p, 0, 4);		/* check: left 0 */
		p[4] = 1, p[5] = (char)sl;	/* flags: state is JSON */
		memcpy(p + 6, &pos, 8);
		u = (uint32_t)tl, memcpy(p + 14, &u, 4);
		u = (uint32_t)stl, memcpy(p + 18, &u, 4);
		u = 0, memcpy(p + 22, &u, 4);
		p += REC_HEAD;
		memcpy(p, seq, sl), p += sl;
		memcpy(p, topic, tl), p += tl;
		memcpy(p, state, stl);
	}
	be32(ckey, APP), be32(ckey + 4, pipeline);
	k.mv_data = ckey, k.mv_size = 8;
	v.mv_data = &nid, v.mv_size = 8;
	CK("counter put", mdb_put(txn, db_counters, &k, &v, 0));
	CK("commit", mdb_txn_commit(txn));	/* fsync */
	mdb_env_close(env);
	free(line);
}

static void
read_seqs(const char *path)
{
	MDB_txn		*txn = open_store(path, 0);
	MDB_cursor	*c;
	unsigned char	 key[4 + 256 + 8], lkey[16];
	char		*line = NULL;
	size_t		 cap = 0, n;
	ssize_t		 len;
	MDB_val		 k, v, lk, rec;
	uint64_t	 nid;
	uint32_t	 pl;
	int		 rc;

	CK("cursor", mdb_cursor_open(txn, db_index, &c));
	be32(lkey, APP);
	while ((len = getline(&line, &cap, stdin)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		n = (size_t)len;
		be32(key, APP);
		memcpy(key + 4, line, n);
		key[4 + n] = '\0';
		be64(key + 5 + n, 0);
		k.mv_data = key, k.mv_size = 13 + n;
		for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			if (k.mv_size != 13 + n ||
			    memcmp(k.mv_data, key, 5 + n) != 0)
				break;
			memcpy(&pl, v.mv_data, 4);
			memcpy(&nid, (char *)v.mv_data + 4, 8);
			be32(lkey + 4, pl);
			be64(lkey + 8, nid);
			lk.mv_data = lkey, lk.mv_size = 16;
			CK("log get", mdb_get(txn, db_log, &lk, &rec));
			fwrite(rec.mv_data, 1, rec.mv_size, stdout);
		}
		if (rc != 0 && rc != MDB_NOTFOUND)
			die("index", rc);
	}
	mdb_txn_abort(txn);
	free(line);
}

static void
scan(const char *path)
{
	MDB_txn		*txn = open_store(path, 0);
	MDB_cursor	*c;
	MDB_val		 k, v;
	int		 rc;

	CK("cursor", mdb_cursor_open(txn, db_log, &c));
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		fwrite(v.mv_data, 1, v.mv_size, stdout);
	if (rc != MDB_NOTFOUND)
		die("scan", rc);
	mdb_txn_abort(txn);
}

int
main(int argc, char **argv)
{
	static char buf[1 << 16];

	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
	if (argc == 3 && strcmp(argv[1], "import") == 0)
		import(argv[2]);
	else if (argc == 3 && strcmp(argv[1], "read") == 0)
		read_seqs(argv[2]);
	else if (argc == 3 && strcmp(argv[1], "scan") == 0)
		scan(argv[2]);
	else {
		fprintf(stderr, "usage: floor import|read|scan STORE\n");
		return 64;
	}
	return fflush(stdout) != 0;
}
