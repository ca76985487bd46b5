/*
 * native_memory: hands the free pages of the C heap back to the system
 * (glibc's malloc_trim). Memory that V8's compiler zones, nghttp2 sessions and
 * the like free inside a malloc arena otherwise stays resident for good: after
 * a burst of 1,000 calls the idle service kept ~18 MB more RSS, all of it
 * released by one malloc_trim. Loaded by src/native/idle-memory-release.ts;
 * built by npm install (scripts/build-native.mjs). Elsewhere than glibc it
 * does nothing.
 */
#include <node_api.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static napi_value release_free_memory(napi_env env, napi_callback_info info) {
  (void)info;
  int released = 0;
#ifdef __GLIBC__
  released = malloc_trim(0);
#endif
  napi_value result;
  if (napi_get_boolean(env, released != 0, &result) != napi_ok) return NULL;
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value release;
  if (napi_create_function(env, "releaseFreeMemory", NAPI_AUTO_LENGTH, release_free_memory, NULL, &release) !=
      napi_ok)
    return NULL;
  if (napi_set_named_property(env, exports, "releaseFreeMemory", release) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
