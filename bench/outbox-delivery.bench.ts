import { randomBytes, randomUUID } from "node:crypto";
import { createAppointment } from "../src/app/appointments/create-appointment.js";
import { BOOK_UNLESS_BUSY, bookingValues } from "../src/app/appointments/insert-appointment.js";
import { unitOfWorkSql } from "../src/db/unit-of-work-sql.js";
import { validateNewAppointment } from "../src/domain/appointments/new-appointment.js";
import { loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/orm.js";
import { systemClock } from "../src/domain/clock.js";
import { createLogger } from "../src/logger.js";
import { completeOAuth } from "../src/app/integrations/complete-oauth.js";
import { connectCalendar } from "../src/app/calendar/connect-calendar.js";
import { wireApplication, type Application } from "../src/wiring.js";
import { GoogleCalendarFake } from "../test/fakes/google/google-calendar-fake.js";
import { createTestDatabase } from "../test/support/test-database.js";
import { percentile } from "./support/latency.js";

const DELIVERIES = 400;
const BOOKINGS = 200;
const HOUR = 3_600_000;
const service = { kind: "service", keyId: "bench" } as const;

/**
 * Two figures against the Google fake, in process (no RPC client in the
 * measurement): outbox deliveries per second with the worker doing all of
 * them (2 workers per queue, one instance), and the CreateAppointment use
 * case's p50/p99 with the fast path on (the calendar write inside the call)
 * and off (the worker writes it). Sequential bookings: latency, not load.
 */
export async function run(): Promise<void> {
  const fake = await GoogleCalendarFake.start();
  const database = await createTestDatabase();
  const logger = createLogger("silent");
  const applications: Application[] = [];
  try {
    const start = async (env: Record<string, string>) => {
      const config = loadConfig({
        NODE_ENV: "test",
        LOG_LEVEL: "silent",
        ...fake.env(),
        GOOGLE_WRITES_PER_SECOND_PER_USER: "1000",
        OAUTH_REDIRECT_URI: "http://127.0.0.1:1/oauth/callback",
        ...env,
      });
      const orm = await openDatabase(database.url);
      const app = await wireApplication({
        orm,
        config,
        logger,
        clock: systemClock,
        queueSchema: `pgboss_${randomUUID().replace(/-/g, "").slice(0, 12)}`,
      });
      applications.push(app);
      return app.ctx;
    };
    const off = await start({ FAST_PATH_BUDGET_MS: "0" });
    const on = await start({ FAST_PATH_BUDGET_MS: "1500" });

    const tenantId = `bench-outbox-${randomBytes(3).toString("hex")}`;
    const email = `${tenantId}@example.test`;
    fake.addAccount(email);
    fake.loginAs(email);
    const started = await connectCalendar(on, service, { tenantId, provider: "google" });
    if (started.kind !== "authorize") throw new Error("Google connects through OAuth");
    const redirect = await fetch(started.authorizationUrl, { redirect: "manual" });
    const back = new URL(redirect.headers.get("location") ?? "");
    await completeOAuth(on, service, {
      tenantId,
      provider: "google",
      code: back.searchParams.get("code") ?? "",
      state: back.searchParams.get("state") ?? "",
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const book = async (ctx: typeof on, i: number) => {
      const at = Date.parse("2031-06-01T00:00:00Z") + i * HOUR;
      const t0 = performance.now();
      await createAppointment(ctx, service, {
        tenantId,
        idempotencyKey: "",
        request: {
          customerName: "Bench Customer",
          customerPhone: "+15551234567",
          customerEmail: "",
          title: "Bench job",
          description: "",
          jobType: "",
          customerId: "",
          leadId: "",
          conversationId: "",
          timezone: "",
          start: new Date(at),
          end: new Date(at + HOUR),
          address: "",
          estimatedCost: "",
          notes: "",
          notifyCustomer: false,
        },
      });
      return performance.now() - t0;
    };

    const latencies = async (ctx: typeof on, offset: number) => {
      const ms: number[] = [];
      for (let i = 0; i < BOOKINGS; i++) ms.push(await book(ctx, offset + i));
      const sorted = Float64Array.from(ms).sort();
      return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    };
    const fastOff = await latencies(off, 0);
    const fastOn = await latencies(on, 10_000);

    const pending = async () =>
      Number(
        (
          await off.orm.em
            .fork()
            .getConnection()
            .execute<{ n: string }[]>("select count(*) as n from outbox where status = 'pending'")
        )[0]?.n,
      );
    while ((await pending()) > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    // The worker alone: DELIVERIES appointments (and their outbox rows) are written while no
    // instance runs, then one instance starts and is timed until its workers have drained them.
    const dataKey = await off.customerKeys.current(tenantId);
    for (const app of applications.splice(0)) {
      await app.stop();
      await app.ctx.orm.close();
    }
    const orm = await openDatabase(database.url);
    const em = orm.em.fork();
    for (let i = 0; i < DELIVERIES; i++) {
      const at = Date.parse("2032-01-01T00:00:00Z") + i * HOUR;
      const input = validateNewAppointment(
        {
          customerName: "Bench Customer",
          customerPhone: "+15551234567",
          customerEmail: "",
          title: "Bench job",
          description: "",
          jobType: "",
          customerId: "",
          leadId: "",
          conversationId: "",
          timezone: "",
          start: new Date(at),
          end: new Date(at + HOUR),
          address: "",
          estimatedCost: "",
          notes: "",
          notifyCustomer: false,
        },
        new Date(),
      );
      await em.transactional((tx) =>
        unitOfWorkSql(tx).rows(BOOK_UNLESS_BUSY, bookingValues(tenantId, service, input, undefined, dataKey)(true)),
      );
    }
    await orm.close();
    const t0 = performance.now();
    const worker = await start({ FAST_PATH_BUDGET_MS: "0" });
    const pendingNow = async () =>
      Number(
        (
          await worker.orm.em
            .fork()
            .getConnection()
            .execute<{ n: string }[]>("select count(*) as n from outbox where status = 'pending'")
        )[0]?.n,
      );
    while ((await pendingNow()) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const seconds = (performance.now() - t0) / 1000;

    process.stdout.write(
      `outbox deliveries to the Google fake: ${DELIVERIES} in ${seconds.toFixed(2)} s = ${(DELIVERIES / seconds).toFixed(0)}/s ` +
        `(one instance, 2 workers, from its start to the last delivery)\n` +
        `CreateAppointment use case, ${BOOKINGS} sequential bookings:\n` +
        `  fast path off: p50 ${fastOff.p50.toFixed(1)} ms, p99 ${fastOff.p99.toFixed(1)} ms\n` +
        `  fast path on:  p50 ${fastOn.p50.toFixed(1)} ms, p99 ${fastOn.p99.toFixed(1)} ms (the event is written inside the call)\n`,
    );
  } finally {
    for (const app of applications) {
      await app.stop();
      await app.ctx.orm.close();
    }
    await fake.close();
    await database.drop();
  }
}
