import { SyncService, SyncStatus, SyncType, type SyncJob } from "../gen/universalcalendar/v1/sync_pb.js";
import { Provider } from "../gen/universalcalendar/v1/common_pb.js";
import { GoogleCalendarFake } from "../test/fakes/google/google-calendar-fake.js";
import { connectGoogle, waitForSync } from "../test/fakes/google/google-oauth-flow.js";
import { client, grpcTransport, serviceKey } from "../test/support/clients.js";
import { createTestDatabase } from "../test/support/test-database.js";
import { startTestServer } from "../test/support/test-server.js";

/**
 * Google sync through the real server, pg-boss worker and PostgreSQL
 * (TEST_DATABASE_URL / DATABASE_URL, else embedded) against the Google fake
 * in this process: a full sync of 10,000 events (2,500 per page, 4 pages),
 * then an incremental sync after one event moved. The fake shares the
 * process, so the RSS figures include it.
 */
const EVENTS = 10_000;
const TENANT = "bench-google-sync";
const EMAIL = "bench@example.test";

function seconds(job: SyncJob): number {
  const started = Number(job.startedAt?.seconds ?? 0n) * 1000 + (job.startedAt?.nanos ?? 0) / 1e6;
  const finished = Number(job.finishedAt?.seconds ?? 0n) * 1000 + (job.finishedAt?.nanos ?? 0) / 1e6;
  return (finished - started) / 1000;
}

export async function run(): Promise<void> {
  const database = await createTestDatabase();
  const fake = await GoogleCalendarFake.start();
  const server = await startTestServer({ databaseUrl: database.url, env: fake.env() });
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  try {
    fake.addAccount(EMAIL);
    const start = Date.now() - 6 * 86_400_000;
    for (let i = 0; i < EVENTS; i++) {
      // Spread over 66 days, 30-minute events, some overlapping: a busy shop's calendar.
      const at = start + Math.floor((i * 66 * 86_400_000) / EVENTS);
      fake.insertEvent(EMAIL, EMAIL, {
        summary: `job ${i}`,
        start: { dateTime: new Date(at).toISOString() },
        end: { dateTime: new Date(at + 30 * 60_000).toISOString() },
      });
    }
    const rssBefore = process.memoryUsage().rss;
    peakRss = rssBefore;

    fake.resetRequests();
    const wallStart = performance.now();
    const { syncId } = await connectGoogle(server, TENANT);
    const full = await waitForSync(server, syncId, 120_000);
    const fullWall = (performance.now() - wallStart) / 1000;
    if (full.status !== SyncStatus.SUCCEEDED) throw new Error(`full sync failed: ${full.errors.join("; ")}`);
    const fullSeconds = seconds(full);
    const listRequests = fake.countRequests((r) => r.path.endsWith("/events"));
    process.stdout.write(
      `full sync: ${full.counts?.processed} events (${full.counts?.created} created) in ${fullSeconds.toFixed(2)} s = ` +
        `${((full.counts?.processed ?? 0) / fullSeconds).toFixed(0)} events/s (job start to end; ` +
        `${fullWall.toFixed(2)} s wall incl. OAuth flow and queueing), ${listRequests} events.list requests\n`,
    );
    process.stdout.write(
      `RSS: ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, peak ${(peakRss / 2 ** 20).toFixed(0)} MiB during the full sync ` +
        `(server + worker + fake in one process)\n`,
    );

    const [one] = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ provider_event_id: string }[]>(
        "select provider_event_id from provider_busy_events where tenant_id = ? order by start_time offset 5000 limit 1",
        [TENANT],
      );
    if (!one) throw new Error("mirror is empty");
    fake.updateEvent(EMAIL, EMAIL, one.provider_event_id, {
      summary: "moved",
      start: { dateTime: new Date(Date.now() + 3 * 86_400_000).toISOString() },
      end: { dateTime: new Date(Date.now() + 3 * 86_400_000 + 3_600_000).toISOString() },
    });
    fake.resetRequests();
    const sync = client(SyncService, grpcTransport(server.baseUrl, serviceKey));
    const incStart = performance.now();
    const triggered = await sync.triggerSync({
      tenantId: TENANT,
      provider: Provider.GOOGLE,
      type: SyncType.INCREMENTAL,
    });
    const inc = await waitForSync(server, triggered.syncId);
    const incWall = performance.now() - incStart;
    if (inc.status !== SyncStatus.SUCCEEDED) throw new Error(`incremental sync failed: ${inc.errors.join("; ")}`);
    process.stdout.write(
      `incremental sync, one change: ${fake.countRequests((r) => r.path.endsWith("/events"))} events.list request(s), ` +
        `${fake.requests.length} provider requests in all, counts ${JSON.stringify({ ...inc.counts, $typeName: undefined })}, ` +
        `${(seconds(inc) * 1000).toFixed(0)} ms job start to end, ${incWall.toFixed(0)} ms wall from TriggerSync (incl. queue pickup)\n`,
    );
  } finally {
    clearInterval(sampler);
    await server.close();
    await fake.close();
    await database.drop();
  }
}
