/* crypto.h: the functions of OpenSSL's libcrypto es uses, loaded when a key
 * is first used (lib only). */
#ifndef ES_CRYPTO_H
#define ES_CRYPTO_H

#include <openssl/evp.h>
#include <openssl/rand.h>

/* The functions, as pointers of their own types. */
#define ES_CRYPTO_FUNCTIONS(F)						\
	F(EVP_CIPHER_CTX_new)	F(EVP_CIPHER_CTX_free)			\
	F(EVP_CIPHER_CTX_ctrl)	F(EVP_aes_128_gcm)			\
	F(EVP_aes_192_gcm)	F(EVP_aes_256_gcm)			\
	F(EVP_EncryptInit_ex)	F(EVP_EncryptUpdate)			\
	F(EVP_EncryptFinal_ex)	F(EVP_DecryptInit_ex)			\
	F(EVP_DecryptUpdate)	F(EVP_DecryptFinal_ex)			\
	F(EVP_EncodeBlock)	F(RAND_bytes)

struct es_crypto {
#define ES_CRYPTO_POINTER(f)	__typeof__(&f) f;
	ES_CRYPTO_FUNCTIONS(ES_CRYPTO_POINTER)
#undef ES_CRYPTO_POINTER
};

/* Load libcrypto once: the table, or NULL (see es_crypto_error()). */
const struct es_crypto *es_crypto_load(void);
const char *es_crypto_error(void);

#endif
