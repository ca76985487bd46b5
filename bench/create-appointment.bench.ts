import { rmSync, writeFileSync } from "node:fs";
import pg from "pg";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateAppointmentRequestSchema } from "../gen/universalcalendar/v1/appointment_pb.js";
import { appointmentRequest } from "../test/support/appointment-requests.js";
import { createTestDatabase } from "../test/support/test-database.js";
import { grpcCall, grpcFrame } from "./support/grpc-wire.js";
import { openLoopWarmupCalls, runLoadGenerator } from "./support/h2-load-generator.js";
import { forPgbench, runPgbench } from "./support/pgbench.js";
import { compare, report, settleDatabase, startTargets, stopTargets, withStopped } from "./support/rpc-bench.js";
import { targetLines } from "./support/rpc-targets.js";
import { BENCH_SERVICE_KEY } from "./support/server-process.js";
import { BOOK_UNLESS_BUSY, CLEAR_STALE_HOLDS, TENANT_SCHEDULE_LOCK, bookingValues } from "./support/service-sql.js";
import { TenantDataKey } from "../src/crypto/customer-data-cipher.js";
import type { NewAppointment } from "../src/domain/appointments/new-appointment.js";

const METHOD = "/universalcalendar.v1.AppointmentService/CreateAppointment";
const CONNECTIONS = 8;
const IN_FLIGHT = 32;
const TENANTS = 32;
const PGBENCH_CLIENTS = 20; // the service's pool size
const HOUR = 3_600_000;
const FIRST_SLOT = Date.parse("2031-01-01T00:00:00Z");

/**
 * Every call books a different free hour (no refusals): bodies are
 * pre-encoded per run, `calls` distinct slots over 32 tenants of the run,
 * and sent by the raw HTTP/2 generator in its own process (h2load sends one
 * body only). pgbench runs the same transaction as the reference.
 */
function bodiesFor(run: string, calls: number): string {
  const frames = Array.from({ length: calls }, (_, i) => {
    const start = FIRST_SLOT + Math.floor(i / TENANTS) * HOUR;
    const request = appointmentRequest(
      `bench-${run}-${i % TENANTS}`,
      new Date(start).toISOString(),
      new Date(start + HOUR).toISOString(),
    );
    return grpcFrame(CreateAppointmentRequestSchema, request);
  });
  const file = path.join(tmpdir(), `uc-bench-create-${process.pid}-${run}.bin`);
  writeFileSync(file, Buffer.concat(frames));
  return file;
}

/** A value of bookingValues as a SQL literal in the pgbench script. */
function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Buffer.isBuffer(value)) return `'\\x${value.toString("hex")}'`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  // pgbench reads ":word" as a variable, so colons are spliced in with chr(58).
  const parts = String(value)
    .split(":")
    .map((part) => `'${part.replaceAll("'", "''")}'`);
  return parts.length === 1 ? parts[0]! : `(${parts.join(" || chr(58) || ")})`;
}

/**
 * The service's own booking values for the bench request (customer data sealed
 * under a key like a tenant's), with the tenant, the slot and the id varied
 * per transaction: the script stays the service's statement with the
 * service's values, whatever columns it gains.
 */
function pgbenchScript(): string {
  const key = new TenantDataKey("pgbench", 1, TenantDataKey.generateMaterial());
  const booking: NewAppointment = {
    customerName: "Dana Plumber-Customer",
    customerPhone: "+15551234567",
    customerEmail: "dana@example.test",
    title: "Fix leaking sink",
    description: null,
    jobType: "plumbing_repair",
    start: new Date("2040-01-01T00:00:00Z"),
    end: new Date("2040-01-01T01:00:00Z"),
    address: "1 Main St, Springfield",
    latitude: null,
    longitude: null,
    estimatedCost: "350.00",
    notes: null,
    status: "confirmed",
    notifyCustomer: false,
    customerId: null,
    leadId: null,
    conversationId: null,
    urgency: "normal",
    estimatedDurationMinutes: null,
    timezone: null,
  };
  const caller = { kind: "service", keyId: "bench" } as const;
  const values = bookingValues("pgbench", caller, booking, undefined, key)(false).map(sqlLiteral);
  const tenant = "('pgbench-' || :client_id::text)";
  const slotStart = "(timestamptz '2040-01-01' + :n * interval '1 hour')";
  const slotEnd = "(timestamptz '2040-01-01' + (:n + 1) * interval '1 hour')";
  // $1..$5 (busyValues): tenant, window end, window start, and the rules' widened window; $6 the id.
  const varied = [
    tenant,
    slotEnd,
    slotStart,
    "(timestamptz '2040-01-02' + (:n + 1) * interval '1 hour')",
    "(timestamptz '2039-12-31' + :n * interval '1 hour')",
    "gen_random_uuid()",
  ];
  return [
    "\\set n random(1, 100000000)",
    "begin;",
    forPgbench(TENANT_SCHEDULE_LOCK.booking.text, ["('tenant-schedule' || chr(58) || 'pgbench-' || :client_id)"]),
    forPgbench(CLEAR_STALE_HOLDS.text, [tenant, slotEnd, slotStart, "now()", "null"]),
    forPgbench(BOOK_UNLESS_BUSY.text, [...varied, ...values.slice(varied.length)]),
    "commit;",
  ].join("\n");
}

/** pgbench's tenants (one per client) need a data-key row, as every tenant the service books for has. */
async function registerPgbenchTenantKeys(databaseUrl: string): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `insert into tenant_data_keys (tenant_id, version, wrapped_key, master_key_id)
       select 'pgbench-' || n, 1, '\\x00', 'bench' from generate_series(0, $1::int - 1) n`,
      [PGBENCH_CLIENTS],
    );
  } finally {
    await db.end();
  }
}

export async function run(): Promise<void> {
  const database = await createTestDatabase();
  const headers = { "x-service-key": BENCH_SERVICE_KEY };
  const targets = await startTargets(database.url);
  try {
    for (const [name, url] of [
      ["service-check", targets.service.url],
      ["baseline-check", targets.baseline.url],
    ] as const) {
      const frame = grpcFrame(
        CreateAppointmentRequestSchema,
        appointmentRequest(`bench-${name}`, "2031-01-01T00:00:00Z", "2031-01-01T01:00:00Z"),
      );
      await grpcCall(url, METHOD, frame, headers);
    }
    const measured = await compare(targets, async (url, mode, calls, run) => {
      const warmupCalls = mode.kind === "open" ? openLoopWarmupCalls(mode.perSecond) : 0;
      const bodiesFile = bodiesFor(run, warmupCalls + calls);
      try {
        return await runLoadGenerator({
          url,
          path: METHOD,
          headers,
          bodiesFile,
          connections: CONNECTIONS,
          mode: mode.kind === "closed" ? { kind: "closed", inFlight: IN_FLIGHT } : mode,
          warmupCalls,
          calls,
        });
      } finally {
        rmSync(bodiesFile, { force: true });
      }
    });
    await registerPgbenchTenantKeys(database.url);
    const pgbench = await withStopped([targets.service.pid, targets.baseline.pid], async () => {
      await settleDatabase(database.url);
      return runPgbench(database.url, targets.postmasterPid, pgbenchScript(), PGBENCH_CLIENTS, 8);
    });
    const service = measured[0]!;
    process.stdout.write(
      report(
        `CreateAppointment over gRPC, every call books a free slot; raw HTTP/2 generator, ${CONNECTIONS} connections, ${IN_FLIGHT} in flight (closed loop)`,
        measured,
        [
          `pgbench of the same transaction (BEGIN, lock, booking statement, COMMIT) (-M prepared, ${PGBENCH_CLIENTS} clients): ${pgbench.transactionsPerSecond.toFixed(0)} bookings/s, ` +
            `latency avg ${pgbench.latencyAverageMs.toFixed(2)} ms, PG CPU ${pgbench.postgresCpuMs.toFixed(3)} ms/booking`,
          `ratio service/pgbench: calls/s ${(service.load.perSecond / pgbench.transactionsPerSecond).toFixed(2)}, ` +
            `PG CPU/call ${(service.postgresCpuMs / pgbench.postgresCpuMs).toFixed(2)}`,
          ...targetLines(measured, {
            minShare: 0.6,
            openLoopP99Ms: 25,
            reference: { name: "pgbench", perSecond: pgbench.transactionsPerSecond },
          }),
        ],
      ),
    );
  } finally {
    await stopTargets(targets);
    await database.drop();
  }
}
