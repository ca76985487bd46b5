import { LockMode } from "@mikro-orm/core";
import type { Caller } from "../../domain/caller.js";
import { FailedPreconditionError, InvalidArgumentError } from "../../domain/errors.js";
import { OAuthStateSchema } from "../../entities/oauth-state.js";
import { ProviderError } from "../../providers/kit/provider-error.js";
import type { ProviderCalendarInfo } from "../../providers/calendar/calendar-provider.js";
import type { ProviderAccount, TokenSet } from "../../providers/kit/connector.js";
import type { AppContext } from "../context.js";
import { requestChannels } from "../channels/request-channels.js";
import { startFirstSync } from "./first-sync.js";
import type { IntegrationView } from "./integration-view.js";
import { hashState, PKCE_VERIFIER_PURPOSE } from "./oauth-state.js";
import { connectFailureOf } from "./provider-failure.js";
import { saveConnectedAccount } from "./save-integration.js";

export interface CompleteOAuthInput {
  tenantId: string;
  provider: string;
  code: string;
  state: string;
}

export interface CompleteOAuthResult {
  integration: IntegrationView;
  syncId: string;
}

/**
 * Consumes the state (unknown, another tenant's, another provider's, used or
 * expired states are refused and nothing is stored), exchanges the code,
 * reads the account and its calendars, stores the integration with its
 * tokens encrypted and starts a full sync.
 */
export async function completeOAuth(
  ctx: AppContext,
  caller: Caller,
  input: CompleteOAuthInput,
): Promise<CompleteOAuthResult> {
  const provider = ctx.providers.oauth(input.provider);
  const busyTime = ctx.providers.find(input.provider)?.capabilities.busyTime;
  if (!provider) throw new InvalidArgumentError("provider", `${input.provider} does not connect with OAuth`);
  if (!input.code.trim()) throw new InvalidArgumentError("code", "required");
  if (!input.state.trim()) throw new InvalidArgumentError("state", "required");
  if (input.state.length > 512) throw new InvalidArgumentError("state", "at most 512 characters");
  if (input.code.length > 4096) throw new InvalidArgumentError("code", "at most 4096 characters");

  const now = ctx.clock.now();
  const em = ctx.orm.em.fork();
  const consumed = await em.transactional(async (tx) => {
    const row = await tx.findOne(
      OAuthStateSchema,
      { tenantId: input.tenantId, stateHash: hashState(input.state) },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    // Another tenant's state is indistinguishable from an unknown one.
    if (!row) throw new InvalidArgumentError("state", "unknown or not issued to this tenant");
    if (row.provider !== input.provider)
      throw new InvalidArgumentError("state", `issued for ${row.provider}, not ${input.provider}`);
    if (row.usedAt) throw new FailedPreconditionError("state: already used; start the connection again");
    if (row.expiresAt <= now) throw new FailedPreconditionError("state: expired; start the connection again");
    row.usedAt = now;
    return {
      stateId: row.id,
      redirectUri: row.redirectUri,
      verifier: ctx.cipher.decrypt(row.codeVerifierEncrypted, {
        tenantId: input.tenantId,
        recordId: row.id,
        purpose: PKCE_VERIFIER_PURPOSE,
      }),
    };
  });

  let tokens: TokenSet;
  let account: ProviderAccount;
  let calendars: ProviderCalendarInfo[];
  try {
    tokens = await provider.exchangeCode({
      code: input.code,
      codeVerifier: consumed.verifier,
      redirectUri: consumed.redirectUri,
    });
    const credentials = { kind: "oauth" as const, accessToken: tokens.accessToken };
    account = await provider.getAccount(credentials);
    calendars = (await busyTime?.listCalendars(credentials)) ?? [];
  } catch (error) {
    if (error instanceof ProviderError && error.retryable) {
      // The provider never answered: give the state back so the same redirect can be completed on retry.
      await ctx.orm.em.fork().nativeUpdate(OAuthStateSchema, { id: consumed.stateId, usedAt: now }, { usedAt: null });
    }
    throw connectFailureOf(error, input.provider, {
      kinds: ["invalid_grant", "bad_request"],
      error: () => new InvalidArgumentError("code", `${input.provider} refused the authorization code`),
    });
  }
  if (!tokens.refreshToken) {
    ctx.logger.warn({ provider: input.provider }, "OAuth exchange returned no refresh token");
  }

  const integration = await ctx.orm.em.fork().transactional(async (tx) =>
    saveConnectedAccount(tx, ctx.cipher, {
      tenantId: input.tenantId,
      provider: input.provider,
      accountEmail: account.email,
      ...(account.name !== undefined ? { accountName: account.name } : {}),
      credentials: {
        kind: "oauth",
        accessToken: tokens.accessToken,
        ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
        expiresAt: tokens.expiresAt,
        ...(tokens.scope ? { scope: tokens.scope } : {}),
      },
      calendars,
      caller,
      now,
    }),
  );
  const started = await startFirstSync(ctx, integration);
  await requestChannels(ctx, integration.id);
  return started;
}
