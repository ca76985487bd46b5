import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ExplainAvailabilityResponseSchema,
  UnavailabilityKind,
  type ExplainAvailabilityResponse,
  type UnavailabilityReason,
} from "../../gen/universalcalendar/v1/availability_pb.js";
import type { ExplainAvailabilityResult } from "../app/availability/explain-availability.js";
import type { Unavailability, UnavailabilityKind as DomainKind } from "../domain/availability/explain-slot.js";
import { providerFromName } from "./provider-mapping.js";

const KINDS: Record<DomainKind, UnavailabilityKind> = {
  outside_hours: UnavailabilityKind.OUTSIDE_HOURS,
  not_slot_start: UnavailabilityKind.NOT_SLOT_START,
  minimum_notice: UnavailabilityKind.MINIMUM_NOTICE,
  horizon: UnavailabilityKind.HORIZON,
  // ExplainAvailability's window always holds the time; kept for completeness.
  outside_window: UnavailabilityKind.OUTSIDE_HOURS,
  calendar_busy: UnavailabilityKind.CALENDAR_BUSY,
  booked: UnavailabilityKind.BOOKED,
  held: UnavailabilityKind.HELD,
  hard_block: UnavailabilityKind.HARD_BLOCK,
  soft_block: UnavailabilityKind.SOFT_BLOCK,
  buffer: UnavailabilityKind.BUFFER,
  not_qualified: UnavailabilityKind.NOT_QUALIFIED,
};

const DETAILS: Record<DomainKind, string> = {
  outside_hours: "outside working hours",
  not_slot_start: "not a slot start (slots start every slot interval from the opening time)",
  minimum_notice: "sooner than the minimum notice",
  horizon: "ends after the booking horizon",
  outside_window: "outside the dates asked",
  calendar_busy: "busy in calendar",
  booked: "booked job",
  held: "held by another caller",
  hard_block: "hard time block",
  soft_block: "soft time block",
  buffer: "within the buffer of",
  not_qualified: "does not do this job type",
};

function describe(reason: Unavailability): string {
  const period = reason.period;
  if (!period) return DETAILS[reason.kind];
  const what =
    period.kind === "calendar_event"
      ? `${DETAILS.calendar_busy} ${period.calendarName ?? period.provider ?? ""}`.trim()
      : reason.kind === "buffer"
        ? `${DETAILS.buffer} ${period.kind.replace("_", " ")} ${period.id}`
        : `${DETAILS[reason.kind]} ${period.id}`;
  const title = period.title ? ` "${period.title}"` : "";
  return `${what}${title} ${period.start.toISOString()}–${period.end.toISOString()}`;
}

function reasonToProto(reason: Unavailability): UnavailabilityReason {
  const period = reason.period;
  return {
    $typeName: "universalcalendar.v1.UnavailabilityReason",
    kind: KINDS[reason.kind],
    detail: describe(reason),
    ...(period
      ? {
          startTime: timestampFromDate(period.start),
          endTime: timestampFromDate(period.end),
        }
      : {}),
    id: period?.id ?? "",
    title: period?.title ?? "",
    calendarName: period?.calendarName ?? "",
    provider: providerFromName(period?.provider),
  };
}

export function explanationToProto(result: ExplainAvailabilityResult): ExplainAvailabilityResponse {
  return create(ExplainAvailabilityResponseSchema, {
    bookable: result.bookable,
    technicians: result.technicians.map((t) => ({
      technicianId: t.technicianId ?? "",
      name: t.name,
      bookable: t.bookable,
      reasons: t.reasons.map(reasonToProto),
    })),
  });
}
