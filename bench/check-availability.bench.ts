import pg from "pg";
import {
  CheckAvailabilityRequestSchema,
  UpdateSchedulingRulesRequestSchema,
} from "../gen/universalcalendar/v1/availability_pb.js";
import { createTestDatabase } from "../test/support/test-database.js";
import { grpcCall, grpcFrame } from "./support/grpc-wire.js";
import { runFixedBodyLoad } from "./support/fixed-body-load.js";
import { ensureH2load } from "./support/h2load.js";
import { targetLines } from "./support/rpc-targets.js";
import { compare, report, startTargets, stopTargets } from "./support/rpc-bench.js";
import { BENCH_SERVICE_KEY } from "./support/server-process.js";

const METHOD = "/universalcalendar.v1.AvailabilityService/CheckAvailability";
const CONNECTIONS = 8;
const STREAMS_PER_CONNECTION = 4;
const TENANT = "bench-availability";
const DAY = 86_400_000;

/** The first Monday at least a week ahead: inside the booking horizon and past the minimum notice. */
function firstMonday(): string {
  let day = Math.floor(Date.now() / DAY) * DAY + 7 * DAY;
  while (new Date(day).getUTCDay() !== 1) day += DAY;
  return new Date(day).toISOString().slice(0, 10);
}

/**
 * America/Los_Angeles Mon–Fri 09:00–17:00 (set through UpdateSchedulingRules),
 * 15-minute steps; in the 14-day window: 60 appointments, 10 blocks (half
 * soft) and 200 busy events of a connected calendar (some tentative, some
 * transparent).
 */
async function seed(serviceUrl: string, databaseUrl: string, startDate: string): Promise<void> {
  const rules = grpcFrame(UpdateSchedulingRulesRequestSchema, {
    tenantId: TENANT,
    rules: {
      timeZone: "America/Los_Angeles",
      weeklyHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, ranges: [{ start: "09:00", end: "17:00" }] })),
      slotIntervalMinutes: 15,
      bufferAfterMinutes: 15,
      minimumNoticeMinutes: 60,
      bookingHorizonDays: 60,
    },
  });
  await grpcCall(serviceUrl, "/universalcalendar.v1.AvailabilityService/UpdateSchedulingRules", rules, {
    "x-service-key": BENCH_SERVICE_KEY,
  });
  const windowStart = new Date(`${startDate}T08:00:00Z`);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `insert into appointments (tenant_id, title, start_time, end_time, status, created_by)
       select $1, 'Job', t, t + interval '60 minutes', 'confirmed', 'bench'
       from generate_series($2::timestamptz, $2::timestamptz + interval '13 days', interval '337 minutes') as t limit 60`,
      [TENANT, new Date(windowStart.getTime() + 9 * 3_600_000)],
    );
    await db.query(
      `insert into availability_blocks (tenant_id, start_time, end_time, title, block_type, created_by)
       select $1, t, t + interval '90 minutes', 'Block', case when n % 2 = 0 then 'hard' else 'soft' end, 'bench'
       from generate_series(1, 10) as n, lateral (select $2::timestamptz + n * interval '31 hours' as t) x`,
      [TENANT, windowStart],
    );
    const integration = await db.query<{ id: string }>(
      `insert into calendar_integrations (tenant_id, provider, account_email) values ($1, 'google', 'bench@example.test') returning id`,
      [TENANT],
    );
    const calendar = await db.query<{ id: string }>(
      `insert into integration_calendars (tenant_id, integration_id, provider_calendar_id, time_zone, is_primary)
       values ($1, $2, 'primary', 'America/Los_Angeles', true) returning id`,
      [TENANT, integration.rows[0]!.id],
    );
    await db.query(
      `insert into provider_busy_events (tenant_id, integration_id, calendar_id, provider_event_id, start_time, end_time, status, transparent)
       select $1, $2, $3, 'evt-' || n, t, t + interval '45 minutes', case when n % 10 = 0 then 'tentative' else 'confirmed' end, n % 7 = 0
       from generate_series(1, 200) as n, lateral (select $4::timestamptz + n * interval '97 minutes' as t) x`,
      [TENANT, integration.rows[0]!.id, calendar.rows[0]!.id, windowStart],
    );
  } finally {
    await db.end();
  }
}

/** CheckAvailability, 60-minute slots over 14 days, with h2load against the service and the baseline handler. */
export async function run(): Promise<void> {
  ensureH2load();
  const database = await createTestDatabase();
  const startDate = firstMonday();
  const endDate = new Date(Date.parse(startDate) + 13 * DAY).toISOString().slice(0, 10);
  const body = grpcFrame(CheckAvailabilityRequestSchema, { tenantId: TENANT, startDate, endDate, durationMinutes: 60 });
  const headers = { "x-service-key": BENCH_SERVICE_KEY };
  let answerBytes = 0;
  const targets = await startTargets(database.url, async (serviceUrl) => {
    await seed(serviceUrl, database.url, startDate);
    const answer = await grpcCall(serviceUrl, METHOD, body, headers);
    answerBytes = answer.length;
    return answer;
  });
  try {
    await grpcCall(targets.baseline.url, METHOD, body, headers);
    const measured = await compare(targets, (url, mode, calls) =>
      runFixedBodyLoad({
        url: url + METHOD,
        headers,
        body,
        calls,
        connections: CONNECTIONS,
        mode: mode.kind === "closed" ? { kind: "closed", streamsPerConnection: STREAMS_PER_CONNECTION } : mode,
      }),
    );
    process.stdout.write(
      report(
        `CheckAvailability over gRPC, ${startDate}..${endDate}, 200 busy events, ${answerBytes}-byte answer; ` +
          `h2load ${CONNECTIONS} connections x ${STREAMS_PER_CONNECTION} streams (closed loop); open loop from the raw HTTP/2 generator`,
        measured,
        targetLines(measured, { minShare: 0.5, openLoopP99Ms: 20 }),
      ),
    );
  } finally {
    await stopTargets(targets);
    await database.drop();
  }
}
