/* fuzz_merge.c: libFuzzer target for the RFC 7386 merge patch: target and
 * patch split at the first NUL; no crash, and the result is canonical
 * JSON. */
#include <stdlib.h>
#include <string.h>

#include "es.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char	*s = (const char *)data, *nul;
	es_buf		 out = { 0 }, again = { 0 };
	es_json_err	 err;
	size_t		 tn;

	if ((nul = memchr(s, '\0', size)) == NULL)
		return 0;
	tn = (size_t)(nul - s);
	if (es_merge_patch(&out, s, tn, nul + 1, size - tn - 1) == 0) {
		if (es_json_canon(&again, out.p, out.len, &err) != 0 ||
		    again.len != out.len || memcmp(again.p, out.p, out.len))
			abort();
	}
	es_buf_free(&out);
	es_buf_free(&again);
	return 0;
}
