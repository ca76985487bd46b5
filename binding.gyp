{
  "targets": [
    {
      "target_name": "customer_data_crypto",
      "sources": ["native/addon.c", "native/aes_256_gcm.c", "native/hmac_sha256.c"]
    },
    {
      "target_name": "native_memory",
      "sources": ["native/native_memory.c"]
    }
  ]
}
