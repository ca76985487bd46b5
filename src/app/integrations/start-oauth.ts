import { randomUUID } from "node:crypto";
import type { Caller } from "../../domain/caller.js";
import { OAuthStateSchema } from "../../entities/oauth-state.js";
import type { OAuthConnector } from "../../providers/kit/connector.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../shared/audit.js";
import {
  hashState,
  OAUTH_STATE_TTL_SECONDS,
  pkceChallengeOf,
  PKCE_VERIFIER_PURPOSE,
  randomToken,
} from "./oauth-state.js";

export interface OAuthStart {
  authorizationUrl: string;
  state: string;
  expiresInSeconds: number;
}

/**
 * The OAuth connect flow's first half: a single-use state bound to tenant and
 * provider (stored hashed, with the PKCE verifier encrypted) and the URL to
 * send the user to. completeOAuth is the second half.
 */
export async function startOAuth(
  ctx: AppContext,
  caller: Caller,
  input: { tenantId: string; provider: string; connector: OAuthConnector },
): Promise<OAuthStart> {
  const state = randomToken();
  const verifier = randomToken();
  const stateId = randomUUID();
  const now = ctx.clock.now();
  const redirectUri = ctx.settings.oauthRedirectUri;
  const em = ctx.orm.em.fork();
  await em.transactional(async (tx) => {
    // Abandoned flows leave states behind; a day after expiry they are only clutter.
    await tx.nativeDelete(OAuthStateSchema, {
      tenantId: input.tenantId,
      expiresAt: { $lt: new Date(now.getTime() - 86_400_000) },
    });
    tx.create(OAuthStateSchema, {
      id: stateId,
      tenantId: input.tenantId,
      provider: input.provider,
      stateHash: hashState(state),
      codeVerifierEncrypted: ctx.cipher.encrypt(verifier, {
        tenantId: input.tenantId,
        recordId: stateId,
        purpose: PKCE_VERIFIER_PURPOSE,
      }),
      redirectUri,
      expiresAt: new Date(now.getTime() + OAUTH_STATE_TTL_SECONDS * 1000),
      createdAt: now,
    });
    recordAudit(tx, {
      tenantId: input.tenantId,
      caller,
      action: "calendar_oauth.started",
      entityType: "oauth_state",
      entityId: stateId,
      changes: { provider: input.provider },
    });
  });
  return {
    authorizationUrl: input.connector.authorizationUrl({
      state,
      codeChallenge: pkceChallengeOf(verifier),
      redirectUri,
    }),
    state,
    expiresInSeconds: OAUTH_STATE_TTL_SECONDS,
  };
}
