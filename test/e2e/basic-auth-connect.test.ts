import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AppContext } from "../../src/app/context.js";
import { connectCalendar } from "../../src/app/calendar/connect-calendar.js";
import { IntegrationCredentials } from "../../src/app/integrations/integration-credentials.js";
import { TokenCipher } from "../../src/crypto/token-cipher.js";
import { openDatabase, type MikroORM } from "../../src/db/orm.js";
import { PermissionDeniedError, InvalidArgumentError } from "../../src/domain/errors.js";
import { ProviderError } from "../../src/providers/kit/provider-error.js";
import type { BasicAuthCalendarProvider } from "../../src/providers/calendar/calendar-provider.js";
import type { ProviderCredentials } from "../../src/providers/kit/connector.js";
import { ProviderRegistry } from "../../src/providers/registry.js";
import { RecordingJobQueue, testAppContext } from "../support/test-context.js";
import { newTenantId, testConfig } from "../support/test-server.js";

/**
 * The Basic-auth branch of ConnectCalendar (Apple) against a provider that
 * accepts one password: connected at once with the password stored only
 * encrypted, or refused with nothing stored. The real CalDAV adapter is
 * tested against Radicale by its own suite.
 */
const GOOD_PASSWORD = "abcd-efgh-ijkl-mnop";

const stubApple: BasicAuthCalendarProvider = {
  name: "apple",
  auth: "basic",
  async verify(credentials) {
    if (credentials.password !== GOOD_PASSWORD) throw new ProviderError("apple", "unauthorized", "401");
    return { email: credentials.username };
  },
  getAccount: async (credentials) => ({ email: (credentials as { username: string }).username }),
  listCalendars: async () => [
    { id: "/calendars/home/", name: "Home", primary: true, writable: true, timeZone: "America/Denver" },
  ],
  listEvents: async () => ({ events: [] }),
  listChanges: async () => ({ kind: "full_sync_required" }),
  createEvent: async () => ({ providerEventId: "x" }),
  updateEvent: async () => ({ providerEventId: "x" }),
  deleteEvent: async () => undefined,
};
const appleProvider = { name: "apple", connector: stubApple, capabilities: { busyTime: stubApple, events: stubApple } };

let orm: MikroORM;
let deps: AppContext;
const jobs = new RecordingJobQueue();

beforeAll(async () => {
  orm = await openDatabase(inject("databaseUrl"));
  deps = testAppContext({ orm, providers: new ProviderRegistry([appleProvider]), jobs });
});
afterAll(() => orm?.close());

async function rowsOf(tenantId: string) {
  return orm.em
    .fork()
    .getConnection()
    .execute<{ id: string; account_email: string; access_token_encrypted: string }[]>(
      "select id, account_email, access_token_encrypted from calendar_integrations where tenant_id = ?",
      [tenantId],
    );
}

describe("connecting a Basic-auth (Apple) calendar", () => {
  it("verifies, connects at once, stores the password only encrypted and starts a full sync", async () => {
    const tenantId = newTenantId();
    const result = await connectCalendar(
      deps,
      { kind: "service", keyId: "test" },
      {
        tenantId,
        provider: "apple",
        appleCredentials: { appleId: "owner@icloud.example", appSpecificPassword: GOOD_PASSWORD },
      },
    );
    expect(result.kind).toBe("connected");
    if (result.kind !== "connected") return;
    expect(result.integration).toMatchObject({
      provider: "apple",
      accountEmail: "owner@icloud.example",
      status: "active",
    });
    expect(result.integration.calendars).toEqual([
      expect.objectContaining({ id: "/calendars/home/", primary: true, checkConflicts: true, receivesEvents: true }),
    ]);
    expect(jobs.sent).toContainEqual({ queue: "calendar-sync", data: { syncJobId: result.syncId }, id: result.syncId });
    const [job] = await orm.em
      .fork()
      .getConnection()
      .execute<{ integration_id: string; type: string }[]>("select integration_id, type from sync_jobs where id = ?", [
        result.syncId,
      ]);
    expect(job).toEqual({ integration_id: result.integration.id, type: "full" });
    const [row] = await rowsOf(tenantId);
    expect(row?.access_token_encrypted).toMatch(/^v1:/);
    expect(row?.access_token_encrypted).not.toContain(GOOD_PASSWORD);

    const credentials = new IntegrationCredentials({ ...deps });
    const seen = await credentials.use(result.integration.id, async (c: ProviderCredentials) => c);
    expect(seen).toEqual({ kind: "basic", username: "owner@icloud.example", password: GOOD_PASSWORD });
  });

  it("refuses bad credentials with permission_denied and missing ones with invalid_argument, storing nothing", async () => {
    const tenantId = newTenantId();
    await expect(
      connectCalendar(
        deps,
        { kind: "service", keyId: "test" },
        {
          tenantId,
          provider: "apple",
          appleCredentials: { appleId: "a@icloud.example", appSpecificPassword: "wrong" },
        },
      ),
    ).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(
      connectCalendar(
        deps,
        { kind: "service", keyId: "test" },
        { tenantId, provider: "apple", appleCredentials: { appleId: "", appSpecificPassword: GOOD_PASSWORD } },
      ),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(
      connectCalendar(deps, { kind: "service", keyId: "test" }, { tenantId, provider: "apple" }),
    ).rejects.toThrow(/apple_credentials.apple_id/);
    await expect(
      connectCalendar(deps, { kind: "service", keyId: "test" }, { tenantId, provider: "google" }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await rowsOf(tenantId)).toHaveLength(0);
  });

  it("replaces the password when the same Apple ID connects again", async () => {
    const tenantId = newTenantId();
    const connect = () =>
      connectCalendar(
        deps,
        { kind: "service", keyId: "test" },
        {
          tenantId,
          provider: "apple",
          appleCredentials: { appleId: "same@icloud.example", appSpecificPassword: GOOD_PASSWORD },
        },
      );
    await connect();
    const [before] = await rowsOf(tenantId);
    await connect();
    const after = await rowsOf(tenantId);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(before?.id);
    expect(after[0]?.access_token_encrypted).not.toBe(before?.access_token_encrypted);
  });
});

describe("rotating the token encryption key", () => {
  it("re-encrypts a stored password under the new key on first use, and it still works", async () => {
    const tenantId = newTenantId();
    await connectCalendar(
      deps,
      { kind: "service", keyId: "test" },
      {
        tenantId,
        provider: "apple",
        appleCredentials: { appleId: "rotate@icloud.example", appSpecificPassword: GOOD_PASSWORD },
      },
    );
    const [before] = await rowsOf(tenantId);
    expect(before!.access_token_encrypted.startsWith("v1:")).toBe(true);

    const rotated = TokenCipher.fromConfig(
      testConfig({
        TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 8).toString("base64"),
        TOKEN_ENCRYPTION_KEY_VERSION: "v2",
        TOKEN_ENCRYPTION_PREVIOUS_KEYS: `v1:${testConfig().tokenEncryptionKey.toString("base64")}`,
      }),
    );
    const credentials = new IntegrationCredentials({ ...deps, cipher: rotated });
    const seen = await credentials.use(before!.id, async (c) => c);
    expect(seen).toEqual({ kind: "basic", username: "rotate@icloud.example", password: GOOD_PASSWORD });
    const [after] = await rowsOf(tenantId);
    expect(after!.access_token_encrypted.startsWith("v2:")).toBe(true);
    // Once resealed, the retired key is no longer needed to read it.
    const onlyNewKey = TokenCipher.fromConfig(
      testConfig({ TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 8).toString("base64"), TOKEN_ENCRYPTION_KEY_VERSION: "v2" }),
    );
    const again = await new IntegrationCredentials({ ...deps, cipher: onlyNewKey }).use(before!.id, async (c) => c);
    expect(again).toMatchObject({ password: GOOD_PASSWORD });
  });
});
