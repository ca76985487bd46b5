/* The addon's parts: each defines its functions on the module's exports. */
#ifndef UC_ADDON_H
#define UC_ADDON_H

#include <node_api.h>

void register_aes_256_gcm(napi_env env, napi_value exports);
void register_hmac_sha256(napi_env env, napi_value exports);

#endif
