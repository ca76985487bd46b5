import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FieldServiceService } from "../../gen/universalcalendar/v1/field_service_pb.js";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { housecallPro } from "../../src/providers/field-service/housecall-pro/index.js";
import { ProviderRegistry } from "../../src/providers/registry.js";
import { waitForSync } from "../fakes/google/google-oauth-flow.js";
import { HousecallProFake } from "../fakes/housecall-pro/housecall-pro-fake.js";
import { client, grpcTransport } from "../support/clients.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

/** A small budget so the test runs in seconds: 10 requests per second per integration. */
const LIMIT = { requests: 10, perMs: 1_000 };

let hcp: HousecallProFake;
let servers: TestServer[];

beforeAll(async () => {
  hcp = await HousecallProFake.start();
  const registry = () =>
    new ProviderRegistry([
      {
        ...housecallPro.create({ apiBaseUrl: hcp.url, webhookSecret: "", requestTimeoutMs: 30_000 }),
        outboundLimit: LIMIT,
      },
    ]);
  servers = await Promise.all([startTestServer({ providers: registry() }), startTestServer({ providers: registry() })]);
});
afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.close()));
  await hcp?.close();
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

describe("outbound request budget", () => {
  it("holds across two server instances on one database", async () => {
    const tenantId = newTenantId();
    const [a, b] = servers as [TestServer, TestServer];
    const jwt = await mintJwt(tenantId);
    const fsA = client(FieldServiceService, grpcTransport(a.baseUrl, { jwt }));
    const fsB = client(FieldServiceService, grpcTransport(b.baseUrl, { jwt }));
    const connected = await fsA.connectHousecallPro({ tenantId, apiKey: hcp.issueApiKey(), timezone: "UTC" });
    await waitForSync(a, connected.syncId);

    const from = hcp.requests.length;
    const began = Date.now();
    const calls = 30;
    await Promise.all(
      Array.from({ length: calls }, (_, i) =>
        (i % 2 === 0 ? fsA : fsB).listJobs({ tenantId, provider: Provider.HOUSECALL_PRO }),
      ),
    );
    const times = hcp.requests.slice(from).map((r) => r.receivedAt ?? 0);
    expect(times.length).toBe(calls);
    // Unlimited, 30 concurrent calls land within a few milliseconds. Paced, any two seconds hold at most
    // two refills (20) plus the bucket's burst (a tenth: 1), and the 30 spread over about two seconds.
    // Times are taken where the fake receives them, so grants that left close together can arrive closer
    // still on a loaded machine: a two-second window (with 3 to spare) is far less sensitive to that
    // jitter than a one-second one, and still nowhere near 30.
    const sorted = [...times].sort((x, y) => x - y);
    expect(busiestWindow(times, 2 * LIMIT.perMs)).toBeLessThanOrEqual(2 * LIMIT.requests + 1 + 3);
    expect(sorted.at(-1)! - sorted[0]!).toBeGreaterThanOrEqual(1_500);
    expect(Date.now() - began).toBeGreaterThanOrEqual(2_000);
  });
});
