#ifndef CCRYPTO_SHIM_H
#define CCRYPTO_SHIM_H

// OpenSSL's one-shot digest and MAC functions are plain C and import directly; this header
// only gathers the includes Darkroom uses (err.h: the reason a digest step failed; pem.h and
// bio.h: reading the CloudFront signing key, an RSA key in PEM, from memory).
#include <openssl/sha.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/err.h>

#endif
