import { AvailabilityService } from "../gen/universalcalendar/v1/availability_pb.js";
import { WebhookChannelSchema } from "../src/entities/webhook-channel.js";
import { GoogleCalendarFake } from "../test/fakes/google/google-calendar-fake.js";
import { connectGoogle, waitForSync } from "../test/fakes/google/google-oauth-flow.js";
import { client, grpcTransport, serviceKey } from "../test/support/clients.js";
import { reachableServerEnv } from "../test/support/free-port.js";
import { createTestDatabase } from "../test/support/test-database.js";
import { startTestServer } from "../test/support/test-server.js";
import { percentile } from "./support/latency.js";

/**
 * Push notifications through the real server, pg-boss and PostgreSQL, with
 * the Google fake in this process:
 * 1. acknowledgement latency of POST /webhooks/google at a fixed arrival
 *    rate of 200 notifications/s for 10 s (open loop: latency counts from
 *    each request's scheduled send time), all on one live channel, so every
 *    one also coalesces into the integration's waiting sync;
 * 2. from the fake's notification to the change being visible in
 *    CheckAvailability (polled every 20 ms), over 10 changes.
 * The load generator, fake and server share one process and two cores.
 */
const RATE = 200;
const SECONDS = 10;
const ROUNDS = 10;
const DAY = 86_400_000;

export async function run(): Promise<void> {
  const database = await createTestDatabase();
  const fake = await GoogleCalendarFake.start();
  const server = await startTestServer({
    databaseUrl: database.url,
    env: { ...fake.env(), ...(await reachableServerEnv()) },
  });
  try {
    const tenantId = "bench-webhooks";
    const email = "bench-push@example.test";
    fake.addAccount(email);
    fake.loginAs(email);
    const connected = await connectGoogle(server, tenantId);
    await waitForSync(server, connected.syncId);
    let channel;
    while (!(channel = await server.orm.em.fork().findOne(WebhookChannelSchema, { tenantId }))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const atGoogle = fake.push.channels.get(channel.channelId);
    if (!atGoogle) throw new Error("the fake holds no channel");

    // 0. One at a time: the cost of one acknowledgement, without queueing behind others.
    const single: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      const res = await fetch(`${server.baseUrl}/webhooks/google`, {
        method: "POST",
        headers: fake.push.headersFor(atGoogle, "exists"),
      });
      await res.arrayBuffer();
      single.push(performance.now() - t0);
    }
    const one = Float64Array.from(single).sort();
    process.stdout.write(
      `webhook ack one at a time (200): p50 ${percentile(one, 50).toFixed(2)} ms, p99 ${percentile(one, 99).toFixed(2)} ms\n`,
    );

    // 1. Acknowledgement under 200 notifications/s.
    const latencies: number[] = [];
    let failures = 0;
    const started = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < RATE * SECONDS; i++) {
      const due = started + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      sends.push(
        fetch(`${server.baseUrl}/webhooks/google`, {
          method: "POST",
          headers: fake.push.headersFor(atGoogle, "exists"),
        })
          .then(async (res) => {
            await res.arrayBuffer();
            if (res.status !== 202) failures++;
            latencies.push(performance.now() - due);
          })
          .catch(() => {
            failures++;
          }),
      );
    }
    await Promise.all(sends);
    const sorted = Float64Array.from(latencies).sort();
    const elapsed = (performance.now() - started) / 1000;
    const [syncs] = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ n: string }[]>("select count(*) as n from sync_jobs where tenant_id = ?", [tenantId]);
    process.stdout.write(
      `webhook ack @ ${RATE}/s for ${SECONDS} s: ${latencies.length} acknowledged in ${elapsed.toFixed(1)} s, ` +
        `p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, ` +
        `max ${percentile(sorted, 100).toFixed(2)} ms, failures ${failures}; ` +
        `syncs run for ${RATE * SECONDS} notifications: ${Number(syncs?.n) - 1} (coalesced)\n`,
    );

    // 2. Notification → visible in CheckAvailability.
    const availability = client(AvailabilityService, grpcTransport(server.baseUrl, serviceKey));
    const visible: number[] = [];
    let day = new Date(Math.floor(Date.now() / DAY) * DAY + 2 * DAY);
    for (let round = 0; round < ROUNDS; round++) {
      while ([0, 6].includes(day.getUTCDay())) day = new Date(day.getTime() + DAY);
      const date = day.toISOString().slice(0, 10);
      day = new Date(day.getTime() + DAY);
      const request = { tenantId, startDate: date, endDate: date, durationMinutes: 60 };
      const before = (await availability.checkAvailability(request)).totalSlots;
      const deliveredBefore = fake.push.delivered.length;
      fake.insertEvent(email, email, {
        summary: `call-out ${round}`,
        start: { dateTime: `${date}T15:00:00.000Z` },
        end: { dateTime: `${date}T23:00:00.000Z` },
      });
      while (fake.push.delivered.length === deliveredBefore) await new Promise((resolve) => setTimeout(resolve, 2));
      const notifiedAt = fake.push.delivered[deliveredBefore]!.at;
      while ((await availability.checkAvailability(request)).totalSlots === before) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      visible.push(Date.now() - notifiedAt);
    }
    const v = Float64Array.from(visible).sort();
    process.stdout.write(
      `notification → visible in CheckAvailability (${ROUNDS} changes, WEBHOOK_SYNC_DELAY_MS=${server.config.realtime.syncCoalesceMs}): ` +
        `p50 ${percentile(v, 50).toFixed(0)} ms, max ${percentile(v, 100).toFixed(0)} ms\n`,
    );
  } finally {
    await server.close();
    await fake.close();
    await database.drop();
  }
}
