import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ConflictKind,
  ConflictSchema,
  TimeSlotSchema,
  type Conflict,
  type TimeSlot,
} from "../../gen/universalcalendar/v1/common_pb.js";
import type { BusyPeriod } from "../domain/availability/busy-period.js";
import { providerFromName } from "./provider-mapping.js";

const KINDS: Record<BusyPeriod["kind"], ConflictKind> = {
  appointment: ConflictKind.APPOINTMENT,
  block: ConflictKind.BLOCK,
  calendar_event: ConflictKind.CALENDAR_EVENT,
};

export function conflictToProto(period: BusyPeriod): Conflict {
  return create(ConflictSchema, {
    kind: KINDS[period.kind],
    id: period.id,
    startTime: timestampFromDate(period.start),
    endTime: timestampFromDate(period.end),
    title: period.title ?? "",
    provider: providerFromName(period.provider),
    calendarId: period.calendarId ?? "",
    calendarName: period.calendarName ?? "",
  });
}

export function slotToProto(slot: { start: Date; end: Date }): TimeSlot {
  return create(TimeSlotSchema, { startTime: timestampFromDate(slot.start), endTime: timestampFromDate(slot.end) });
}
