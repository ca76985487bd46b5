import pg from "pg";
import { GetAppointmentRequestSchema } from "../gen/universalcalendar/v1/appointment_pb.js";
import { createTestDatabase } from "../test/support/test-database.js";
import { grpcCall, grpcFrame } from "./support/grpc-wire.js";
import { ensureH2load, runH2load } from "./support/h2load.js";
import { compare, report, startTargets, stopTargets } from "./support/rpc-bench.js";
import { BENCH_SERVICE_KEY } from "./support/server-process.js";

const METHOD = "/universalcalendar.v1.AppointmentService/GetAppointment";
const CONNECTIONS = 8;
const STREAMS_PER_CONNECTION = 4;

/** GetAppointment by id (service key) with h2load, against the service and the baseline handler. */
export async function run(): Promise<void> {
  ensureH2load();
  const database = await createTestDatabase();
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const { rows } = await db.query<{ id: string }>(
    `insert into appointments (tenant_id, customer_name, customer_phone, customer_email, title, service_type, address,
       estimated_cost, start_time, end_time, status, created_by)
     select 'bench-get', 'Dana Customer', '+15551234567', 'dana@example.test', 'Fix leaking sink', 'plumbing_repair',
       '1 Main St, Springfield', 350.00, t, t + interval '1 hour', 'confirmed', 'bench'
     from generate_series('2031-01-01'::timestamptz, '2031-01-01'::timestamptz + interval '999 hours', interval '1 hour') t
     returning id`,
  );
  await db.end();
  const body = grpcFrame(GetAppointmentRequestSchema, { id: rows[500]!.id });
  const headers = { "x-service-key": BENCH_SERVICE_KEY };
  const targets = await startTargets(database.url);
  try {
    await grpcCall(targets.service.url, METHOD, body, headers);
    await grpcCall(targets.baseline.url, METHOD, body, headers);
    const measured = await compare(targets, (url, mode, calls) =>
      runH2load({
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
        `GetAppointment over gRPC, h2load ${CONNECTIONS} connections x ${STREAMS_PER_CONNECTION} streams (closed loop)`,
        measured,
      ),
    );
  } finally {
    await stopTargets(targets);
    await database.drop();
  }
}
