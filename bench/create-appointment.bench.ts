import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateAppointmentRequestSchema } from "../gen/universalcalendar/v1/appointment_pb.js";
import { appointmentRequest } from "../test/support/appointment-requests.js";
import { createTestDatabase } from "../test/support/test-database.js";
import { grpcCall, grpcFrame } from "./support/grpc-wire.js";
import { runLoadGenerator } from "./support/h2-load-generator.js";
import { forPgbench, runPgbench } from "./support/pgbench.js";
import { compare, report, startTargets, stopTargets } from "./support/rpc-bench.js";
import { BENCH_SERVICE_KEY } from "./support/server-process.js";
import { BOOK_UNLESS_BUSY, CLEAR_STALE_HOLDS, TENANT_SCHEDULE_LOCK } from "./support/service-sql.js";

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
 * and sent by the node:http2 generator in its own process (h2load sends one
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

const PGBENCH_SCRIPT = [
  "\\set n random(1, 100000000)",
  "begin;",
  forPgbench(TENANT_SCHEDULE_LOCK.booking.text, ["('tenant-schedule' || chr(58) || 'pgbench-' || :client_id)"]),
  forPgbench(CLEAR_STALE_HOLDS.text, [
    "('pgbench-' || :client_id::text)",
    "(timestamptz '2040-01-01' + (:n + 1) * interval '1 hour')",
    "(timestamptz '2040-01-01' + :n * interval '1 hour')",
    "now()",
    "null",
  ]),
  forPgbench(BOOK_UNLESS_BUSY.text, [
    "('pgbench-' || :client_id::text)",
    "(timestamptz '2040-01-01' + (:n + 1) * interval '1 hour')",
    "(timestamptz '2040-01-01' + :n * interval '1 hour')",
    "(timestamptz '2040-01-02' + (:n + 1) * interval '1 hour')",
    "(timestamptz '2039-12-31' + :n * interval '1 hour')",
    "gen_random_uuid()",
    "'Dana Plumber-Customer'",
    "'+15551234567'",
    "'dana@example.test'",
    "'Fix leaking sink'",
    "null",
    "'plumbing_repair'",
    "'confirmed'",
    "'1 Main St, Springfield'",
    "null",
    "null",
    "350.00",
    "null",
    "null",
    "'service'",
    "'appointment.created'",
    "'{}'",
    "false",
    "'notification.customer'",
    "'notify:pgbench'",
    "'{}'",
    "false",
    "null",
    "null",
    "null",
    "null",
    "null",
    "null",
    "'normal'",
    "null",
    "null",
    "null",
    "now()",
    "null",
    "null",
    "null",
    "null",
  ]),
  "commit;",
].join("\n");

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
      const bodiesFile = bodiesFor(run, calls);
      try {
        return await runLoadGenerator({
          url,
          path: METHOD,
          headers,
          bodiesFile,
          connections: CONNECTIONS,
          mode: mode.kind === "closed" ? { kind: "closed", inFlight: IN_FLIGHT } : mode,
          warmupCalls: 0,
          calls,
        });
      } finally {
        rmSync(bodiesFile, { force: true });
      }
    });
    const pgbench = await runPgbench(database.url, targets.postmasterPid, PGBENCH_SCRIPT, PGBENCH_CLIENTS, 8);
    const service = measured[0]!;
    process.stdout.write(
      report(
        `CreateAppointment over gRPC, every call books a free slot; node:http2 generator, ${CONNECTIONS} connections, ${IN_FLIGHT} in flight (closed loop)`,
        measured,
        [
          `pgbench of the same transaction (BEGIN, lock, booking statement, COMMIT) (-M prepared, ${PGBENCH_CLIENTS} clients): ${pgbench.transactionsPerSecond.toFixed(0)} bookings/s, ` +
            `latency avg ${pgbench.latencyAverageMs.toFixed(2)} ms, PG CPU ${pgbench.postgresCpuMs.toFixed(3)} ms/booking`,
          `ratio service/pgbench: calls/s ${(service.load.perSecond / pgbench.transactionsPerSecond).toFixed(2)}, ` +
            `PG CPU/call ${(service.postgresCpuMs / pgbench.postgresCpuMs).toFixed(2)}`,
        ],
      ),
    );
  } finally {
    await stopTargets(targets);
    await database.drop();
  }
}
