import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { FieldServiceService } from "../../gen/universalcalendar/v1/field_service_pb.js";
import { waitForSync } from "../fakes/google/google-oauth-flow.js";
import { JobberFake } from "../fakes/jobber/jobber-fake.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { startServiceProcess, untilReady } from "../support/service-process.js";
import { createDatabaseBeside, type TestDatabase } from "../support/test-database.js";
import {
  mintJwt,
  newTenantId,
  startTestServer,
  TEST_JWT_SECRET,
  TEST_SERVICE_KEY,
  type TestServer,
} from "../support/test-server.js";

/**
 * A process killed while it holds a customer's lock (SyncCustomer waiting on
 * the platform) leaves nothing held: the lock is a session lock of its
 * connection, which PostgreSQL drops with the dead client. Its own database:
 * the killed process's workers would otherwise take other files' jobs.
 */
let database: TestDatabase;
let jobber: JobberFake;
let server: TestServer;
let env: Record<string, string>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  [database, jobber] = await Promise.all([createDatabaseBeside(inject("databaseUrl")), JobberFake.start()]);
  env = {
    JOBBER_API_BASE_URL: jobber.graphqlUrl,
    JOBBER_OAUTH_BASE_URL: jobber.oauthBaseUrl,
    JOBBER_CLIENT_ID: jobber.clientId,
    JOBBER_CLIENT_SECRET: jobber.clientSecret,
  };
  server = await startTestServer({ databaseUrl: database.url, env });
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await server?.close();
  await jobber?.close();
  await database?.drop();
});

it("a process killed while it holds a customer's lock does not hold up the next call for that customer", async () => {
  const tenantId = newTenantId();
  const fs = client(FieldServiceService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
  const connected = await fs.connectJobber({ tenantId, apiKey: jobber.issueApiKey(), subdomain: "acme" });
  await waitForSync(server, connected.syncId);

  const doomed = await startServiceProcess({
    ...env,
    DATABASE_URL: database.url,
    INTERNAL_SERVICE_KEY: TEST_SERVICE_KEY,
    JWT_SECRET: TEST_JWT_SECRET,
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString("base64"),
  });
  children.push(doomed.child);
  await untilReady(doomed);

  const customer = { name: "Kit Killed", phone: "+13125550236" };
  const syncCustomer = (baseUrl: string) =>
    client(FieldServiceService, grpcTransport(baseUrl, serviceKey)).syncCustomer({
      tenantId,
      provider: Provider.JOBBER,
      customer,
    });
  // The doomed process's clientCreate hangs on the platform, its lock held, until the process dies.
  jobber.delayOperation("ClientCreate", 30_000);
  const abandoned = syncCustomer(doomed.baseUrl).catch((error: unknown) => error);
  await expect.poll(() => jobber.operations().includes("ClientCreate"), { timeout: 20_000, interval: 50 }).toBe(true);
  doomed.child.kill("SIGKILL");
  await doomed.exited;
  await abandoned;

  // Waiting on a lock nobody holds would last as long as the dead connection is not noticed; this answers at once.
  const next = await Promise.race([
    syncCustomer(server.baseUrl),
    new Promise<"still waiting">((resolve) => setTimeout(() => resolve("still waiting"), 15_000)),
  ]);
  expect(next).toMatchObject({ created: true });
}, 90_000);
