/* test_cipher.c: the seed's AESCipher format (contract.md §4): test
 * vectors, round trips, and every damaged-ciphertext case refused. */
#include <stdlib.h>

#include "es.h"
#include "tap.h"

static const unsigned char nonce[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    10, 11 };

static es_cipher *
cipher(int len, int first)
{
	unsigned char	 key[32];
	es_cipher	*c;
	int		 i;

	for (i = 0; i < len; i++)
		key[i] = (unsigned char)(first + i);
	return es_cipher_new(&c, key, (size_t)len) == 0 ? c : NULL;
}

static int
decrypts(es_cipher *c, const char *text, const char *want, const char **why)
{
	es_buf	 out = { 0 };
	int	 rc, same;

	*why = NULL;
	rc = es_cipher_decrypt(c, text, strlen(text), &out, why);
	same = rc == 0 && want && out.len == strlen(want) &&
	    memcmp(out.p, want, out.len) == 0;
	es_buf_free(&out);
	return want ? same : rc == ES_EDATA;
}

int
main(void)
{
	static const char v256[] =
	    "AAECAwQFBgcICQoLlA9br7Ybc6TmiMzWa/JsJj+efU2PsXApIUSXg5vrcQ==";
	static const char v128[] =
	    "AAECAwQFBgcICQoLDxDijbSdrd6/R55tvAqSLuvwDJgsT0Vm59dhghyheQ==";
	es_cipher	*k256 = cipher(32, 0), *k128 = cipher(16, 0);
	es_cipher	*wrong = cipher(32, 1), *c;
	es_buf		 out = { 0 };
	const char	*why;
	unsigned char	 key[20] = { 0 };

	ok(k256 && k128 && wrong, "keys of 16 and 32 bytes");
	ok(es_cipher_new(&c, key, 20) == ES_EUSAGE && c == NULL,
	    "a key of 20 bytes is refused");

	/* contract.md §4.3: the vectors, both ways. */
	ok(es_cipher_encrypt_nonce(k256, "{\"a\":1}", 7, nonce, &out) == 0,
	    "encrypt with AES-256");
	is_mem(out.p, out.len, v256, "AES-256 vector");
	out.len = 0;
	ok(es_cipher_encrypt_nonce(k128, "{\"a\":1}", 7, nonce, &out) == 0,
	    "encrypt with AES-128");
	is_mem(out.p, out.len, v128, "AES-128 vector");
	ok(decrypts(k256, v256, "{\"a\":1}", &why), "AES-256 vector decrypts");
	ok(decrypts(k128, v128, "{\"a\":1}", &why), "AES-128 vector decrypts");
	ok(decrypts(wrong, v256, NULL, &why) && strcmp(why,
	    "MAC check failed") == 0, "a wrong key: MAC check failed");

	/* contract.md §4.2: damaged ciphertexts. */
	ok(decrypts(k256, "AAECAwQFBgcICQoLlA9br7Ybc6TmiMzWa/JsJj+efU2PsXApIUSXg"
	    "5vrcQ=", NULL, &why) && strstr(why, "padding"),
	    "bad padding: %s", why);
	ok(decrypts(k256, "AAECAwQFBgcICQoLlA9br7Ybc6TmiMzWa/JsJj+efU2PsXApIUSXg"
	    "5vrcA==", NULL, &why) && strcmp(why, "MAC check failed") == 0,
	    "a changed byte: MAC check failed");
	ok(decrypts(k256, "AAECAwQF", NULL, &why) &&
	    strcmp(why, "invalid nonce length") == 0, "short: nonce length");
	ok(decrypts(k256, "AAECAwQFBgcICQoLlA9br7Yb", NULL, &why) &&
	    strcmp(why, "invalid tag length") == 0, "short: tag length");
	ok(decrypts(k256, "", NULL, &why), "empty: refused");
	ok(decrypts(k256, "AAECAwQFBgcICQoLlA9br7Ybc6TmiMzWa/JsJj+efU2PsXApIUSXg"
	    "5vr", NULL, &why), "truncated ciphertext refused");
	ok(decrypts(k256, "AAECAwQFBgcICQoL\nlA9br7Ybc6TmiMzWa/JsJj+efU2PsXApI"
	    "USXg5vrcQ==", "{\"a\":1}", &why),
	    "bytes outside the alphabet are skipped, as by Python");

	/* Random nonces: two encryptions differ, both decrypt. */
	out.len = 0;
	es_cipher_encrypt(k256, "{\"b\":[1,2,3]}", 13, &out);
	es_buf_addc(&out, '\0');
	ok(decrypts(k256, out.p, "{\"b\":[1,2,3]}", &why), "round trip");
	{
		es_buf other = { 0 };

		es_cipher_encrypt(k256, "{\"b\":[1,2,3]}", 13, &other);
		ok(other.len == out.len - 1 && memcmp(other.p, out.p,
		    other.len) != 0, "a fresh nonce each time");
		es_buf_free(&other);
	}
	out.len = 0;
	ok(es_base64_decode(&out, "AAE=", 4, 1, &why) == 0 && out.len == 2,
	    "strict base64");
	out.len = 0;
	ok(es_base64_decode(&out, "AA E=", 5, 1, &why) == ES_EDATA,
	    "strict base64 refuses a space");
	es_buf_free(&out);
	es_cipher_free(k256);
	es_cipher_free(k128);
	es_cipher_free(wrong);
	return tap_done();
}
