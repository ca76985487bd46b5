import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AvailabilityService } from "../gen/universalcalendar/v1/availability_pb.js";
import { updateSchedulingRules } from "../src/app/availability/update-scheduling-rules.js";
import type { AppContext } from "../src/app/context.js";
import { fixedClock } from "../src/domain/clock.js";
import { createLogger } from "../src/logger.js";
import { createTestDatabase } from "../test/support/test-database.js";
import { startTestServer, TEST_SERVICE_KEY } from "../test/support/test-server.js";

/**
 * CheckAvailability through gRPC (h2c) at 16 concurrent clients, each on its
 * own HTTP/2 connection and all in a child process, against a real server
 * (this process) and a fresh database
 * (TEST_DATABASE_URL / DATABASE_URL, else embedded PostgreSQL). The tenant has
 * America/Los_Angeles Mon–Fri 09:00–17:00 rules, 15-minute steps, and in the
 * 14-day window asked for: 60 appointments, 10 blocks and 200 busy calendar
 * events. Each call asks for 60-minute slots over those 14 days.
 */
const CLIENTS = 16;
const WARMUP_MS = 2_000;
const MEASURE_MS = 10_000;
const TENANT = "bench-tenant";
const WINDOW_START = Date.parse("2030-06-03T07:00:00Z");

async function seed(app: AppContext): Promise<void> {
  await updateSchedulingRules(app, { kind: "service" }, {
    tenantId: TENANT,
    fields: [],
    rules: {
      timeZone: "America/Los_Angeles",
      weeklyHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, ranges: [{ start: "09:00", end: "17:00" }] })),
      dateOverrides: [],
      slotIntervalMinutes: 15,
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 15,
      minimumNoticeMinutes: 60,
      bookingHorizonDays: 60,
      tentativeIsBusy: false,
    },
  });
  const sql = app.orm.em.getConnection();
  await sql.execute(
    `insert into appointments (tenant_id, customer_name, customer_phone, title, start_time, end_time, status, created_by)
     select ?, 'Bench Customer', '+15551234567', 'Job', t, t + interval '60 minutes', 'confirmed', 'bench'
     from generate_series(?::timestamptz, ?::timestamptz + interval '13 days', interval '337 minutes') as t limit 60`,
    [TENANT, new Date(WINDOW_START + 9 * 3_600_000), new Date(WINDOW_START + 9 * 3_600_000)],
  );
  await sql.execute(
    `insert into availability_blocks (tenant_id, start_time, end_time, title, block_type, created_by)
     select ?, t, t + interval '90 minutes', 'Block', case when n % 2 = 0 then 'hard' else 'soft' end, 'bench'
     from generate_series(1, 10) as n, lateral (select ?::timestamptz + n * interval '31 hours' as t) x`,
    [TENANT, new Date(WINDOW_START)],
  );
  const [integration] = await sql.execute<{ id: string }[]>(
    `insert into calendar_integrations (tenant_id, provider, account_email) values (?, 'google', 'bench@example.test') returning id`,
    [TENANT],
  );
  const [calendar] = await sql.execute<{ id: string }[]>(
    `insert into integration_calendars (tenant_id, integration_id, provider_calendar_id, time_zone, is_primary)
     values (?, ?, 'primary', 'America/Los_Angeles', true) returning id`,
    [TENANT, integration!.id],
  );
  await sql.execute(
    `insert into provider_busy_events (tenant_id, integration_id, calendar_id, provider_event_id, start_time, end_time, status, transparent)
     select ?, ?, ?, 'evt-' || n, t, t + interval '45 minutes', case when n % 10 = 0 then 'tentative' else 'confirmed' end, n % 7 = 0
     from generate_series(1, 200) as n, lateral (select ?::timestamptz + n * interval '97 minutes' as t) x`,
    [TENANT, integration!.id, calendar!.id, new Date(WINDOW_START)],
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

interface LoadJob {
  port: number;
  clients: number;
  request: { tenantId: string; startDate: string; endDate: string; durationMinutes: number };
}

interface LoadResult {
  totalSlots: number;
  single: number[];
  latencies: number[];
  elapsedMs: number;
}

/** The callers: one sequential client, then CLIENTS concurrent ones, each on its own connection. */
async function generateLoad(job: LoadJob): Promise<LoadResult> {
  const clients = Array.from({ length: job.clients }, () =>
    createClient(
      AvailabilityService,
      createGrpcTransport({
        baseUrl: `http://127.0.0.1:${job.port}`,
        interceptors: [(next) => (req) => (req.header.set("x-service-key", TEST_SERVICE_KEY), next(req))],
      }),
    ),
  );
  const first = await clients[0]!.checkAvailability(job.request);
  const single: number[] = [];
  for (let i = 0; i < 300; i++) {
    const started = performance.now();
    await clients[0]!.checkAvailability(job.request);
    single.push(performance.now() - started);
  }
  const latencies: number[] = [];
  let measuring = false;
  let stop = false;
  const loops = clients.map(async (availability) => {
    while (!stop) {
      const started = performance.now();
      await availability.checkAvailability(job.request);
      if (measuring) latencies.push(performance.now() - started);
    }
  });
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  measuring = true;
  const measureStart = performance.now();
  await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
  measuring = false;
  const elapsedMs = performance.now() - measureStart;
  stop = true;
  await Promise.all(loops);
  return { totalSlots: first.totalSlots, single, latencies, elapsedMs };
}

const LOAD_GENERATOR_FLAG = "--availability-load-generator";
if (process.argv[2] === LOAD_GENERATOR_FLAG) {
  process.send!(await generateLoad(JSON.parse(process.argv[3]!) as LoadJob), () => process.exit(0));
}

export async function run(): Promise<void> {
  const database = await createTestDatabase();
  // The logging interceptor's durationMs: time spent in the server's handler chain per call.
  const handlerMs: number[] = [];
  const logger = createLogger("info", {
    write: (line: string) => {
      const entry = JSON.parse(line) as { method?: string; durationMs?: number };
      if (entry.durationMs !== undefined && entry.method?.endsWith("/CheckAvailability")) handlerMs.push(entry.durationMs);
    },
  });
  const server = await startTestServer({ databaseUrl: database.url, clock: fixedClock("2030-06-01T12:00:00Z"), logger });
  try {
    await seed(server.app);
    // Callers run in their own process, as other services would.
    const job: LoadJob = {
      port: server.port,
      clients: CLIENTS,
      request: { tenantId: TENANT, startDate: "2030-06-03", endDate: "2030-06-16", durationMinutes: 60 },
    };
    const child = fork(fileURLToPath(import.meta.url), [LOAD_GENERATOR_FLAG, JSON.stringify(job)], {
      execArgv: ["--import", "tsx"],
    });
    const result = await new Promise<LoadResult>((resolve, reject) => {
      child.once("message", (message) => resolve(message as LoadResult));
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`load generator exited with ${code}`)));
    });
    const single = [...result.single].sort((a, b) => a - b);
    const handler = handlerMs.slice(1).sort((a, b) => a - b);
    const latencies = [...result.latencies].sort((a, b) => a - b);
    process.stdout.write(
      `CheckAvailability over gRPC, 14-day window, ${result.totalSlots} slots per answer\n` +
        `1 client, sequential: p50 ${percentile(single, 0.5).toFixed(2)} ms  p99 ${percentile(single, 0.99).toFixed(2)} ms\n` +
        `${CLIENTS} concurrent clients: ${latencies.length} calls in ${(result.elapsedMs / 1_000).toFixed(1)} s = ` +
        `${((latencies.length / result.elapsedMs) * 1_000).toFixed(0)} calls/s\n` +
        `latency ms: p50 ${percentile(latencies, 0.5).toFixed(2)}  p90 ${percentile(latencies, 0.9).toFixed(2)}  ` +
        `p99 ${percentile(latencies, 0.99).toFixed(2)}  max ${latencies.at(-1)!.toFixed(2)}\n` +
        `server handler ms (all calls): p50 ${percentile(handler, 0.5).toFixed(2)}  p99 ${percentile(handler, 0.99).toFixed(2)}\n`,
    );
  } finally {
    await server.close();
    await database.drop();
  }
}
