import { defineEntity, type InferEntity } from "@mikro-orm/core";

/** A pending OAuth authorization: the state is stored only as a hash, single use. */
export const OAuthStateSchema = defineEntity({
  name: "OAuthState",
  tableName: "oauth_states",
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw("gen_random_uuid()"),
    tenantId: p.text(),
    provider: p.text(),
    stateHash: p.text(),
    codeVerifierEncrypted: p.text(),
    redirectUri: p.text(),
    expiresAt: p.datetime().columnType("timestamptz"),
    usedAt: p.datetime().columnType("timestamptz").nullable(),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
  }),
});

export type OAuthState = InferEntity<typeof OAuthStateSchema>;
