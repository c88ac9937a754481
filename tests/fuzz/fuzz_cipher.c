/* fuzz_cipher.c: libFuzzer target for the cipher decoder: no crash on any
 * text, and what encrypts decrypts to itself. */
#include <stdlib.h>
#include <string.h>

#include "es.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static es_cipher *c;
	static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
	es_buf		 out = { 0 }, ct = { 0 };
	const char	*why;

	if (c == NULL && es_cipher_new(&c, key, 32) != 0)
		abort();
	es_cipher_decrypt(c, (const char *)data, size, &out, &why);
	out.len = 0;
	if (es_cipher_encrypt(c, (const char *)data, size, &ct) != 0 ||
	    es_cipher_decrypt(c, ct.p, ct.len, &out, &why) != 0 ||
	    out.len != size || (size && memcmp(out.p, data, size) != 0))
		abort();
	es_buf_free(&out);
	es_buf_free(&ct);
	return 0;
}
