import { randomUUID } from "node:crypto";
import { recordAudit } from "../shared/audit.js";
import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError, PermissionDeniedError, UnavailableError } from "../../domain/errors.js";
import { OAuthStateSchema } from "../../entities/oauth-state.js";
import { ProviderError } from "../../providers/kit/provider-error.js";
import type { ProviderCalendarInfo } from "../../providers/calendar/calendar-provider.js";
import type { CalendarDependencies } from "./calendar-dependencies.js";
import { integrationViews, type IntegrationView } from "../integrations/integration-view.js";
import {
  hashState,
  OAUTH_STATE_TTL_SECONDS,
  pkceChallengeOf,
  PKCE_VERIFIER_PURPOSE,
  randomToken,
} from "../integrations/oauth-state.js";
import { saveConnectedAccount } from "../integrations/save-integration.js";

export interface ConnectCalendarInput {
  tenantId: string;
  provider: string;
  appleCredentials?: { appleId: string; appSpecificPassword: string };
}

export type ConnectCalendarResult =
  | { kind: "authorize"; authorizationUrl: string; state: string; expiresInSeconds: number }
  | { kind: "connected"; integration: IntegrationView; syncId: string };

/**
 * OAuth providers: a single-use state bound to tenant and provider (stored
 * hashed, with the PKCE verifier encrypted) and the URL to send the user to.
 * Basic-auth providers (Apple): verify the credentials by discovery and
 * connect at once; bad credentials store nothing.
 */
export async function connectCalendar(deps: CalendarDependencies, caller: Caller, input: ConnectCalendarInput): Promise<ConnectCalendarResult> {
  const provider = deps.providers.find(input.provider);
  if (!provider) throw new InvalidArgumentError("provider", `${input.provider} is not a calendar provider`);

  if (provider.auth === "basic") {
    const appleId = input.appleCredentials?.appleId.trim() ?? "";
    const password = input.appleCredentials?.appSpecificPassword.trim() ?? "";
    if (!appleId) throw new InvalidArgumentError("apple_credentials.apple_id", "required");
    if (!password) throw new InvalidArgumentError("apple_credentials.app_specific_password", "required");
    const credentials = { kind: "basic" as const, username: appleId, password };
    let calendars: ProviderCalendarInfo[];
    // The login is what later Basic-auth calls need, so it is the account stored.
    const accountEmail = appleId;
    try {
      await provider.verify(credentials);
      calendars = await provider.listCalendars(credentials);
    } catch (error) {
      if (error instanceof ProviderError && (error.kind === "unauthorized" || error.kind === "forbidden")) {
        throw new PermissionDeniedError(`${input.provider} refused these credentials`);
      }
      if (error instanceof ProviderError && error.retryable) throw new UnavailableError(`${input.provider} cannot be reached: retry later`);
      throw error;
    }
    const em = deps.orm.em.fork();
    const integration = await em.transactional(async (tx) =>
      saveConnectedAccount(tx, deps.cipher, {
        tenantId: input.tenantId,
        provider: input.provider,
        accountEmail,
        credentials: { kind: "basic", password },
        calendars,
        caller,
        now: deps.clock.now(),
      }),
    );
    const syncId = await deps.syncStarter.start({
      tenantId: input.tenantId,
      integrationId: integration.id,
      provider: input.provider,
      type: "full",
    });
    const [view] = await integrationViews(deps.orm.em.fork(), [integration]);
    if (!view) throw new Error("integration vanished after commit");
    return { kind: "connected", integration: view, syncId };
  }

  const state = randomToken();
  const verifier = randomToken();
  const stateId = randomUUID();
  const now = deps.clock.now();
  const redirectUri = deps.config.oauthRedirectUri;
  const em = deps.orm.em.fork();
  await em.transactional(async (tx) => {
    // Abandoned flows leave states behind; a day after expiry they are only clutter.
    await tx.nativeDelete(OAuthStateSchema, { tenantId: input.tenantId, expiresAt: { $lt: new Date(now.getTime() - 86_400_000) } });
    tx.create(OAuthStateSchema, {
      id: stateId,
      tenantId: input.tenantId,
      provider: input.provider,
      stateHash: hashState(state),
      codeVerifierEncrypted: deps.cipher.encrypt(verifier, { tenantId: input.tenantId, recordId: stateId, purpose: PKCE_VERIFIER_PURPOSE }),
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
    kind: "authorize",
    authorizationUrl: provider.authorizationUrl({ state, codeChallenge: pkceChallengeOf(verifier), redirectUri }),
    state,
    expiresInSeconds: OAUTH_STATE_TTL_SECONDS,
  };
}
