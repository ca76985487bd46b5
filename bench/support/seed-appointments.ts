import { CreateAppointmentRequestSchema } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { appointmentRequest } from "../../test/support/appointment-requests.js";
import { grpcCall, grpcFrame } from "./grpc-wire.js";
import { BENCH_SERVICE_KEY } from "./server-process.js";

const HOUR = 3_600_000;

/**
 * Books `count` consecutive hours for tenantId through the service's own
 * CreateAppointment (so rows carry whatever the service stores, encrypted
 * or not), from firstStart on.
 */
export async function seedAppointments(serviceUrl: string, tenantId: string, count: number, firstStart: string) {
  const first = Date.parse(firstStart);
  for (let i = 0; i < count; i++) {
    const start = new Date(first + i * HOUR).toISOString();
    const end = new Date(first + (i + 1) * HOUR).toISOString();
    await grpcCall(
      serviceUrl,
      "/universalcalendar.v1.AppointmentService/CreateAppointment",
      grpcFrame(CreateAppointmentRequestSchema, appointmentRequest(tenantId, start, end, { status: 2 })),
      { "x-service-key": BENCH_SERVICE_KEY },
    );
  }
}
