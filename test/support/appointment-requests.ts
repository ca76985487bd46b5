import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { CreateAppointmentRequestSchema } from "../../gen/universalcalendar/v1/appointment_pb.js";

/** A valid CreateAppointment request; override any field. */
export function appointmentRequest(
  tenantId: string,
  start: string,
  end: string,
  overrides: MessageInitShape<typeof CreateAppointmentRequestSchema> = {},
) {
  return create(CreateAppointmentRequestSchema, {
    tenantId,
    customerName: "Dana Plumber-Customer",
    customerPhone: "+15551234567",
    customerEmail: "dana@example.test",
    title: "Fix leaking sink",
    serviceType: "plumbing_repair",
    startTime: timestampFromDate(new Date(start)),
    endTime: timestampFromDate(new Date(end)),
    address: "1 Main St, Springfield",
    estimatedCost: "350.00",
    ...overrides,
  });
}
