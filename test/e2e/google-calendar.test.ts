import { Code } from "@connectrpc/connect";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CalendarService, IntegrationStatus } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { SyncStatus } from "../../gen/universalcalendar/v1/sync_pb.js";
import { createLogger } from "../../src/logger.js";
import { GOOGLE_SCOPES } from "../../src/providers/calendar/google/google-calendar-provider.js";
import { GoogleCalendarFake } from "../fakes/google/google-calendar-fake.js";
import { authorizeAt, codeOf, connectGoogle, waitForSync } from "../fakes/google/google-oauth-flow.js";
import { client, connectTransport, grpcTransport, serviceKey } from "../support/clients.js";
import { errorOf } from "../support/errors.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

let fake: GoogleCalendarFake;
let server: TestServer;
const logLines: string[] = [];

beforeAll(async () => {
  fake = await GoogleCalendarFake.start();
  server = await startTestServer({
    env: fake.env(),
    logger: createLogger("debug", { write: (line: string) => void logLines.push(line) }),
  });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
});

async function calendarsFor(tenantId: string) {
  return client(CalendarService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
}

describe("connecting Google through the server", () => {
  it("runs the OAuth flow end to end and shows the integration, its calendars and a finished full sync", async () => {
    const tenantId = newTenantId();
    const email = `owner-${tenantId}@example.test`;
    fake.addAccount(email, [
      { id: `team-${tenantId}@group.example.test`, summary: "Team" },
      { id: `holidays-${tenantId}@group.example.test`, summary: "Holidays", accessRole: "reader" },
    ]);
    fake.loginAs(email);
    fake.insertEvent(email, email, {
      summary: "busy",
      start: { dateTime: new Date(Date.now() + 86_400_000).toISOString() },
      end: { dateTime: new Date(Date.now() + 90_000_000).toISOString() },
    });

    const calendars = await calendarsFor(tenantId);
    const started = await calendars.connectCalendar({ tenantId, provider: Provider.GOOGLE });
    expect(started.connected).toBe(false);
    expect(started.expiresInSeconds).toBe(600);
    const url = new URL(started.authorizationUrl);
    expect(url.origin + url.pathname).toBe(`${fake.url}/o/oauth2/v2/auth`);
    expect(url.searchParams.get("state")).toBe(started.state);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("access_type")).toBe("offline");
    expect(url.searchParams.get("scope")?.split(" ")).toEqual(GOOGLE_SCOPES);

    const { code, state } = await authorizeAt(started.authorizationUrl);
    const done = await calendars.completeOAuth({ tenantId, provider: Provider.GOOGLE, code, state });
    expect(done.integration).toMatchObject({
      tenantId,
      provider: Provider.GOOGLE,
      accountEmail: email,
      status: IntegrationStatus.ACTIVE,
    });
    const job = await waitForSync(server, done.syncId);
    expect(job.status).toBe(SyncStatus.SUCCEEDED);
    expect(job.counts?.created).toBe(1);

    const status = await calendars.getCalendarStatus({ tenantId });
    expect(status.integrations).toHaveLength(1);
    const integration = status.integrations[0];
    expect(integration?.lastSyncedAt).toBeDefined();
    expect(integration?.calendars.map((c) => [c.id, c.primary, c.checkConflicts, c.receivesEvents])).toEqual([
      [email, true, true, true],
      [`holidays-${tenantId}@group.example.test`, false, false, false],
      [`team-${tenantId}@group.example.test`, false, true, false],
    ]);
  });

  it("replaces the credentials when the same account connects again", async () => {
    const tenantId = newTenantId();
    const email = `again-${tenantId}@example.test`;
    fake.addAccount(email);
    fake.loginAs(email);
    const first = await connectGoogle(server, tenantId);
    const before = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ refresh_token_encrypted: string }[]>(
        "select refresh_token_encrypted from calendar_integrations where id = ?",
        [first.integration.id],
      );
    const second = await connectGoogle(server, tenantId);
    expect(second.integration.id).toBe(first.integration.id);
    const after = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ refresh_token_encrypted: string }[]>(
        "select refresh_token_encrypted from calendar_integrations where id = ?",
        [first.integration.id],
      );
    expect(after[0]?.refresh_token_encrypted).not.toBe(before[0]?.refresh_token_encrypted);
    const status = await (await calendarsFor(tenantId)).getCalendarStatus({ tenantId });
    expect(status.integrations).toHaveLength(1);
  });

  it("refuses a state of another tenant, a reused, an expired and an unknown state, storing nothing", async () => {
    const tenantId = newTenantId();
    const otherTenant = newTenantId();
    const email = `misuse-${tenantId}@example.test`;
    fake.addAccount(email);
    fake.loginAs(email);
    const mine = await calendarsFor(tenantId);
    const theirs = await calendarsFor(otherTenant);

    const started = await mine.connectCalendar({ tenantId, provider: Provider.GOOGLE });
    const { code, state } = await authorizeAt(started.authorizationUrl);
    expect(await codeOf(theirs.completeOAuth({ tenantId: otherTenant, provider: Provider.GOOGLE, code, state }))).toBe(
      Code.InvalidArgument,
    );
    expect(
      await codeOf(mine.completeOAuth({ tenantId, provider: Provider.GOOGLE, code, state: "made-up-state" })),
    ).toBe(Code.InvalidArgument);
    expect(await codeOf(mine.completeOAuth({ tenantId, provider: Provider.MICROSOFT, code, state }))).toBe(
      Code.InvalidArgument,
    );
    expect(await codeOf(mine.completeOAuth({ tenantId, provider: Provider.GOOGLE, code: "", state }))).toBe(
      Code.InvalidArgument,
    );
    for (const [field, tooLong] of [
      ["code", { code: "c".repeat(4097), state }],
      ["state", { code, state: "s".repeat(513) }],
    ] as const) {
      const error = await errorOf(mine.completeOAuth({ tenantId, provider: Provider.GOOGLE, ...tooLong }));
      expect([error.code, error.rawMessage.split(":")[0]]).toEqual([Code.InvalidArgument, field]);
    }
    expect((await theirs.getCalendarStatus({ tenantId: otherTenant })).integrations).toHaveLength(0);
    expect((await mine.getCalendarStatus({ tenantId })).integrations).toHaveLength(0);

    // The misuses above did not consume the state: its owner can still finish once, and only once.
    const done = await mine.completeOAuth({ tenantId, provider: Provider.GOOGLE, code, state });
    await waitForSync(server, done.syncId);
    expect(await codeOf(mine.completeOAuth({ tenantId, provider: Provider.GOOGLE, code, state }))).toBe(
      Code.FailedPrecondition,
    );

    const second = await mine.connectCalendar({ tenantId, provider: Provider.GOOGLE });
    const redirect = await authorizeAt(second.authorizationUrl);
    await server.orm.em
      .fork()
      .getConnection()
      .execute(
        "update oauth_states set expires_at = now() - interval '1 second' where tenant_id = ? and used_at is null",
        [tenantId],
      );
    expect(await codeOf(mine.completeOAuth({ tenantId, provider: Provider.GOOGLE, ...redirect }))).toBe(
      Code.FailedPrecondition,
    );
    expect((await mine.getCalendarStatus({ tenantId })).integrations).toHaveLength(1);
  });

  it("keeps the state usable when Google cannot be reached, so the same redirect completes on retry", async () => {
    const tenantId = newTenantId();
    const email = `outage-${tenantId}@example.test`;
    fake.addAccount(email);
    fake.loginAs(email);
    const mine = await calendarsFor(tenantId);
    const started = await mine.connectCalendar({ tenantId, provider: Provider.GOOGLE });
    const { code, state } = await authorizeAt(started.authorizationUrl);
    fake.failTokenRequests({ status: 503 });
    expect(await codeOf(mine.completeOAuth({ tenantId, provider: Provider.GOOGLE, code, state }))).toBe(
      Code.Unavailable,
    );
    expect((await mine.getCalendarStatus({ tenantId })).integrations).toHaveLength(0);
    const done = await mine.completeOAuth({ tenantId, provider: Provider.GOOGLE, code, state });
    expect(done.integration?.accountEmail).toBe(email);
    await waitForSync(server, done.syncId);
  });

  it("stores the state only hashed and the PKCE verifier only encrypted", async () => {
    const tenantId = newTenantId();
    const started = await (await calendarsFor(tenantId)).connectCalendar({ tenantId, provider: Provider.GOOGLE });
    const rows = await server.orm.em
      .fork()
      .getConnection()
      .execute<Record<string, string>[]>(
        "select state_hash, code_verifier_encrypted from oauth_states where tenant_id = ?",
        [tenantId],
      );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.state_hash).not.toContain(started.state);
    expect(rows[0]?.state_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.code_verifier_encrypted).toMatch(/^v1:/);
  });

  it("refuses bad connect requests and other tenants", async () => {
    const tenantId = newTenantId();
    const calendars = await calendarsFor(tenantId);
    expect(await codeOf(calendars.connectCalendar({ tenantId, provider: Provider.UNSPECIFIED }))).toBe(
      Code.InvalidArgument,
    );
    expect(await codeOf(calendars.connectCalendar({ tenantId, provider: Provider.HOUSECALL_PRO }))).toBe(
      Code.InvalidArgument,
    );
    expect(await codeOf(calendars.connectCalendar({ tenantId: newTenantId(), provider: Provider.GOOGLE }))).toBe(
      Code.PermissionDenied,
    );
    expect(await codeOf(calendars.getCalendarStatus({ tenantId: newTenantId() }))).toBe(Code.PermissionDenied);
    const anonymous = client(CalendarService, connectTransport(server.baseUrl));
    expect(await codeOf(anonymous.getCalendarStatus({ tenantId }))).toBe(Code.Unauthenticated);
  });

  it("updates the calendar selection: one receiver, unchecked calendars leave the mirror", async () => {
    const tenantId = newTenantId();
    const email = `select-${tenantId}@example.test`;
    const team = `team-${tenantId}@group.example.test`;
    fake.addAccount(email, [{ id: team, summary: "Team" }]);
    fake.loginAs(email);
    const soon = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
    fake.insertEvent(email, team, { summary: "team", start: { dateTime: soon(30) }, end: { dateTime: soon(31) } });
    const { integration, syncId } = await connectGoogle(server, tenantId);
    await waitForSync(server, syncId);
    const mirrored = async () =>
      Number(
        (
          await server.orm.em
            .fork()
            .getConnection()
            .execute<{ n: string }[]>("select count(*) as n from provider_busy_events where tenant_id = ?", [tenantId])
        )[0]?.n,
      );
    expect(await mirrored()).toBe(1);

    const calendars = await calendarsFor(tenantId);
    expect(
      await codeOf(
        calendars.updateCalendarSelection({
          integrationId: integration.id,
          calendars: [
            { calendarId: email, checkConflicts: true, receivesEvents: true },
            { calendarId: team, checkConflicts: true, receivesEvents: true },
          ],
        }),
      ),
    ).toBe(Code.InvalidArgument);
    expect(
      await codeOf(
        calendars.updateCalendarSelection({
          integrationId: integration.id,
          calendars: [{ calendarId: "nope", checkConflicts: true, receivesEvents: false }],
        }),
      ),
    ).toBe(Code.InvalidArgument);
    const other = await calendarsFor(newTenantId());
    expect(
      await codeOf(
        other.updateCalendarSelection({
          integrationId: integration.id,
          calendars: [{ calendarId: team, checkConflicts: false, receivesEvents: false }],
        }),
      ),
    ).toBe(Code.NotFound);

    const updated = await calendars.updateCalendarSelection({
      integrationId: integration.id,
      calendars: [{ calendarId: team, checkConflicts: false, receivesEvents: true }],
    });
    expect(updated.integration?.calendars.map((c) => [c.id, c.checkConflicts, c.receivesEvents])).toEqual([
      [email, true, false],
      [team, false, true],
    ]);
    expect(await mirrored()).toBe(0);
  });

  it("disconnects: revokes at Google and forgets tokens, calendars and mirrored events", async () => {
    const tenantId = newTenantId();
    const email = `bye-${tenantId}@example.test`;
    fake.addAccount(email);
    fake.loginAs(email);
    fake.insertEvent(email, email, {
      summary: "x",
      start: { dateTime: new Date(Date.now() + 7_200_000).toISOString() },
      end: { dateTime: new Date(Date.now() + 10_800_000).toISOString() },
    });
    const { integration, syncId } = await connectGoogle(server, tenantId);
    await waitForSync(server, syncId);
    const calendars = await calendarsFor(tenantId);
    expect(
      await codeOf(
        client(
          CalendarService,
          grpcTransport(server.baseUrl, { jwt: await mintJwt(newTenantId()) }),
        ).disconnectCalendar({ integrationId: integration.id }),
      ),
    ).toBe(Code.NotFound);

    const result = await calendars.disconnectCalendar({ integrationId: integration.id });
    expect(result).toMatchObject({ disconnected: true, revoked: true });
    expect((await calendars.getCalendarStatus({ tenantId })).integrations).toHaveLength(0);
    const leftovers = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ n: string }[]>(
        `select (select count(*) from calendar_integrations where tenant_id = ?)
            + (select count(*) from integration_calendars where tenant_id = ?)
            + (select count(*) from provider_busy_events where tenant_id = ?) as n`,
        [tenantId, tenantId, tenantId],
      );
    expect(Number(leftovers[0]?.n)).toBe(0);
    // Every access to the provider calendar is in the tenant's audit trail, without the account's address.
    const trail = await server.orm.em.fork().execute<{ action: string; entity_id: string; changes: unknown }[]>(
      `select action, entity_id, changes from audit_log where tenant_id = ? and entity_type = 'calendar_integration'
         order by id`,
      [tenantId],
    );
    expect(trail.map((e) => [e.action, e.entity_id])).toEqual([
      ["calendar_integration.connected", integration.id],
      ["calendar.synced", integration.id],
      ["calendar_integration.disconnected", integration.id],
    ]);
    expect(JSON.stringify(trail)).not.toContain(email);
    expect(await codeOf(calendars.disconnectCalendar({ integrationId: integration.id }))).toBe(Code.NotFound);
    expect(
      await codeOf(
        client(CalendarService, grpcTransport(server.baseUrl, serviceKey)).disconnectCalendar({
          integrationId: "not-a-uuid",
        }),
      ),
    ).toBe(Code.InvalidArgument);
  });

  it("never stores or logs a token in plaintext", async () => {
    const secrets = fake.issuedSecrets();
    expect(secrets.length).toBeGreaterThan(5);
    const db = new pg.Client({ connectionString: server.orm.config.get("clientUrl") });
    await db.connect();
    try {
      const columns = await db.query<{ table_schema: string; table_name: string; column_name: string }>(
        `select table_schema, table_name, column_name from information_schema.columns
         where table_schema not in ('pg_catalog', 'information_schema')
           and data_type in ('text', 'character varying', 'jsonb', 'json', 'bytea', 'character')`,
      );
      expect(columns.rows.length).toBeGreaterThan(10);
      for (const { table_schema, table_name, column_name } of columns.rows) {
        const found = await db.query(
          `select 1 from "${table_schema}"."${table_name}" where "${column_name}"::text like any ($1::text[]) limit 1`,
          [secrets.map((s) => `%${s}%`)],
        );
        expect(found.rowCount, `${table_schema}.${table_name}.${column_name}`).toBe(0);
      }
    } finally {
      await db.end();
    }
    const logs = logLines.join("\n");
    expect(logs).toContain("CompleteOAuth");
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });
});
