/* test_json.c: the JSON scanner's canonical text, and UTF-8 checks. */
#include <stdlib.h>

#include "es.h"
#include "tap.h"

static void
canon(const char *in, const char *want)
{
	es_buf		 out = { 0 };
	es_json_err	 err;
	int		 rc;

	rc = es_json_canon(&out, in, strlen(in), &err);
	if (want == NULL)
		ok(rc == ES_EDATA, "refused: %s (%s)", in,
		    err.reason ? err.reason : "accepted");
	else {
		ok(rc == 0, "accepted: %s", in);
		is_mem(out.p, out.len, want, "canonical: %s", in);
	}
	es_buf_free(&out);
}

int
main(void)
{
	es_buf		 b = { 0 };
	es_json_err	 err;

	/* Numbers keep their lexemes: SPEC §2, "the same value". */
	canon(" 1.0 ", "1.0");
	canon("1e3", "1e3");
	canon("-0", "-0");
	canon("12345678901234567890", "12345678901234567890");
	canon("9007199254740993", "9007199254740993");
	canon("{ \"a\" : [ 1 , 2.50 , true , false , null ] }",
	    "{\"a\":[1,2.50,true,false,null]}");
	/* Strings come back in the one canonical escaping. */
	canon("\"\\u00e9\\/\\n\\u0001\\u001F\"", "\"é/\\n\\u0001\\u001f\"");
	canon("\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"");
	canon("\"\x7f\"", "\"\x7f\"");
	/* Not JSON. */
	canon("", NULL);
	canon("01", NULL);
	canon("1.", NULL);
	canon(".5", NULL);
	canon("+1", NULL);
	canon("NaN", NULL);
	canon("Infinity", NULL);
	canon("[1,]", NULL);
	canon("{\"a\":1,}", NULL);
	canon("{'a':1}", NULL);
	canon("\"a\tb\"", NULL);
	canon("\"\\x\"", NULL);
	canon("\"abc", NULL);
	canon("[1] [2]", NULL);
	canon("tru", NULL);
	ok(es_json_canon(&b, "\"\\ud800\"", 8, &err) == 0 && err.surrogate,
	    "a lone surrogate is flagged");
	b.len = 0;
	{
		char deep[2 * ES_JSON_MAXDEPTH + 10];
		size_t i, n = 0;

		for (i = 0; i < ES_JSON_MAXDEPTH + 1; i++)
			deep[n++] = '[';
		for (i = 0; i < ES_JSON_MAXDEPTH + 1; i++)
			deep[n++] = ']';
		ok(es_json_canon(&b, deep, n, &err) == ES_EDATA,
		    "nesting deeper than %d is refused", ES_JSON_MAXDEPTH);
	}
	/* UTF-8: what Python's strict decoder refuses, we refuse. */
	ok(es_utf8_check("abc\xc3\xa9", 5) == 5, "valid UTF-8");
	ok(es_utf8_check("ab\xff", 3) == 2, "0xff is invalid at byte 2");
	ok(es_utf8_check("\xc0\xaf", 2) == 0, "overlong encoding refused");
	ok(es_utf8_check("\xed\xa0\x80", 3) == 0, "encoded surrogate refused");
	ok(es_utf8_check("\xf4\x90\x80\x80", 4) == 0, "above U+10FFFF refused");
	ok(es_utf8_check("\xe2\x82", 2) == 0, "truncated sequence refused");
	b.len = 0;
	es_json_add_string(&b, "a\"b\\c\n\x01", 7);
	is_mem(b.p, b.len, "\"a\\\"b\\\\c\\n\\u0001\"", "string escaping");
	b.len = 0;
	es_buf_add_us(&b, 1700000000123456LL);
	is_mem(b.p, b.len, "1700000000.123456", "microseconds as seconds");
	b.len = 0;
	es_buf_add_i64(&b, INT64_MAX);
	is_mem(b.p, b.len, "9223372036854775807", "2^63-1");
	es_buf_free(&b);
	return tap_done();
}
