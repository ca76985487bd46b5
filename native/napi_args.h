/* What the addon's functions share: errors, typed keys, and UTF-8 scratch that is wiped after use. */
#ifndef UC_NAPI_ARGS_H
#define UC_NAPI_ARGS_H

#include <node_api.h>
#include <openssl/crypto.h>
#include <stdlib.h>

#define STACK_SCRATCH 4096

static inline napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/*
 * A key is an external tagged with its kind, so a key of one kind (or any other external)
 * passed where another is expected is refused instead of read as the wrong struct.
 */
static inline napi_value wrap_key(napi_env env, void *key, const napi_type_tag *kind, napi_finalize free_key) {
  napi_value external;
  if (napi_create_external(env, key, free_key, NULL, &external) != napi_ok) {
    free_key(env, key, NULL);
    return fail(env, "could not wrap the key");
  }
  if (napi_type_tag_object(env, external, kind) != napi_ok) return fail(env, "could not tag the key");
  return external;
}

static inline void *key_argument(napi_env env, napi_value value, const napi_type_tag *kind) {
  napi_valuetype type;
  bool tagged = false;
  void *key = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_check_object_type_tag(env, value, kind, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, value, &key) != napi_ok)
    return NULL;
  return key;
}

/*
 * A call's arguments, exactly count of them into argv, the first a key of kind: the key, or NULL with
 * message thrown when the call is not that.
 */
static inline void *keyed_call(napi_env env, napi_callback_info info, size_t count, napi_value *argv,
                               const napi_type_tag *kind, const char *message) {
  size_t argc = count;
  void *key = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != count ||
      !(key = key_argument(env, argv[0], kind)))
    fail(env, message);
  return key;
}

/* Scratch for plaintext: on the stack when it fits, else on the heap; always wiped. */
typedef struct {
  unsigned char stack[STACK_SCRATCH];
  unsigned char *bytes;
  size_t size;
} scratch;

static inline int scratch_reserve(scratch *s, size_t size) {
  s->size = size;
  s->bytes = size <= STACK_SCRATCH ? s->stack : malloc(size);
  return s->bytes != NULL;
}

static inline void scratch_release(scratch *s) {
  if (!s->bytes) return;
  OPENSSL_cleanse(s->bytes, s->size);
  if (s->bytes != s->stack) free(s->bytes);
  s->bytes = NULL;
}

/* A string argument as UTF-8 in s (NUL-terminated; *length excludes the NUL). */
static inline int utf8_argument(napi_env env, napi_value value, scratch *s, size_t *length) {
  if (napi_get_value_string_utf8(env, value, NULL, 0, length) != napi_ok) return 0;
  if (!scratch_reserve(s, *length + 1)) return 0;
  size_t copied;
  return napi_get_value_string_utf8(env, value, (char *)s->bytes, *length + 1, &copied) == napi_ok;
}

#endif
