import pg from "pg";
import { GetAppointmentRequestSchema } from "../gen/universalcalendar/v1/appointment_pb.js";
import { createTestDatabase } from "../test/support/test-database.js";
import { grpcCall, grpcFrame } from "./support/grpc-wire.js";
import { runFixedBodyLoad } from "./support/fixed-body-load.js";
import { ensureH2load } from "./support/h2load.js";
import { targetLines } from "./support/rpc-targets.js";
import { compare, report, startTargets, stopTargets } from "./support/rpc-bench.js";
import { seedAppointments } from "./support/seed-appointments.js";
import { BENCH_SERVICE_KEY } from "./support/server-process.js";

const METHOD = "/universalcalendar.v1.AppointmentService/GetAppointment";
const CONNECTIONS = 8;
const STREAMS_PER_CONNECTION = 4;

/** GetAppointment by id (service key) with h2load, against the service and the baseline handler. */
export async function run(): Promise<void> {
  ensureH2load();
  const database = await createTestDatabase();
  const headers = { "x-service-key": BENCH_SERVICE_KEY };
  let body: Buffer = Buffer.alloc(0);
  // Seeded through the service, so rows hold what it stores (customer data sealed under the tenant's key).
  const targets = await startTargets(database.url, async (serviceUrl) => {
    await seedAppointments(serviceUrl, "bench-get", 1000, "2031-01-01T00:00:00Z");
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const { rows } = await db.query<{ id: string }>(
      `select id from appointments where tenant_id = 'bench-get' order by start_time offset 500 limit 1`,
    );
    await db.end();
    body = grpcFrame(GetAppointmentRequestSchema, { id: rows[0]!.id });
    return undefined;
  });
  try {
    await grpcCall(targets.service.url, METHOD, body, headers);
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
        `GetAppointment over gRPC, h2load ${CONNECTIONS} connections x ${STREAMS_PER_CONNECTION} streams (closed loop); open loop from the raw HTTP/2 generator`,
        measured,
        targetLines(measured, { minShare: 0.7, openLoopP99Ms: 10 }),
      ),
    );
  } finally {
    await stopTargets(targets);
    await database.drop();
  }
}
