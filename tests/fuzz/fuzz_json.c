/* fuzz_json.c: libFuzzer target for the JSON scanner: no crash, and the
 * canonical text of canonical text is itself. */
#include <stdlib.h>
#include <string.h>

#include "es.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	es_buf		 a = { 0 }, b = { 0 };
	es_json_err	 err;

	if (es_utf8_check((const char *)data, size) != size)
		return 0;
	if (es_json_canon(&a, (const char *)data, size, &err) == 0 &&
	    !err.surrogate) {
		if (es_json_canon(&b, a.p, a.len, &err) != 0 || a.len != b.len ||
		    memcmp(a.p, b.p, a.len) != 0)
			abort();
	}
	es_buf_free(&a);
	es_buf_free(&b);
	return 0;
}
