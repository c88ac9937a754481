/* fuzz_item.c: libFuzzer target for the input codec (items, batches,
 * envelopes, snapshots): no crash, and an accepted unit is well-formed. */
#include <stdlib.h>
#include <string.h>

#include "es.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static es_parser *p[8];
	unsigned	 flags;
	es_unit		 u;
	size_t		 i;
	int		 rc;

	if (size == 0)
		return 0;
	flags = data[0] & 7;
	if (p[flags] == NULL && es_parser_new(&p[flags], flags) != 0)
		abort();
	rc = es_parse_line(p[flags], (const char *)data + 1, size - 1,
	    "line 1", &u);
	if (rc == ES_EDATA && strncmp(es_parser_errmsg(p[flags]), "line 1: ",
	    8) != 0)
		abort();	/* every refusal names the line */
	if (rc != 0)
		return 0;
	for (i = 0; i < u.n_items; i++) {
		const es_item *it = &u.items[i];

		if (it->seq_len == 0 || it->seq_len > ES_SEQ_MAX ||
		    memchr(it->seq, '\0', it->seq_len) || it->topic_len == 0 ||
		    es_utf8_check(it->seq, it->seq_len) != it->seq_len ||
		    ((it->flags & ES_ITEM_POS) && it->pos < 0))
			abort();
	}
	return 0;
}
