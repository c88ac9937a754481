/* test_item.c: the input codec: items, batches, envelopes, bad input. */
#include <stdlib.h>

#include "es.h"
#include "tap.h"

static es_parser *P;

static int
parse(const char *line, es_unit *u)
{
	return es_parse_line(P, line, strlen(line), "line 7", u);
}

/* A line that must be refused, with a message naming the field. */
static void
bad(const char *line, const char *needle)
{
	es_unit	 u;
	int	 rc = parse(line, &u);

	ok(rc == ES_EDATA && strstr(es_parser_errmsg(P), needle) &&
	    strncmp(es_parser_errmsg(P), "line 7: ", 8) == 0,
	    "refused: %s -> %s", line, rc == ES_EDATA ?
	    es_parser_errmsg(P) : "accepted");
}

int
main(void)
{
	es_unit	 u;
	es_item	*it;

	es_parser_new(&P, 0);
	ok(parse("{\"sequence_id\":\"a\",\"position\":9223372036854775807,"
	    "\"topic\":\"t\",\"state\":{\"x\": 1.0}}", &u) == 0,
	    "an item at 2^63-1");
	it = &u.items[0];
	ok(u.n_items == 1 && u.kind == ES_UNIT_ITEM && it->pos == INT64_MAX &&
	    (it->flags & ES_ITEM_POS), "one item, exact position");
	is_mem(it->state, it->state_len, "{\"x\":1.0}", "state canonical");
	is_mem(it->seq, it->seq_len, "a", "sequence id");
	ok(parse("  \t\r", &u) == 1, "a blank line is no unit");
	/* Canonical states are used as they stand; others are rewritten. */
	ok(parse("{\"sequence_id\":\"a\",\"topic\":\"t\",\"state\":"
	    "{\"a\":[1,\"\\u001f\\n\"]}}", &u) == 0, "canonical state");
	is_mem(u.items[0].state, u.items[0].state_len,
	    "{\"a\":[1,\"\\u001f\\n\"]}", "kept as it stands");
	ok(parse("{\"sequence_id\":\"a\",\"topic\":\"t\",\"state\":"
	    "{\"a\":[1, \"\\u001F\\u0008\\/\\u0041\"]}}", &u) == 0,
	    "state needing rewriting");
	is_mem(u.items[0].state, u.items[0].state_len,
	    "{\"a\":[1,\"\\u001f\\b/A\"]}", "escapes and space rewritten");
	ok(parse("{\"sequence_id\":\"a\",\"topic\":\"t\",\"state\":"
	    "{\"a\": 1},\"causal_dependencies\":[ ]}", &u) == 0, "causal");
	is_mem(u.items[0].causal, u.items[0].causal_len, "[]",
	    "causal dependencies canonical");
	ok(parse("[{\"originator_id\":\"5F0C2C5E-0000-4000-8000-00000000000A\","
	    "\"topic\":\"t\",\"state\":1},{\"sequence_id\":"
	    "\"5f0c2c5e000040008000000000000000\",\"topic\":\"t\","
	    "\"state\":null,\"causal_dependencies\":[]}]", &u) == 0 &&
	    u.n_items == 2 && u.kind == ES_UNIT_BATCH, "a batch of two");
	is_mem(u.items[0].seq, u.items[0].seq_len,
	    "5f0c2c5e-0000-4000-8000-00000000000a", "UUID lowercased");
	is_mem(u.items[1].seq, u.items[1].seq_len,
	    "5f0c2c5e-0000-4000-8000-000000000000", "32 hex digits canonical");
	ok(!(u.items[0].flags & ES_ITEM_POS), "no position: next");
	ok(u.items[1].flags & ES_ITEM_CAUSAL, "causal dependencies kept");
	ok(parse("{\"items\":[],\"tracking\":{\"application_name\":\"up\","
	    "\"pipeline_id\":2,\"notification_id\":5}}", &u) == 0 &&
	    u.kind == ES_UNIT_ENVELOPE && u.n_items == 0 && u.tracking &&
	    u.tracking->nid == 5 && u.tracking->pipeline == 2,
	    "an envelope with no items");
	is_mem(u.tracking->upstream, u.tracking->upstream_len, "up",
	    "tracking upstream name");

	/* SPEC §2: every bad input names the line and the field. */
	bad("{\"sequence_id\":\"a\",\"topic\":\"t\"", "not JSON");
	bad("42", "expected an item object");
	bad("{\"sequence_id\":\"a\",\"topic\":\"t\"}", "state: missing field");
	bad("{\"sequence_id\":\"a\",\"topic\":\"t\",\"state\":1,\"x\":2}",
	    "x: unknown field");
	bad("{\"sequence_id\":\"a\",\"sequence_id\":\"b\",\"topic\":\"t\","
	    "\"state\":1}", "sequence_id: duplicate field");
	bad("{\"sequence_id\":\"a\",\"originator_id\":\"b\",\"topic\":\"t\","
	    "\"state\":1}", "originator_id: the same field as sequence_id");
	bad("{\"sequence_id\":\"\",\"topic\":\"t\",\"state\":1}",
	    "sequence_id: must not be empty");
	bad("{\"sequence_id\":1,\"topic\":\"t\",\"state\":1}",
	    "sequence_id: must be a string");
	bad("{\"sequence_id\":\"a\\u0000\",\"topic\":\"t\",\"state\":1}",
	    "sequence_id: must not contain NUL");
	bad("{\"sequence_id\":\"a\",\"topic\":\"\",\"state\":1}",
	    "topic: must not be empty");
	bad("{\"sequence_id\":\"a\",\"position\":1.0,\"topic\":\"t\","
	    "\"state\":1}", "position: must be an integer");
	bad("{\"sequence_id\":\"a\",\"position\":1e3,\"topic\":\"t\","
	    "\"state\":1}", "position: must be an integer");
	bad("{\"sequence_id\":\"a\",\"position\":\"3\",\"topic\":\"t\","
	    "\"state\":1}", "position: must be an integer");
	bad("{\"sequence_id\":\"a\",\"position\":-0,\"topic\":\"t\","
	    "\"state\":1}", "position: position out of range");
	bad("{\"sequence_id\":\"a\",\"position\":9223372036854775808,"
	    "\"topic\":\"t\",\"state\":1}", "position: position out of range");
	bad("[{\"sequence_id\":\"a\",\"topic\":\"t\",\"state\":1},3]",
	    "item 2: an item must be a JSON object");
	bad("{\"items\":[{\"sequence_id\":\"a\",\"topic\":\"t\"}],"
	    "\"tracking\":{\"application_name\":\"u\",\"pipeline_id\":0,"
	    "\"notification_id\":1}}", "items[0]: state: missing field");
	bad("{\"items\":[]}", "tracking: missing field in an envelope");
	bad("{\"items\":[],\"tracking\":{\"application_name\":\"u\","
	    "\"pipeline_id\":2147483648,\"notification_id\":1}}",
	    "tracking.pipeline_id");
	bad("{\"sequence_id\":\"a\",\"topic\":\"t\",\"state\":\"\\udc00\"}",
	    "state: invalid Unicode");
	bad("{\"sequence_id\":\"a\xff\",\"topic\":\"t\",\"state\":1}",
	    "invalid UTF-8 at byte 18");
	{
		char	 line[400];

		snprintf(line, sizeof(line), "{\"sequence_id\":\"%0256d\","
		    "\"topic\":\"t\",\"state\":1}", 0);
		bad(line, "sequence_id: longer than 255 bytes");
	}
	es_parser_free(P);

	/* Timestamp positions: exact microseconds. */
	es_parser_new(&P, ES_PARSE_TIMESTAMP);
	ok(parse("{\"sequence_id\":\"a\",\"position\":1700000000.123456,"
	    "\"topic\":\"t\",\"state\":1}", &u) == 0 &&
	    u.items[0].pos == 1700000000123456LL, "decimal seconds");
	ok(parse("{\"sequence_id\":\"a\",\"position\":15e-1,"
	    "\"topic\":\"t\",\"state\":1}", &u) == 0 &&
	    u.items[0].pos == 1500000, "an exponent, exact");
	bad("{\"sequence_id\":\"a\",\"position\":1.1234567,\"topic\":\"t\","
	    "\"state\":1}", "at most 6 decimal places");
	es_parser_free(P);

	/* --verbatim: the state is a string stored as is. */
	es_parser_new(&P, ES_PARSE_VERBATIM);
	ok(parse("{\"sequence_id\":\"a\",\"topic\":\"t\",\"state\":"
	    "\"{\\\"a\\\": 1}\"}", &u) == 0 &&
	    !(u.items[0].flags & ES_ITEM_STATE_JSON), "verbatim state");
	is_mem(u.items[0].state, u.items[0].state_len, "{\"a\": 1}",
	    "verbatim text kept byte for byte");
	bad("{\"sequence_id\":\"a\",\"topic\":\"t\",\"state\":{}}",
	    "state: must be a string with --verbatim");
	es_parser_free(P);
	return tap_done();
}
