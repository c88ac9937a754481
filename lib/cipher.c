/* cipher.c: state encryption in the seed's AESCipher format: zlib, then
 * AES-GCM with a random 12-byte nonce, stored as base64(nonce, tag, text). */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <zlib.h>

#include "es.h"

#define NONCE	12
#define TAG	16

struct es_cipher {
	const EVP_CIPHER *aes;
	unsigned char	 key[32];
	EVP_CIPHER_CTX	*ctx;
	es_buf		 tmp;		/* compressed or raw bytes */
};

int
es_cipher_new(es_cipher **cp, const unsigned char *key, size_t len)
{
	es_cipher *c;

	*cp = NULL;
	if (len != 16 && len != 24 && len != 32)
		return ES_EUSAGE;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->ctx = EVP_CIPHER_CTX_new()) == NULL) {
		free(c);
		return ES_ENOMEM;
	}
	c->aes = len == 16 ? EVP_aes_128_gcm() : len == 24 ?
	    EVP_aes_192_gcm() : EVP_aes_256_gcm();
	memcpy(c->key, key, len);
	*cp = c;
	return 0;
}

void
es_cipher_free(es_cipher *c)
{
	if (c == NULL)
		return;
	OPENSSL_cleanse(c->key, sizeof(c->key));
	EVP_CIPHER_CTX_free(c->ctx);
	es_buf_free(&c->tmp);
	free(c);
}

/* Encrypt tmp[0..n) in place behind nonce and tag, at the end of tmp. */
static int
seal(es_cipher *c, const unsigned char *nonce, size_t n)
{
	unsigned char	*p;
	int		 len, ok;

	if (es_buf_reserve(&c->tmp, NONCE + TAG + n + 16) != 0)
		return ES_ENOMEM;
	p = (unsigned char *)c->tmp.p;
	memmove(p + NONCE + TAG, p, n);
	memcpy(p, nonce, NONCE);
	ok = EVP_EncryptInit_ex(c->ctx, c->aes, NULL, NULL, NULL) &&
	    EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL) &&
	    EVP_EncryptInit_ex(c->ctx, NULL, NULL, c->key, nonce) &&
	    EVP_EncryptUpdate(c->ctx, p + NONCE + TAG, &len, p + NONCE + TAG,
	    (int)n) &&
	    EVP_EncryptFinal_ex(c->ctx, p + NONCE + TAG + len, &len) &&
	    EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_GCM_GET_TAG, TAG, p + NONCE);
	c->tmp.len = NONCE + TAG + n;
	return ok ? 0 : ES_EINTERNAL;
}

int
es_cipher_encrypt_nonce(es_cipher *c, const char *plain, size_t n,
    const unsigned char nonce[12], es_buf *out)
{
	uLongf	 zlen = compressBound((uLong)n);
	size_t	 start;
	int	 rc;

	if (n > INT32_MAX / 2)
		return ES_EDATA;
	if (es_buf_reserve(&c->tmp, zlen + NONCE + TAG + 16) != 0)
		return ES_ENOMEM;
	if (compress2((Bytef *)c->tmp.p, &zlen, (const Bytef *)plain, n,
	    Z_DEFAULT_COMPRESSION) != Z_OK)
		return ES_EINTERNAL;
	if ((rc = seal(c, nonce, zlen)) != 0)
		return rc;
	start = out->len;
	if (es_buf_reserve(out, (c->tmp.len + 2) / 3 * 4 + 1) != 0)
		return ES_ENOMEM;
	out->len = start + (size_t)EVP_EncodeBlock((unsigned char *)out->p +
	    start, (const unsigned char *)c->tmp.p, (int)c->tmp.len);
	return 0;
}

int
es_cipher_encrypt(es_cipher *c, const char *plain, size_t n, es_buf *out)
{
	unsigned char nonce[NONCE];

	if (RAND_bytes(nonce, NONCE) != 1)
		return ES_EINTERNAL;
	return es_cipher_encrypt_nonce(c, plain, n, nonce, out);
}

static int
b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

int
es_base64_decode(es_buf *out, const char *s, size_t n, int strict,
    const char **why)
{
	unsigned char	*p;
	unsigned long	 acc = 0;
	size_t		 i, k = 0, pad = 0;
	int		 v;

	*why = "incorrect padding";
	if (es_buf_reserve(out, n / 4 * 3 + 3) != 0) {
		*why = "out of memory";
		return ES_ENOMEM;
	}
	p = (unsigned char *)out->p;
	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			if ((k + pad) % 4 < 2)
				return ES_EDATA;
			pad++;
			continue;
		}
		if ((v = b64val((unsigned char)s[i])) < 0) {
			if (!strict)
				continue;	/* as Python's b64decode */
			*why = "not base64";
			return ES_EDATA;
		}
		if (pad > 0)
			return ES_EDATA;
		acc = acc << 6 | (unsigned long)v;
		if (++k % 4 == 0) {
			p[out->len++] = (unsigned char)(acc >> 16);
			p[out->len++] = (unsigned char)(acc >> 8);
			p[out->len++] = (unsigned char)acc;
			acc = 0;
		}
	}
	if (k % 4 == 1) {
		*why = "invalid base64 length";
		return ES_EDATA;
	}
	if ((k + pad) % 4 != 0)
		return ES_EDATA;
	if (k % 4 == 2)
		p[out->len++] = (unsigned char)(acc >> 4);
	else if (k % 4 == 3) {
		p[out->len++] = (unsigned char)(acc >> 10);
		p[out->len++] = (unsigned char)(acc >> 2);
	}
	*why = NULL;
	return 0;
}

/* Inflate a zlib stream into out. */
static const char *
inflate_to(const unsigned char *z, size_t n, es_buf *out)
{
	z_stream zs;
	int	 rc;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return "out of memory";
	zs.next_in = (Bytef *)z;
	zs.avail_in = (uInt)n;
	do {
		if (es_buf_reserve(out, n * 2 + 256) != 0) {
			inflateEnd(&zs);
			return "out of memory";
		}
		zs.next_out = (Bytef *)out->p + out->len;
		zs.avail_out = (uInt)(out->cap - out->len - 1);
		rc = inflate(&zs, Z_NO_FLUSH);
		out->len = out->cap - 1 - zs.avail_out;
	} while (rc == Z_OK);
	inflateEnd(&zs);
	return rc == Z_STREAM_END ? NULL :
	    "decrypted data is not a zlib stream";
}

int
es_cipher_decrypt(es_cipher *c, const char *text, size_t n, es_buf *out,
    const char **why)
{
	unsigned char	*p;
	size_t		 len, start = out->len;
	int		 outl, ok;

	c->tmp.len = 0;
	if (es_base64_decode(&c->tmp, text, n, 0, why) != 0)
		return ES_EDATA;
	p = (unsigned char *)c->tmp.p;
	len = c->tmp.len;
	if (len < NONCE + TAG) {
		*why = len < NONCE ? "invalid nonce length" :
		    "invalid tag length";
		return ES_EDATA;
	}
	ok = EVP_DecryptInit_ex(c->ctx, c->aes, NULL, NULL, NULL) &&
	    EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL) &&
	    EVP_DecryptInit_ex(c->ctx, NULL, NULL, c->key, p) &&
	    EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_GCM_SET_TAG, TAG, p + NONCE) &&
	    EVP_DecryptUpdate(c->ctx, p + NONCE + TAG, &outl, p + NONCE + TAG,
	    (int)(len - NONCE - TAG)) &&
	    EVP_DecryptFinal_ex(c->ctx, p + NONCE + TAG + outl, &outl) > 0;
	if (!ok) {
		*why = "MAC check failed";
		return ES_EDATA;
	}
	if ((*why = inflate_to(p + NONCE + TAG, len - NONCE - TAG, out))
	    != NULL) {
		out->len = start;
		return ES_EDATA;
	}
	return 0;
}
