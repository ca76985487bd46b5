/*
 * HMAC-SHA256 (the customer lookups' blind index) through Node's OpenSSL with
 * the key set up once per key: node:crypto's createHmac makes and keys a new
 * context for every value and returns the digest in a freshly malloc'ed
 * Buffer. Here the context is re-initialised from the key it already holds,
 * and the digest goes into a Buffer the caller takes from Node's pool.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "addon.h"
#include "napi_args.h"

#define DIGEST_BYTES 32

static const napi_type_tag HMAC_KEY = {0x5d0e3b9a17c46f82ULL, 0xe41a7c2d096b35f8ULL};

static void free_key(napi_env env, void *data, void *hint) { EVP_MAC_CTX_free(data); }

/* createHmacKey(key: Buffer, not empty) -> an opaque key for hmacInto. */
static napi_value create_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *material;
  size_t length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_buffer_info(env, argv[0], &material, &length) != napi_ok || length == 0)
    return fail(env, "createHmacKey takes a non-empty Buffer");
  EVP_MAC *hmac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
  EVP_MAC_CTX *key = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
  EVP_MAC_free(hmac); /* the context holds its own reference */
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
                         OSSL_PARAM_construct_end()};
  if (!key || EVP_MAC_init(key, material, length, params) != 1) {
    EVP_MAC_CTX_free(key);
    return fail(env, "OpenSSL could not set up HMAC-SHA256");
  }
  return wrap_key(env, key, &HMAC_KEY, free_key);
}

/* hmacInto(key, message: string, out: Buffer of 32 bytes): the HMAC of the message's UTF-8. */
static napi_value hmac_into(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  EVP_MAC_CTX *key = keyed_call(env, info, 3, argv, &HMAC_KEY,
                                "hmacInto: not an HMAC key (it takes a key, a message and an output Buffer)");
  if (!key) return NULL;
  unsigned char *out;
  size_t out_length;
  if (napi_get_buffer_info(env, argv[2], (void **)&out, &out_length) != napi_ok || out_length != DIGEST_BYTES)
    return fail(env, "hmacInto: the output must be a Buffer of 32 bytes");
  scratch message = {.bytes = NULL};
  size_t message_length, written;
  if (!utf8_argument(env, argv[1], &message, &message_length)) {
    fail(env, "hmacInto: the message must be a string");
  } else if (EVP_MAC_init(key, NULL, 0, NULL) != 1 || EVP_MAC_update(key, message.bytes, message_length) != 1 ||
             EVP_MAC_final(key, out, &written, DIGEST_BYTES) != 1 || written != DIGEST_BYTES) {
    fail(env, "OpenSSL could not compute the HMAC");
  }
  scratch_release(&message);
  return NULL;
}

void register_hmac_sha256(napi_env env, napi_value exports) {
  napi_property_descriptor functions[] = {
      {"createHmacKey", NULL, create_key, NULL, NULL, NULL, napi_enumerable, NULL},
      {"hmacInto", NULL, hmac_into, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
}
