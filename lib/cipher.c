/* cipher.c: state encryption in the seed's AESCipher format: zlib, then
 * AES-GCM with a random 12-byte nonce, stored as base64(nonce, tag, text). */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "crypto.h"
#include "es.h"

#define NONCE	12
#define TAG	16

static const struct es_crypto *C;	/* libcrypto, once loaded */

struct es_cipher {
	EVP_CIPHER_CTX	*enc, *dec;	/* set up once with the key */
	es_buf		 tmp;		/* compressed or raw bytes */
	z_stream	 def, inf;	/* kept: their set-up costs much */
	int		 has_def, has_inf;
};

int
es_cipher_new(es_cipher **cp, const unsigned char *key, size_t len)
{
	const EVP_CIPHER *aes;
	es_cipher	*c;

	*cp = NULL;
	if (len != 16 && len != 24 && len != 32)
		return ES_EUSAGE;
	if (C == NULL && (C = es_crypto_load()) == NULL)
		return ES_EINTERNAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ES_ENOMEM;
	aes = len == 16 ? C->EVP_aes_128_gcm() : len == 24 ? C->EVP_aes_192_gcm() :
	    C->EVP_aes_256_gcm();
	if ((c->enc = C->EVP_CIPHER_CTX_new()) == NULL ||
	    (c->dec = C->EVP_CIPHER_CTX_new()) == NULL ||
	    !C->EVP_EncryptInit_ex(c->enc, aes, NULL, NULL, NULL) ||
	    !C->EVP_CIPHER_CTX_ctrl(c->enc, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL) ||
	    !C->EVP_EncryptInit_ex(c->enc, NULL, NULL, key, NULL) ||
	    !C->EVP_DecryptInit_ex(c->dec, aes, NULL, NULL, NULL) ||
	    !C->EVP_CIPHER_CTX_ctrl(c->dec, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL) ||
	    !C->EVP_DecryptInit_ex(c->dec, NULL, NULL, key, NULL)) {
		es_cipher_free(c);
		return ES_ENOMEM;
	}
	*cp = c;
	return 0;
}

const char *
es_cipher_why(void)
{
	return es_crypto_error();
}

void
es_cipher_free(es_cipher *c)
{
	if (c == NULL)
		return;
	C->EVP_CIPHER_CTX_free(c->enc);	/* cleanses the key schedule */
	C->EVP_CIPHER_CTX_free(c->dec);
	if (c->has_def)
		deflateEnd(&c->def);
	if (c->has_inf)
		inflateEnd(&c->inf);
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
	ok = C->EVP_EncryptInit_ex(c->enc, NULL, NULL, NULL, nonce) &&
	    C->EVP_EncryptUpdate(c->enc, p + NONCE + TAG, &len, p + NONCE + TAG,
	    (int)n) &&
	    C->EVP_EncryptFinal_ex(c->enc, p + NONCE + TAG + len, &len) &&
	    C->EVP_CIPHER_CTX_ctrl(c->enc, EVP_CTRL_GCM_GET_TAG, TAG, p + NONCE);
	c->tmp.len = NONCE + TAG + n;
	return ok ? 0 : ES_EINTERNAL;
}

/* zlib.compress(plain): the zlib format at the default level, as
 * compress2() makes it, with one deflate state reused. */
static int
deflate_to_tmp(es_cipher *c, const char *plain, size_t n, size_t *zlen)
{
	z_stream *z = &c->def;

	if (!c->has_def) {
		if (deflateInit(z, Z_DEFAULT_COMPRESSION) != Z_OK)
			return ES_ENOMEM;
		c->has_def = 1;
	} else if (deflateReset(z) != Z_OK)
		return ES_EINTERNAL;
	if (es_buf_reserve(&c->tmp, deflateBound(z, (uLong)n) + NONCE +
	    TAG + 16) != 0)
		return ES_ENOMEM;
	z->next_in = (Bytef *)plain;
	z->avail_in = (uInt)n;
	z->next_out = (Bytef *)c->tmp.p;
	z->avail_out = (uInt)(c->tmp.cap - NONCE - TAG - 16);
	if (deflate(z, Z_FINISH) != Z_STREAM_END)
		return ES_EINTERNAL;
	*zlen = z->total_out;
	return 0;
}

int
es_cipher_encrypt_nonce(es_cipher *c, const char *plain, size_t n,
    const unsigned char nonce[12], es_buf *out)
{
	size_t	 zlen, start;
	int	 rc;

	if (n > INT32_MAX / 2)
		return ES_EDATA;
	if ((rc = deflate_to_tmp(c, plain, n, &zlen)) != 0)
		return rc;
	if ((rc = seal(c, nonce, zlen)) != 0)
		return rc;
	start = out->len;
	if (es_buf_reserve(out, (c->tmp.len + 2) / 3 * 4 + 1) != 0)
		return ES_ENOMEM;
	out->len = start + (size_t)C->EVP_EncodeBlock((unsigned char *)out->p +
	    start, (const unsigned char *)c->tmp.p, (int)c->tmp.len);
	return 0;
}

int
es_cipher_encrypt(es_cipher *c, const char *plain, size_t n, es_buf *out)
{
	unsigned char nonce[NONCE];

	if (C->RAND_bytes(nonce, NONCE) != 1)
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

/* Inflate a zlib stream into out, with one inflate state reused. */
static const char *
inflate_to(es_cipher *c, const unsigned char *z, size_t n, es_buf *out)
{
	z_stream *zs = &c->inf;
	int	 rc;

	if (!c->has_inf) {
		if (inflateInit(zs) != Z_OK)
			return "out of memory";
		c->has_inf = 1;
	} else if (inflateReset(zs) != Z_OK)
		return "out of memory";
	zs->next_in = (Bytef *)z;
	zs->avail_in = (uInt)n;
	do {
		if (es_buf_reserve(out, n * 2 + 256) != 0)
			return "out of memory";
		zs->next_out = (Bytef *)out->p + out->len;
		zs->avail_out = (uInt)(out->cap - out->len - 1);
		rc = inflate(zs, Z_NO_FLUSH);
		out->len = out->cap - 1 - zs->avail_out;
	} while (rc == Z_OK);
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
	ok = C->EVP_DecryptInit_ex(c->dec, NULL, NULL, NULL, p) &&
	    C->EVP_CIPHER_CTX_ctrl(c->dec, EVP_CTRL_GCM_SET_TAG, TAG, p + NONCE) &&
	    C->EVP_DecryptUpdate(c->dec, p + NONCE + TAG, &outl, p + NONCE + TAG,
	    (int)(len - NONCE - TAG)) &&
	    C->EVP_DecryptFinal_ex(c->dec, p + NONCE + TAG + outl, &outl) > 0;
	if (!ok) {
		*why = "MAC check failed";
		return ES_EDATA;
	}
	if ((*why = inflate_to(c, p + NONCE + TAG, len - NONCE - TAG, out))
	    != NULL) {
		out->len = start;
		return ES_EDATA;
	}
	return 0;
}
