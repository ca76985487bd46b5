import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { recordAudit } from "../shared/audit.js";
import type { TokenCipher } from "../../crypto/token-cipher.js";
import type { Caller } from "../../domain/caller.js";
import { CalendarIntegrationSchema, type CalendarIntegration } from "../../entities/calendar-integration.js";
import { IntegrationCalendarSchema } from "../../entities/integration-calendar.js";
import type { ProviderCalendarInfo } from "../../providers/calendar/calendar-provider.js";
import { sealIntegrationSecret } from "./integration-secrets.js";

export type NewCredentials =
  | { kind: "oauth"; accessToken: string; refreshToken?: string; expiresAt: Date; scope?: string }
  | { kind: "basic"; password: string };

export interface ConnectedAccount {
  tenantId: string;
  provider: string;
  accountEmail: string;
  credentials: NewCredentials;
  calendars: ProviderCalendarInfo[];
  caller: Caller;
  now: Date;
}

/**
 * Stores a connected account inside the caller's transaction. Connecting the
 * same account again replaces its credentials (and clears an error status)
 * instead of adding a second integration; its calendar settings are kept.
 */
export async function saveConnectedAccount(em: EntityManager, cipher: TokenCipher, account: ConnectedAccount): Promise<CalendarIntegration> {
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
  const seal = (purpose: "access_token" | "refresh_token" | "app_password", value: string) =>
    sealIntegrationSecret(cipher, integration, purpose, value);
  const credentials = account.credentials;
  if (credentials.kind === "oauth") {
    integration.accessTokenEncrypted = seal("access_token", credentials.accessToken);
    // Google omits the refresh token when the user had granted access before: keep the one we hold.
    if (credentials.refreshToken) integration.refreshTokenEncrypted = seal("refresh_token", credentials.refreshToken);
    integration.tokenExpiresAt = credentials.expiresAt;
    integration.scopes = credentials.scope ?? null;
  } else {
    integration.accessTokenEncrypted = seal("app_password", credentials.password);
    integration.refreshTokenEncrypted = null;
    integration.tokenExpiresAt = null;
  }
  integration.status = "active";
  integration.statusReason = null;
  integration.updatedAt = account.now;
  // The calendars reference the integration by a plain id column: the ORM cannot order these inserts itself.
  await em.flush();

  await syncCalendarList(em, integration, account.calendars);
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

/**
 * Mirrors the provider's calendar list: new calendars are checked for
 * conflicts when the account can write to them (read-only subscriptions such
 * as holidays are not), the primary one receives events; calendars gone from
 * the provider are dropped with their mirrored events.
 */
export async function syncCalendarList(em: EntityManager, integration: CalendarIntegration, calendars: ProviderCalendarInfo[]): Promise<void> {
  const stored = await em.find(IntegrationCalendarSchema, { integrationId: integration.id });
  const byProviderId = new Map(stored.map((c) => [c.providerCalendarId, c]));
  const hasReceiver = stored.some((c) => c.receivesEvents && calendars.some((p) => p.id === c.providerCalendarId));
  for (const calendar of calendars) {
    const row = byProviderId.get(calendar.id);
    if (row) {
      row.name = calendar.name;
      row.timeZone = calendar.timeZone ?? null;
      row.isPrimary = calendar.primary;
      continue;
    }
    em.create(IntegrationCalendarSchema, {
      id: randomUUID(),
      tenantId: integration.tenantId,
      integrationId: integration.id,
      providerCalendarId: calendar.id,
      name: calendar.name,
      timeZone: calendar.timeZone ?? null,
      isPrimary: calendar.primary,
      checkConflicts: calendar.writable,
      receivesEvents: !hasReceiver && calendar.primary && calendar.writable,
      createdAt: new Date(),
    });
  }
  const gone = stored.filter((c) => !calendars.some((p) => p.id === c.providerCalendarId));
  for (const calendar of gone) em.remove(calendar);
}
