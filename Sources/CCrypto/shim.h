#ifndef CCRYPTO_SHIM_H
#define CCRYPTO_SHIM_H

// OpenSSL's one-shot digest and MAC functions are plain C and import directly; this header
// only gathers the includes Darkroom uses.
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>

#endif
