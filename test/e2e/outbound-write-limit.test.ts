import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AppointmentService, ProviderSyncStatus } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { GoogleCalendarFake } from "../fakes/google/google-calendar-fake.js";
import { connectGoogle, waitForSync } from "../fakes/google/google-oauth-flow.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { createDatabaseBeside, type TestDatabase } from "../support/test-database.js";
import { newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

const WRITES_PER_SECOND = 4;
const ENV = {
  FAST_PATH_BUDGET_MS: "0",
  OUTBOX_CLAIM_SECONDS: "2",
  OUTBOX_RETRY_BASE_DELAY_MS: "50",
  GOOGLE_WRITES_PER_SECOND_PER_USER: String(WRITES_PER_SECOND),
};

let fake: GoogleCalendarFake;
let servers: TestServer[];

/** Its own database (see createDatabaseBeside): its deliveries are its own servers'. */
let database: TestDatabase;

beforeAll(async () => {
  database = await createDatabaseBeside(inject("databaseUrl"));
  fake = await GoogleCalendarFake.start();
  servers = await Promise.all([
    startTestServer({ databaseUrl: database.url, env: { ...fake.env(), ...ENV } }),
    startTestServer({ databaseUrl: database.url, env: { ...fake.env(), ...ENV } }),
  ]);
});
afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.close()));
  await fake?.close();
  await database?.drop();
});

/** The most requests any window of `ms` holds. */
function busiestWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] ?? 0) - (sorted[j] ?? 0) >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe("calendar writes per provider account", () => {
  it("stay within GOOGLE_WRITES_PER_SECOND_PER_USER across two instances, and every booking is delivered", async () => {
    const tenantId = newTenantId();
    const email = `limit-${tenantId}@example.test`;
    fake.addAccount(email);
    fake.loginAs(email);
    const connected = await connectGoogle(servers[0]!, tenantId);
    await waitForSync(servers[0]!, connected.syncId);

    const from = fake.requests.length;
    const ids = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const start = new Date(Date.now() + (3 + i) * 86_400_000);
        start.setUTCHours(15, 0, 0, 0);
        const api = client(AppointmentService, grpcTransport(servers[i % 2]!.baseUrl, serviceKey));
        const res = await api.createAppointment(
          appointmentRequest(tenantId, start.toISOString(), new Date(start.getTime() + 3_600_000).toISOString()),
        );
        return res.appointment!.id;
      }),
    );
    const api = client(AppointmentService, grpcTransport(servers[0]!.baseUrl, serviceKey));
    for (const id of ids) {
      await expect
        .poll(async () => (await api.getAppointment({ id })).appointment?.syncStatus, { timeout: 20_000 })
        .toBe(ProviderSyncStatus.SYNCED);
    }
    const inserts = fake.requests
      .slice(from)
      .filter((r) => r.method === "POST" && /\/events$/.test(r.path))
      .map((r) => r.at);
    expect(inserts.length).toBeGreaterThanOrEqual(ids.length);
    // Unlimited, twelve queued writes go out within a few milliseconds.
    expect(busiestWindow(inserts, 1_000)).toBeLessThanOrEqual(WRITES_PER_SECOND);
  });
});
