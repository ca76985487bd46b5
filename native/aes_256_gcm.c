/*
 * AES-256-GCM for short records through OpenSSL (the copy inside Node, whose
 * symbols Node exports to addons), with the key schedule set up once per key.
 *
 * Why not node:crypto: each createCipheriv/createDecipheriv sets up a new
 * OpenSSL context and key, and every update/final/getAuthTag returns a fresh
 * Buffer whose backing store is malloc'ed and later freed by V8's sweeper:
 * ~8 us of CPU to open one 290-byte record, against ~0.4 us here, where a
 * context per key and direction is reused (re-initialised with only the IV)
 * and plaintext goes straight between a JavaScript string and a scratch
 * buffer that is wiped after use (npm run bench -- customer-data-cipher).
 *
 * Sealed format (the same as node:crypto's, so either can read the other):
 * iv (12 random bytes) | tag (16) | ciphertext.
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <string.h>

#include "addon.h"
#include "napi_args.h"

#define KEY_BYTES 32
#define IV_BYTES 12
#define TAG_BYTES 16

typedef struct {
  EVP_CIPHER_CTX *seal;
  EVP_CIPHER_CTX *open;
} gcm_key;

static const napi_type_tag GCM_KEY = {0x8a2f6c1d94b3e705ULL, 0x2c71d0e9b5a84f36ULL};

/*
 * IVs come from a per-thread pool of CSPRNG bytes, each byte handed out once: RAND_bytes costs
 * ~2.6 us a call in OpenSSL 3.5 (its DRBG locking), about six times the rest of a seal, and as
 * much for 3 KiB as for 12 bytes. Node's crypto.randomUUID pools the same way.
 */
#define IV_POOL_BYTES (IV_BYTES * 256)
static _Thread_local unsigned char iv_pool[IV_POOL_BYTES];
static _Thread_local size_t iv_pool_used = IV_POOL_BYTES;

static int next_iv(unsigned char *iv) {
  if (iv_pool_used == IV_POOL_BYTES) {
    if (RAND_bytes(iv_pool, IV_POOL_BYTES) != 1) return 0;
    iv_pool_used = 0;
  }
  memcpy(iv, iv_pool + iv_pool_used, IV_BYTES);
  iv_pool_used += IV_BYTES;
  return 1;
}

static void free_key(napi_env env, void *data, void *hint) {
  gcm_key *key = data;
  EVP_CIPHER_CTX_free(key->seal);
  EVP_CIPHER_CTX_free(key->open);
  free(key);
}

/* createGcmKey(key: Buffer of 32 bytes) -> an opaque key for sealInto and open. */
static napi_value create_key(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *material;
  size_t length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_buffer_info(env, argv[0], &material, &length) != napi_ok || length != KEY_BYTES)
    return fail(env, "createGcmKey takes a Buffer of 32 bytes");
  gcm_key *key = calloc(1, sizeof *key);
  if (!key) return fail(env, "out of memory");
  key->seal = EVP_CIPHER_CTX_new();
  key->open = EVP_CIPHER_CTX_new();
  if (!key->seal || !key->open ||
      EVP_EncryptInit_ex(key->seal, EVP_aes_256_gcm(), NULL, material, NULL) != 1 ||
      EVP_DecryptInit_ex(key->open, EVP_aes_256_gcm(), NULL, material, NULL) != 1) {
    free_key(env, key, NULL);
    return fail(env, "OpenSSL could not set up AES-256-GCM");
  }
  return wrap_key(env, key, &GCM_KEY, free_key);
}

/*
 * sealInto(key, plaintext: string, associatedData: string, out: Buffer) writes iv | tag | ciphertext
 * into out, which must be exactly 28 bytes longer than the plaintext's UTF-8. The caller allocates
 * out from Node's Buffer pool: a Buffer made here would be a malloc'ed backing store of its own.
 */
static napi_value seal_into(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  gcm_key *key = keyed_call(env, info, 4, argv, &GCM_KEY,
                            "sealInto: not a key (it takes a key, a plaintext, associated data and an output Buffer)");
  if (!key) return NULL;
  unsigned char *out;
  size_t out_length;
  if (napi_get_buffer_info(env, argv[3], (void **)&out, &out_length) != napi_ok)
    return fail(env, "sealInto: the output must be a Buffer");
  scratch plaintext = {.bytes = NULL}, aad = {.bytes = NULL};
  size_t plaintext_length, aad_length;
  int written;
  if (!utf8_argument(env, argv[1], &plaintext, &plaintext_length) ||
      !utf8_argument(env, argv[2], &aad, &aad_length) || plaintext_length > INT32_MAX - IV_BYTES - TAG_BYTES) {
    fail(env, "sealInto: the plaintext and associated data must be strings");
  } else if (out_length != IV_BYTES + TAG_BYTES + plaintext_length) {
    fail(env, "sealInto: the output must be 28 bytes longer than the plaintext's UTF-8");
  } else if (!next_iv(out) || EVP_EncryptInit_ex(key->seal, NULL, NULL, NULL, out) != 1 ||
             EVP_EncryptUpdate(key->seal, NULL, &written, aad.bytes, (int)aad_length) != 1 ||
             EVP_EncryptUpdate(key->seal, out + IV_BYTES + TAG_BYTES, &written, plaintext.bytes,
                               (int)plaintext_length) != 1 ||
             EVP_EncryptFinal_ex(key->seal, out + IV_BYTES + TAG_BYTES + written, &written) != 1 ||
             EVP_CIPHER_CTX_ctrl(key->seal, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, out + IV_BYTES) != 1) {
    fail(env, "OpenSSL could not seal");
  }
  scratch_release(&plaintext);
  scratch_release(&aad);
  return NULL;
}

/* open(key, sealed: Buffer, associatedData: string) -> the plaintext, or null when the tag does not match. */
static napi_value open_sealed(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  gcm_key *key = keyed_call(env, info, 3, argv, &GCM_KEY,
                            "open: not a key (it takes a key, a sealed Buffer and associated data)");
  if (!key) return NULL;
  unsigned char *sealed;
  size_t sealed_length;
  if (napi_get_buffer_info(env, argv[1], (void **)&sealed, &sealed_length) != napi_ok)
    return fail(env, "open: the sealed record must be a Buffer");
  napi_value result = NULL;
  napi_get_null(env, &result);
  if (sealed_length < IV_BYTES + TAG_BYTES || sealed_length > INT32_MAX) return result;
  size_t length = sealed_length - IV_BYTES - TAG_BYTES;
  scratch plaintext = {.bytes = NULL}, aad = {.bytes = NULL};
  size_t aad_length;
  int written;
  if (!utf8_argument(env, argv[2], &aad, &aad_length) || !scratch_reserve(&plaintext, length + 1)) {
    result = fail(env, "open: the associated data must be a string (or out of memory)");
    goto done;
  }
  if (EVP_DecryptInit_ex(key->open, NULL, NULL, NULL, sealed) == 1 &&
      EVP_DecryptUpdate(key->open, NULL, &written, aad.bytes, (int)aad_length) == 1 &&
      EVP_DecryptUpdate(key->open, plaintext.bytes, &written, sealed + IV_BYTES + TAG_BYTES, (int)length) == 1 &&
      EVP_CIPHER_CTX_ctrl(key->open, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, sealed + IV_BYTES) == 1 &&
      EVP_DecryptFinal_ex(key->open, plaintext.bytes + written, &written) == 1)
    napi_create_string_utf8(env, (const char *)plaintext.bytes, length, &result);
done:
  scratch_release(&plaintext);
  scratch_release(&aad);
  return result;
}

void register_aes_256_gcm(napi_env env, napi_value exports) {
  napi_property_descriptor functions[] = {
      {"createGcmKey", NULL, create_key, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sealInto", NULL, seal_into, NULL, NULL, NULL, napi_enumerable, NULL},
      {"open", NULL, open_sealed, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
}
