import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import type { AppContext } from "../context.js";
import { completeOAuth } from "../integrations/complete-oauth.js";
import { startOAuth } from "../integrations/start-oauth.js";
import { connectFieldServiceWithApiKey, type FieldServiceConnection } from "./connect-field-service.js";

export interface ConnectJobberInput {
  tenantId: string;
  apiKey: string;
  subdomain: string;
  code: string;
  state: string;
  timeZone: string;
}

export type ConnectJobberResult =
  | { kind: "authorize"; authorizationUrl: string; state: string; expiresInSeconds: number }
  | ({ kind: "connected" } & FieldServiceConnection);

/**
 * Jobber connects two ways: the seed's API key (verified with Jobber's
 * `account` query, used as the bearer token), or Jobber's OAuth app flow
 * through the same state machinery as the calendar providers: without a code
 * the authorization URL, with code and state the finished connection.
 */
export async function connectJobber(
  ctx: AppContext,
  caller: Caller,
  input: ConnectJobberInput,
): Promise<ConnectJobberResult> {
  if (input.apiKey.trim()) {
    if (input.code.trim()) throw new InvalidArgumentError("code", "give an api_key or an OAuth code, not both");
    const connected = await connectFieldServiceWithApiKey(ctx, caller, {
      tenantId: input.tenantId,
      provider: "jobber",
      apiKey: input.apiKey,
      subdomain: input.subdomain,
      timeZone: input.timeZone,
    });
    return { kind: "connected", ...connected };
  }
  if (input.code.trim()) {
    const done = await completeOAuth(ctx, caller, {
      tenantId: input.tenantId,
      provider: "jobber",
      code: input.code,
      state: input.state,
    });
    return {
      kind: "connected",
      integration: done.integration,
      syncId: done.syncId,
      companyName: done.integration.accountName,
    };
  }
  const connector = ctx.providers.oauth("jobber");
  if (!connector) throw new InvalidArgumentError("provider", "jobber has no OAuth app flow configured");
  return {
    kind: "authorize",
    ...(await startOAuth(ctx, caller, { tenantId: input.tenantId, provider: "jobber", connector })),
  };
}
