import { create } from "@bufbuild/protobuf";
import { timestampFromDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  BlockSchema,
  BlockType,
  DayAvailabilitySchema,
  SchedulingRulesSchema,
  type Block,
  type DayAvailability,
  type SchedulingRules as SchedulingRulesMessage,
} from "../../gen/universalcalendar/v1/availability_pb.js";
import { TimeSlotSchema } from "../../gen/universalcalendar/v1/common_pb.js";
import type { DayAvailability as DomainDay } from "../domain/availability/availability.js";
import type { TechnicianDay } from "../domain/availability/technician-slots.js";
import type { SchedulingRules } from "../domain/availability/scheduling-rules.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { AvailabilityBlock } from "../entities/availability-block.js";

/** Proto rules to the domain shape (weekday enum values are ISO weekdays). */
export function rulesFromProto(message: SchedulingRulesMessage | undefined): SchedulingRules {
  return {
    timeZone: message?.timeZone.trim() ?? "",
    weeklyHours: (message?.weeklyHours ?? []).map((day) => ({
      weekday: day.weekday,
      ranges: day.ranges.map((range) => ({ start: range.start, end: range.end })),
    })),
    dateOverrides: (message?.dateOverrides ?? []).map((override) => ({
      date: override.date,
      closed: override.closed,
      ranges: override.ranges.map((range) => ({ start: range.start, end: range.end })),
    })),
    slotIntervalMinutes: message?.slotIntervalMinutes ?? 0,
    bufferBeforeMinutes: message?.bufferBeforeMinutes ?? 0,
    bufferAfterMinutes: message?.bufferAfterMinutes ?? 0,
    minimumNoticeMinutes: message?.minimumNoticeMinutes ?? 0,
    bookingHorizonDays: message?.bookingHorizonDays ?? 0,
    tentativeIsBusy: message?.tentativeIsBusy ?? false,
  };
}

export function rulesToProto(rules: SchedulingRules): SchedulingRulesMessage {
  return create(SchedulingRulesSchema, {
    timeZone: rules.timeZone,
    weeklyHours: [...rules.weeklyHours]
      .sort((a, b) => a.weekday - b.weekday)
      .map((day) => ({ weekday: day.weekday, ranges: day.ranges })),
    dateOverrides: rules.dateOverrides,
    slotIntervalMinutes: rules.slotIntervalMinutes,
    bufferBeforeMinutes: rules.bufferBeforeMinutes,
    bufferAfterMinutes: rules.bufferAfterMinutes,
    minimumNoticeMinutes: rules.minimumNoticeMinutes,
    bookingHorizonDays: rules.bookingHorizonDays,
    tentativeIsBusy: rules.tentativeIsBusy,
  });
}

/** BLOCK_TYPE_UNSPECIFIED books a hard block; a number the enum does not define is refused, never guessed. */
export function blockTypeFromProto(type: BlockType): "soft" | "hard" {
  if (type === BlockType.SOFT) return "soft";
  if (type === BlockType.HARD || type === BlockType.UNSPECIFIED) return "hard";
  throw new InvalidArgumentError("type", `unknown block type ${type}`);
}

export function blockToProto(block: AvailabilityBlock): Block {
  return create(BlockSchema, {
    id: block.id,
    tenantId: block.tenantId,
    startTime: timestampFromDate(block.startTime),
    endTime: timestampFromDate(block.endTime),
    title: block.title,
    reason: block.reason,
    type: block.blockType === "soft" ? BlockType.SOFT : BlockType.HARD,
    createdAt: timestampFromDate(block.createdAt),
  });
}

export function dayToProto(day: DomainDay | TechnicianDay): DayAvailability {
  return create(DayAvailabilitySchema, {
    date: day.date,
    slots: day.slots.map((slot) =>
      create(TimeSlotSchema, {
        startTime: timestampFromMs(slot.start),
        endTime: timestampFromMs(slot.end),
        ...("technicianIds" in slot ? { technicians: { ids: slot.technicianIds } } : {}),
      }),
    ),
  });
}
