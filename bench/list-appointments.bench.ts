import { ListAppointmentsRequestSchema } from "../gen/universalcalendar/v1/appointment_pb.js";
import { createTestDatabase } from "../test/support/test-database.js";
import { grpcCall, grpcFrame } from "./support/grpc-wire.js";
import { runFixedBodyLoad } from "./support/fixed-body-load.js";
import { ensureH2load } from "./support/h2load.js";
import { compare, report, startTargets, stopTargets } from "./support/rpc-bench.js";
import { seedAppointments } from "./support/seed-appointments.js";
import { BENCH_SERVICE_KEY } from "./support/server-process.js";

const METHOD = "/universalcalendar.v1.AppointmentService/ListAppointments";
const CONNECTIONS = 8;
const STREAMS_PER_CONNECTION = 4;
const TENANT = "bench-list";
const PAGE_SIZE = 20;

/** ListAppointments, first page of 20 of a tenant's 200 appointments (service key), with h2load. */
export async function run(): Promise<void> {
  ensureH2load();
  const database = await createTestDatabase();
  const body = grpcFrame(ListAppointmentsRequestSchema, { tenantId: TENANT, page: 1, limit: PAGE_SIZE });
  const headers = { "x-service-key": BENCH_SERVICE_KEY };
  const targets = await startTargets(database.url, async (serviceUrl) => {
    await seedAppointments(serviceUrl, TENANT, 200, "2031-01-01T00:00:00Z");
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
        `ListAppointments (page of ${PAGE_SIZE}) over gRPC, h2load ${CONNECTIONS} connections x ${STREAMS_PER_CONNECTION} streams (closed loop); open loop from the raw HTTP/2 generator`,
        measured,
      ),
    );
  } finally {
    await stopTargets(targets);
    await database.drop();
  }
}
