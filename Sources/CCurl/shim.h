#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call. They are wrapped
// once per argument type; Swift names each option in a typed method on top of these.

static inline CURLcode CCurl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode CCurl_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode CCurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*CCurl_data_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode CCurl_easy_setopt_callback(CURL *handle, CURLoption option,
                                                  CCurl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode CCurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

// The option and info constants are enum values in curl.h but some are built by macros that
// Swift does not import; these name the ones Darkroom uses.
static const CURLoption CCurl_OPT_URL = CURLOPT_URL;
static const CURLoption CCurl_OPT_HTTPHEADER = CURLOPT_HTTPHEADER;
static const CURLoption CCurl_OPT_CUSTOMREQUEST = CURLOPT_CUSTOMREQUEST;
static const CURLoption CCurl_OPT_NOBODY = CURLOPT_NOBODY;
static const CURLoption CCurl_OPT_HTTPGET = CURLOPT_HTTPGET;
static const CURLoption CCurl_OPT_POSTFIELDS = CURLOPT_POSTFIELDS;
static const CURLoption CCurl_OPT_POSTFIELDSIZE_LARGE = CURLOPT_POSTFIELDSIZE_LARGE;
static const CURLoption CCurl_OPT_WRITEFUNCTION = CURLOPT_WRITEFUNCTION;
static const CURLoption CCurl_OPT_WRITEDATA = CURLOPT_WRITEDATA;
static const CURLoption CCurl_OPT_HEADERFUNCTION = CURLOPT_HEADERFUNCTION;
static const CURLoption CCurl_OPT_HEADERDATA = CURLOPT_HEADERDATA;
static const CURLoption CCurl_OPT_CONNECTTIMEOUT_MS = CURLOPT_CONNECTTIMEOUT_MS;
static const CURLoption CCurl_OPT_TIMEOUT_MS = CURLOPT_TIMEOUT_MS;
static const CURLoption CCurl_OPT_NOSIGNAL = CURLOPT_NOSIGNAL;
static const CURLoption CCurl_OPT_ERRORBUFFER = CURLOPT_ERRORBUFFER;
static const CURLoption CCurl_OPT_SSL_VERIFYPEER = CURLOPT_SSL_VERIFYPEER;
static const CURLoption CCurl_OPT_SSL_VERIFYHOST = CURLOPT_SSL_VERIFYHOST;
static const CURLoption CCurl_OPT_TCP_KEEPALIVE = CURLOPT_TCP_KEEPALIVE;
static const CURLoption CCurl_OPT_POST = CURLOPT_POST;
static const CURLoption CCurl_OPT_PATH_AS_IS = CURLOPT_PATH_AS_IS;
static const CURLINFO CCurl_INFO_RESPONSE_CODE = CURLINFO_RESPONSE_CODE;

#endif
