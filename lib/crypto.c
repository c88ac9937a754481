/* crypto.c: OpenSSL's libcrypto, loaded when a key is first used.  Most
 * runs have no key, and linking the library costs every process about a
 * millisecond of symbol binding at start. */
#include <dlfcn.h>
#include <stdio.h>

#include <openssl/opensslv.h>

#include "crypto.h"

#define STR(x)	#x
#define XSTR(x)	STR(x)
#define SONAME	"libcrypto.so." XSTR(OPENSSL_VERSION_MAJOR)

static struct es_crypto table;
static char error[256];

const struct es_crypto *
es_crypto_load(void)
{
	static int	 loaded;
	void		*lib;

	if (loaded)
		return loaded > 0 ? &table : NULL;
	loaded = -1;
	if ((lib = dlopen(SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(error, sizeof(error), "cannot load %s: %s", SONAME,
		    dlerror());
		return NULL;
	}
#define ES_CRYPTO_LOAD(f)						\
	if ((*(void **)&table.f = dlsym(lib, #f)) == NULL) {		\
		snprintf(error, sizeof(error), "%s has no %s", SONAME, #f); \
		return NULL;						\
	}
	ES_CRYPTO_FUNCTIONS(ES_CRYPTO_LOAD)
#undef ES_CRYPTO_LOAD
	loaded = 1;
	return &table;
}

const char *
es_crypto_error(void)
{
	return error;
}
