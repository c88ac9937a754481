/*
 * gen: deterministic workloads for scripts/bench.
 *
 *   gen [-f jsonl|tsv|sql|ids] [-S NSEQ] [-P PER] [-w W -W N] [-q]
 *
 * Event i of NSEQ * PER goes to sequence i % NSEQ at position i / NSEQ
 * (sequences interleaved, as in a log of many aggregates).  Sequence ids
 * are random-looking UUIDs drawn from the sequence number, so index keys
 * land all over the B-tree; states are JSON objects of about 190 bytes,
 * for events of about 300 bytes as JSON Lines.  The same seed gives the
 * same bytes on every machine.
 *
 *   jsonl  es-append input, one item per line
 *   tsv    the floor's input: sequence \t position \t topic \t state
 *   sql    one statement per event for a long-lived sqlite3: the JSON line
 *          unpacked with SQLite's JSON functions, then, with -q, a query of
 *          the new rowid (the acknowledgement)
 *   ids    the sequence ids, one per line
 *
 * -w W -W N keeps only the sequences whose number is W modulo N (writer W
 * of N writers, with sequences of their own).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void
seq_id(char *buf, uint64_t s)
{
	uint64_t a = mix(s), b = mix(s ^ 0x5555555555555555ULL);

	snprintf(buf, 37, "%08x-%04x-4%03x-%04x-%012llx",
	    (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
	    (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
	    (unsigned long long)(b & 0xffffffffffffULL));
}

static const char *const words[] = {
	"invoice", "coffee", "rent", "salary", "transfer", "refund", "books",
	"train", "market", "repair", "gift", "fees", "lunch", "tickets",
	"insurance", "garden", "power", "water", "phone", "travel",
};

/* The state of event (s, pos): about 190 bytes of compact JSON. */
static int
state(char *buf, size_t size, uint64_t s, uint64_t pos)
{
	uint64_t	 r = mix(s * 1000003 + pos);
	char		 memo[160];
	size_t		 n = 0;
	int		 k = 0;

	while (n < 128) {
		const char *w = words[(r >> (k % 60)) % 20];

		n += (size_t)snprintf(memo + n, sizeof(memo) - n, "%s%s",
		    n ? " " : "", w);
		r = mix(r + (uint64_t)k++);
	}
	memo[128] = '\0';
	return snprintf(buf, size, "{\"amount\":%llu,\"balance\":%llu,"
	    "\"currency\":\"EUR\",\"n\":%llu,\"memo\":\"%s\"}",
	    (unsigned long long)(r % 100000),
	    (unsigned long long)(mix(r) % 10000000),
	    (unsigned long long)pos, memo);
}

static const char *
topic(uint64_t pos)
{
	if (pos == 0)
		return "bank#Opened";
	return pos % 3 ? "bank#Deposited" : "bank#Withdrawn";
}

int
main(int argc, char **argv)
{
	const char	*fmt = "jsonl";
	uint64_t	 nseq = 1000, per = 1000, w = 0, nw = 1, i, s, pos;
	int		 c, ack = 0;
	char		 id[40], st[512];
	static char	 obuf[1 << 16];

	while ((c = getopt(argc, argv, "f:S:P:w:W:q")) != -1) {
		switch (c) {
		case 'f': fmt = optarg; break;
		case 'S': nseq = strtoull(optarg, NULL, 10); break;
		case 'P': per = strtoull(optarg, NULL, 10); break;
		case 'w': w = strtoull(optarg, NULL, 10); break;
		case 'W': nw = strtoull(optarg, NULL, 10); break;
		case 'q': ack = 1; break;
		default:
			fprintf(stderr, "usage: gen [-f jsonl|tsv|sql|ids] "
			    "[-S NSEQ] [-P PER] [-w W -W N] [-q]\n");
			return 64;
		}
	}
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (strcmp(fmt, "ids") == 0) {
		for (s = 0; s < nseq; s++)
			if (s % nw == w) {
				seq_id(id, s);
				puts(id);
			}
		return fflush(stdout) != 0;
	}
	for (i = 0; i < nseq * per; i++) {
		s = i % nseq;
		pos = i / nseq;
		if (s % nw != w)
			continue;
		seq_id(id, s);
		state(st, sizeof(st), s, pos);
		if (strcmp(fmt, "tsv") == 0)
			printf("%s\t%llu\t%s\t%s\n", id,
			    (unsigned long long)pos, topic(pos), st);
		else if (strcmp(fmt, "sql") == 0)
			printf("INSERT INTO events(sequence_id,position,topic,"
			    "state) SELECT j->>'sequence_id',j->>'position',"
			    "j->>'topic',j->'state' FROM (SELECT '{\"sequence_id\""
			    ":\"%s\",\"position\":%llu,\"topic\":\"%s\","
			    "\"state\":%s}' AS j);%s\n", id,
			    (unsigned long long)pos, topic(pos), st,
			    ack ? " SELECT last_insert_rowid();" : "");
		else
			printf("{\"sequence_id\":\"%s\",\"position\":%llu,"
			    "\"topic\":\"%s\",\"state\":%s}\n", id,
			    (unsigned long long)pos, topic(pos), st);
	}
	return fflush(stdout) != 0;
}
