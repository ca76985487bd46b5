/*
 * customer_data_crypto: the customer-data cipher and blind index (AES-256-GCM,
 * HMAC-SHA256) through the OpenSSL inside Node, with keys set up once.
 * Loaded by src/crypto/native-addon.ts; built by npm install
 * (scripts/build-native.mjs).
 */
#include "addon.h"

static napi_value init(napi_env env, napi_value exports) {
  register_aes_256_gcm(env, exports);
  register_hmac_sha256(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
