import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AppointmentService } from "../gen/universalcalendar/v1/appointment_pb.js";
import { appointmentRequest } from "../test/support/appointment-requests.js";
import { closedLoop, describeLoad } from "./support/load.js";
import { BENCH_SERVICE_KEY, startBenchServer } from "./support/server-process.js";

const CLIENTS = 32;
const CREATES_PER_CLIENT = 150;
const GETS_PER_CLIENT = 600;
const RACE_ROUNDS = 40;

/**
 * Appointments through gRPC at 32 concurrent clients (one HTTP/2 connection
 * each) against the service in its own process: creates over non-overlapping
 * slots, gets, and a hot-slot race. Targets on 2 cores: >= 1,000 creates/s,
 * >= 5,000 gets/s, p99 < 25 ms.
 */
export async function run(): Promise<void> {
  const server = await startBenchServer();
  try {
    const clients = Array.from({ length: CLIENTS }, () =>
      createClient(
        AppointmentService,
        createGrpcTransport({
          baseUrl: server.baseUrl,
          interceptors: [(next) => (req) => (req.header.set("x-service-key", BENCH_SERVICE_KEY), next(req))],
        }),
      ),
    );
    const tenantOf = clients.map(() => `bench-${randomUUID()}`);
    const slot = (i: number) => {
      const start = new Date(Date.parse("2031-01-01T00:00:00Z") + i * 3_600_000);
      return [start.toISOString(), new Date(start.getTime() + 3_600_000).toISOString()] as const;
    };

    // Warm-up: JIT, connection pools, prepared paths.
    await closedLoop(CLIENTS, 10, (c, i) => clients[c]!.createAppointment(appointmentRequest(tenantOf[c]!, ...slot(100_000 + i))));

    const ids: string[] = [];
    const creates = await closedLoop(CLIENTS, CREATES_PER_CLIENT, async (c, i) => {
      const res = await clients[c]!.createAppointment(appointmentRequest(tenantOf[c]!, ...slot(i)));
      if (!res.created) throw new Error("unexpected conflict");
      ids.push(res.appointment!.id);
    });
    console.log(describeLoad("CreateAppointment (non-overlapping)", creates));

    const gets = await closedLoop(CLIENTS, GETS_PER_CLIENT, (c, i) =>
      clients[c]!.getAppointment({ id: ids[(c * GETS_PER_CLIENT + i) % ids.length]! }),
    );
    console.log(describeLoad("GetAppointment", gets));

    let answered = 0;
    let winners = 0;
    let failed = 0;
    for (let round = 0; round < RACE_ROUNDS; round++) {
      const tenantId = `race-${randomUUID()}`;
      const results = await Promise.allSettled(
        clients.map((client) => client.createAppointment(appointmentRequest(tenantId, ...slot(round)))),
      );
      for (const r of results) {
        if (r.status === "rejected") failed++;
        else if (r.value.created) winners++;
        else answered++;
      }
    }
    const losers = RACE_ROUNDS * (CLIENTS - 1);
    console.log(
      `hot-slot race: ${RACE_ROUNDS} rounds x ${CLIENTS} clients: ${winners} winners (expected ${RACE_ROUNDS}), ` +
        `${answered}/${losers} conflicting requests answered created=false without error ` +
        `(${((100 * answered) / losers).toFixed(1)}%), ${failed} errors`,
    );
  } finally {
    await server.stop();
  }
}
