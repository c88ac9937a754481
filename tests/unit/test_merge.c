/* test_merge.c: RFC 7386 merge patch: the test vectors of its Appendix A,
 * exact numbers, member order, and repeated keys. */
#include <stdlib.h>

#include "es.h"
#include "tap.h"

static void
vector(const char *target, const char *patch, const char *want)
{
	es_buf	 out = { 0 };
	int	 rc;

	rc = es_merge_patch(&out, target, strlen(target), patch, strlen(patch));
	ok(rc == 0, "merge %s with %s", target, patch);
	is_mem(out.p, out.len, want, "gives %s", want);
	es_buf_free(&out);
}

int
main(void)
{
	es_merge	*m;
	es_buf		 out = { 0 };

	/* RFC 7386, Appendix A. */
	vector("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	vector("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}");
	vector("{\"a\":\"b\"}", "{\"a\":null}", "{}");
	vector("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}");
	vector("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	vector("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}");
	vector("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
	    "{\"a\":{\"b\":\"d\"}}");
	vector("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}");
	vector("[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]");
	vector("{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]");
	vector("{\"a\":\"foo\"}", "null", "null");
	vector("{\"a\":\"foo\"}", "\"bar\"", "\"bar\"");
	vector("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}");
	vector("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}");
	vector("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}");

	/* Numbers keep their lexemes; members keep their places. */
	vector("{\"n\":1.50,\"m\":9007199254740993}", "{\"n\":2.0e3}",
	    "{\"n\":2.0e3,\"m\":9007199254740993}");
	vector("{\"a\":1,\"b\":2,\"c\":3}", "{\"b\":null,\"d\":4,\"a\":5}",
	    "{\"a\":5,\"c\":3,\"d\":4}");
	vector("{\"a\":1}", "{\"a\":1,\"a\":2}", "{\"a\":2}");
	vector(" { \"a\" : [ 1 , 2 ] } ", "{\"b\":\"\\u00e9\"}",
	    "{\"a\":[1,2],\"b\":\"é\"}");

	/* A fold over many patches stays right across compactions. */
	es_merge_new(&m);
	for (int i = 0; i < 20000; i++) {
		char patch[256];
		int n = snprintf(patch, sizeof(patch),
		    "{\"count\":%d,\"pad\":\"%0100d\",\"gone\":null}", i, i);
		if (es_merge_apply(m, patch, (size_t)n) != 0)
			break;
	}
	es_merge_result(m, &out);
	ok(out.len > 0 && strncmp(out.p, "{\"count\":19999,", 15) == 0,
	    "20,000 patches folded: %.30s", out.p);
	es_merge_reset(m);
	ok(es_merge_apply(m, "{\"a\":null,\"b\":{\"c\":null}}", 25) == 0,
	    "a first patch");
	out.len = 0;
	es_merge_result(m, &out);
	is_mem(out.p, out.len, "{\"b\":{}}", "nulls of a first patch removed");
	ok(es_merge_apply(m, "{\"a\":", 5) == ES_EDATA, "not JSON: refused");
	es_merge_free(m);
	es_buf_free(&out);
	return tap_done();
}
