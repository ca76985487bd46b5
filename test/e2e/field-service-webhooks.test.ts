import { createHmac, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CalendarIntegrationSchema } from "../../src/entities/calendar-integration.js";
import { ProviderError } from "../../src/providers/kit/provider-error.js";
import type { Provider } from "../../src/providers/kit/provider-definition.js";
import { HousecallProWebhookVerifier } from "../../src/providers/field-service/housecall-pro/housecall-pro-webhooks.js";
import { JobberWebhookVerifier } from "../../src/providers/field-service/jobber/jobber-webhooks.js";
import { ProviderRegistry } from "../../src/providers/registry.js";
import { eventually } from "../support/free-port.js";
import { newTenantId, startTestServer, testConfig, type TestServer } from "../support/test-server.js";

const JOBBER_SECRET = "jobber-app-client-secret";
const HCP_SECRET = "housecall-pro-signing-secret";
let server: TestServer;

/**
 * Jobber and HouseCall Pro stand here as providers carrying only their
 * webhook verifiers (with the test's secrets), so that the syncs a push
 * queues never reach for the real platforms.
 */
function fieldServiceProvider(name: string, webhooks: Provider["capabilities"]["webhooks"]): Provider {
  return {
    name,
    connector: {
      auth: "api_key",
      verify: () => Promise.reject(new ProviderError(name, "unauthorized", "not in this test")),
    },
    capabilities: { webhooks },
  };
}

beforeAll(async () => {
  const config = testConfig();
  const calendars = ProviderRegistry.fromConfig(config);
  server = await startTestServer({
    // A wide coalescing window makes "one sync per burst" independent of worker timing.
    env: { WEBHOOK_SYNC_DELAY_MS: "1000" },
    providers: new ProviderRegistry([
      calendars.get("google"),
      calendars.get("microsoft"),
      calendars.get("apple"),
      fieldServiceProvider("jobber", new JobberWebhookVerifier(JOBBER_SECRET)),
      fieldServiceProvider("housecall_pro", new HousecallProWebhookVerifier(HCP_SECRET)),
    ]),
  });
});
afterAll(async () => {
  await server?.close();
});

async function integration(provider: string, accountId: string): Promise<string> {
  const em = server.orm.em.fork();
  const row = em.create(CalendarIntegrationSchema, {
    id: randomUUID(),
    tenantId: newTenantId(),
    provider,
    accountEmail: accountId,
    status: "active",
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  await em.flush();
  return row.id;
}

async function syncsOf(integrationId: string): Promise<number> {
  const [row] = await server.orm.em
    .fork()
    .getConnection()
    .execute<{ n: string }[]>("select count(*) as n from sync_jobs where integration_id = ?", [integrationId]);
  return Number(row?.n ?? 0);
}

function jobberPush(body: string, signature = createHmac("sha256", JOBBER_SECRET).update(body).digest("base64")) {
  return fetch(`${server.baseUrl}/webhooks/jobber`, {
    method: "POST",
    headers: { "content-type": "application/json", "X-Jobber-Hmac-SHA256": signature },
    body,
  });
}

function hcpPush(body: string, timestamp = Math.floor(Date.now() / 1000), secret = HCP_SECRET) {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return fetch(`${server.baseUrl}/webhooks/housecallpro`, {
    method: "POST",
    headers: { "content-type": "application/json", "Api-Timestamp": String(timestamp), "Api-Signature": signature },
    body,
  });
}

const jobberEvent = (accountId: string, itemId = "Z2lkOi8vSm9iYmVyL1Zpc2l0LzE=") =>
  JSON.stringify({
    data: {
      webHookEvent: { topic: "VISIT_UPDATE", appId: "app-1", accountId, itemId, occurredAt: new Date().toISOString() },
    },
  });

describe("Jobber webhooks", () => {
  it("queues one sync of the account's integration for a signed push, and nothing for a duplicate", async () => {
    const accountId = `Z2lkOi8vSm9iYmVyL0FjY291bnQv${randomUUID()}`;
    const integrationId = await integration("jobber", accountId);
    const body = jobberEvent(accountId);
    expect((await jobberPush(body)).status).toBe(202);
    expect((await jobberPush(body)).status).toBe(202);
    await eventually(async () => (await syncsOf(integrationId)) === 1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await syncsOf(integrationId)).toBe(1);
  });

  it("refuses a bad or missing signature with 401 and changes nothing", async () => {
    const accountId = `acct-${randomUUID()}`;
    const integrationId = await integration("jobber", accountId);
    const body = jobberEvent(accountId);
    expect((await jobberPush(body, createHmac("sha256", "other").update(body).digest("base64"))).status).toBe(401);
    const unsigned = await fetch(`${server.baseUrl}/webhooks/jobber`, { method: "POST", body });
    expect(unsigned.status).toBe(401);
    const tampered = await jobberPush(body, createHmac("sha256", JOBBER_SECRET).update(`${body} `).digest("base64"));
    expect(tampered.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await syncsOf(integrationId)).toBe(0);
    // The same account's genuine push still works.
    expect((await jobberPush(body)).status).toBe(202);
    await eventually(async () => (await syncsOf(integrationId)) === 1);
  });

  it("acknowledges a signed push for an account we do not know, syncing nothing", async () => {
    expect((await jobberPush(jobberEvent(`unknown-${randomUUID()}`))).status).toBe(202);
  });
});

describe("HouseCall Pro webhooks", () => {
  it("queues a sync for a signed push and refuses a wrong signature, a stale timestamp and a replay of it", async () => {
    const companyId = `company-${randomUUID()}`;
    const integrationId = await integration("housecall_pro", companyId);
    const body = JSON.stringify({ event: "job.scheduled", company_id: companyId, job: { id: "job_1" } });
    expect((await hcpPush(body, undefined, "wrong-secret")).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 3_600;
    expect((await hcpPush(body, stale)).status).toBe(401);
    expect((await hcpPush(body)).status).toBe(202);
    await eventually(async () => (await syncsOf(integrationId)) === 1);
    const malformed = await hcpPush(JSON.stringify({ nothing: true }));
    expect(malformed.status).toBe(400);
  });
});
