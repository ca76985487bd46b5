import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { recordAudit } from "../shared/audit.js";
import type { TokenCipher } from "../../crypto/token-cipher.js";
import type { Caller } from "../../domain/caller.js";
import {
  CalendarIntegrationSchema,
  type AccountSettings,
  type CalendarIntegration,
} from "../../entities/calendar-integration.js";
import type { Statement } from "../../db/sql-pool.js";
import { unitOfWorkSql } from "../../db/unit-of-work-sql.js";
import type { ProviderCalendarInfo } from "../../providers/calendar/calendar-provider.js";
import { queueOwedEvents } from "../outbox/queue-owed-events.js";
import { syncCalendarList } from "./calendar-list.js";
import { sealIntegrationSecret, type IntegrationSecret } from "./integration-secrets.js";

export type NewCredentials =
  | { kind: "oauth"; accessToken: string; refreshToken?: string; expiresAt: Date; scope?: string }
  | { kind: "basic"; password: string }
  | { kind: "api_key"; apiKey: string };

export interface ConnectedAccount {
  tenantId: string;
  provider: string;
  accountEmail: string;
  credentials: NewCredentials;
  /** Set when the credentials are not the provider's usual login (Jobber's API key). */
  loginKind?: NewCredentials["kind"];
  /** The company name a field-service platform reports. */
  accountName?: string;
  accountSettings?: AccountSettings;
  calendars: ProviderCalendarInfo[];
  caller: Caller;
  now: Date;
}

/**
 * One account's connects, one at a time on any number of instances (a
 * transaction-scoped advisory lock): of two at once, the second waits for the
 * first to commit and finds its row, instead of inserting a second one that
 * the unique constraint refuses.
 */
const ACCOUNT_CONNECT_LOCK = {
  name: "account-connect-lock",
  text: "select pg_advisory_xact_lock(hashtextextended($1, 0))",
} as const satisfies Statement;

/**
 * Stores a connected account inside the caller's transaction. Connecting the
 * same account again replaces its credentials (and clears an error status)
 * instead of adding a second integration; its calendar settings are kept.
 */
export async function saveConnectedAccount(
  em: EntityManager,
  cipher: TokenCipher,
  account: ConnectedAccount,
): Promise<CalendarIntegration> {
  await unitOfWorkSql(em).rows(ACCOUNT_CONNECT_LOCK, [
    `account-connect:${account.tenantId}:${account.provider}:${account.accountEmail}`,
  ]);
  const existing = await em.findOne(CalendarIntegrationSchema, {
    tenantId: account.tenantId,
    provider: account.provider,
    accountEmail: account.accountEmail,
  });
  const integration =
    existing ??
    em.create(CalendarIntegrationSchema, {
      id: randomUUID(),
      tenantId: account.tenantId,
      provider: account.provider,
      accountEmail: account.accountEmail,
      createdAt: account.now,
      updatedAt: account.now,
    });
  const seal = (purpose: IntegrationSecret, value: string) =>
    sealIntegrationSecret(cipher, integration, purpose, value);
  const credentials = account.credentials;
  if (credentials.kind === "oauth") {
    integration.accessTokenEncrypted = seal("access_token", credentials.accessToken);
    // Google omits the refresh token when the user had granted access before: keep the one we hold.
    if (credentials.refreshToken) integration.refreshTokenEncrypted = seal("refresh_token", credentials.refreshToken);
    integration.tokenExpiresAt = credentials.expiresAt;
    integration.scopes = credentials.scope ?? null;
  } else {
    integration.accessTokenEncrypted =
      credentials.kind === "basic" ? seal("app_password", credentials.password) : seal("api_key", credentials.apiKey);
    integration.refreshTokenEncrypted = null;
    integration.tokenExpiresAt = null;
  }
  integration.loginKind = account.loginKind ?? null;
  if (account.accountName !== undefined) integration.accountName = account.accountName;
  if (account.accountSettings) integration.accountSettings = account.accountSettings;
  integration.status = "active";
  integration.statusReason = null;
  integration.updatedAt = account.now;
  // The calendars reference the integration by a plain id column: the ORM cannot order these inserts itself.
  await em.flush();

  await syncCalendarList(em, integration, account.calendars, account.now);
  await queueOwedEvents(em, account.tenantId, account.now);
  recordAudit(em, {
    tenantId: account.tenantId,
    caller: account.caller,
    action: existing ? "calendar_integration.reconnected" : "calendar_integration.connected",
    entityType: "calendar_integration",
    entityId: integration.id,
    changes: { provider: account.provider, calendars: account.calendars.length },
  });
  return integration;
}
