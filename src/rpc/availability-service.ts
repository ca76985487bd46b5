import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AvailabilityMode,
  type AvailabilityService,
  BlockTimeResponseSchema,
  CheckAvailabilityResponseSchema,
  DeleteBlockResponseSchema,
  ConfirmHoldResponseSchema,
  HoldSlotResponseSchema,
  ReleaseHoldResponseSchema,
  GetSchedulingRulesResponseSchema,
  ListBlocksResponseSchema,
  UpdateSchedulingRulesResponseSchema,
} from "../../gen/universalcalendar/v1/availability_pb.js";
import { blockTime } from "../app/availability/block-time.js";
import { checkAvailability } from "../app/availability/check-availability.js";
import { deleteBlock } from "../app/availability/delete-block.js";
import { explainAvailability } from "../app/availability/explain-availability.js";
import { confirmHold } from "../app/holds/confirm-hold.js";
import { holdSlot } from "../app/holds/hold-slot.js";
import { releaseHold } from "../app/holds/release-hold.js";
import { listBlocks } from "../app/availability/list-blocks.js";
import { getSchedulingRules } from "../app/availability/get-scheduling-rules.js";
import { updateSchedulingRules } from "../app/availability/update-scheduling-rules.js";
import { callerOf } from "../auth/caller-context.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { resolveTenant, tenantFilterOf } from "../auth/tenant-scope.js";
import { appointmentFieldsFromProto, appointmentToProto, optionalInstant } from "./appointment-mapping.js";
import { blockToProto, blockTypeFromProto, dayToProto, rulesFromProto, rulesToProto } from "./availability-mapping.js";
import { conflictToProto, slotToProto } from "./conflict-mapping.js";
import { explanationToProto } from "./explanation-mapping.js";
import { freshnessToProto } from "./freshness-mapping.js";
import type { AppContext } from "../app/context.js";
import { rulesFieldsOfMask } from "./update-mask.js";

/** AvailabilityService: CheckAvailability takes the service key; the rest a JWT or the key. */
export function availabilityService(app: AppContext): ServiceImpl<typeof AvailabilityService> {
  return {
    async checkAvailability(req, ctx) {
      const caller = callerOf(ctx);
      const result = await checkAvailability(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        startDate: req.startDate,
        endDate: req.endDate,
        durationMinutes: req.durationMinutes,
        timeZone: req.timeZone,
        mode: req.mode === AvailabilityMode.WINDOWS ? "windows" : "slots",
        technician: { technicianId: req.technicianId, anyTechnician: req.anyTechnician, jobType: req.jobType },
        holdToken: req.holdToken,
        ...(req.maxStalenessSeconds === undefined ? {} : { maxStalenessSeconds: req.maxStalenessSeconds }),
      });
      return create(CheckAvailabilityResponseSchema, {
        timeZone: result.timeZone,
        days: result.days.map(dayToProto),
        totalSlots: result.totalSlots,
        dataAsOf: result.dataAsOf.map(freshnessToProto),
      });
    },

    async blockTime(req, ctx) {
      const caller = callerOf(ctx);
      const result = await blockTime(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        start: optionalInstant("start_time", req.startTime),
        end: optionalInstant("end_time", req.endTime),
        title: req.title,
        reason: req.reason,
        blockType: blockTypeFromProto(req.type),
      });
      return create(BlockTimeResponseSchema, {
        block: blockToProto(result.block),
        conflictingAppointments: result.conflictingAppointments.map(conflictToProto),
      });
    },

    async listBlocks(req, ctx) {
      const caller = callerOf(ctx);
      const page = await listBlocks(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        start: optionalInstant("start_time", req.startTime),
        end: optionalInstant("end_time", req.endTime),
        page: req.page,
        limit: req.limit,
      });
      return create(ListBlocksResponseSchema, {
        blocks: page.blocks.map(blockToProto),
        total: page.total,
        page: page.page,
        limit: page.limit,
        pages: page.pages,
      });
    },

    async deleteBlock(req, ctx) {
      const caller = callerOf(ctx);
      const deleted = await deleteBlock(app, caller, { id: req.id, tenantFilter: tenantFilterOf(caller) });
      return create(DeleteBlockResponseSchema, { deleted });
    },

    async getSchedulingRules(req, ctx) {
      const caller = callerOf(ctx);
      const loaded = await getSchedulingRules(app, caller, { tenantId: resolveTenant(caller, req.tenantId) });
      return create(GetSchedulingRulesResponseSchema, {
        rules: rulesToProto(loaded.rules),
        isDefault: loaded.isDefault,
        ...(loaded.updatedAt ? { updatedAt: timestampFromDate(loaded.updatedAt) } : {}),
      });
    },

    async updateSchedulingRules(req, ctx) {
      const caller = callerOf(ctx);
      if (!req.rules) throw new InvalidArgumentError("rules", "required");
      const result = await updateSchedulingRules(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        rules: rulesFromProto(req.rules),
        fields: rulesFieldsOfMask(req.updateMask?.paths ?? []),
      });
      return create(UpdateSchedulingRulesResponseSchema, {
        rules: rulesToProto(result.rules),
        updatedAt: timestampFromDate(result.updatedAt),
      });
    },

    async holdSlot(req, ctx) {
      const caller = callerOf(ctx);
      const result = await holdSlot(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        start: optionalInstant("start_time", req.startTime),
        end: optionalInstant("end_time", req.endTime),
        technician: { technicianId: req.technicianId, anyTechnician: req.anyTechnician, jobType: req.jobType },
        ttlSeconds: req.ttlSeconds,
        ...(req.maxStalenessSeconds === undefined ? {} : { maxStalenessSeconds: req.maxStalenessSeconds }),
      });
      const dataAsOf = result.dataAsOf.map(freshnessToProto);
      if (!result.held) {
        return create(HoldSlotResponseSchema, {
          held: false,
          conflicts: result.conflicts.map(conflictToProto),
          suggestedSlots: result.suggestedSlots.map(slotToProto),
          dataAsOf,
        });
      }
      const { hold } = result;
      return create(HoldSlotResponseSchema, {
        held: true,
        hold: {
          holdToken: hold.token,
          startTime: timestampFromDate(hold.start),
          endTime: timestampFromDate(hold.end),
          technicianId: hold.technicianId ?? "",
          jobType: hold.jobType ?? "",
          expiresAt: timestampFromDate(hold.expiresAt),
        },
        dataAsOf,
      });
    },

    async releaseHold(req, ctx) {
      const caller = callerOf(ctx);
      const released = await releaseHold(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        holdToken: req.holdToken,
      });
      return create(ReleaseHoldResponseSchema, { released });
    },

    async explainAvailability(req, ctx) {
      const caller = callerOf(ctx);
      const result = await explainAvailability(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        start: optionalInstant("start_time", req.startTime),
        durationMinutes: req.durationMinutes,
        jobType: req.jobType,
        technicianId: req.technicianId,
        holdToken: req.holdToken,
      });
      return explanationToProto(result);
    },

    async confirmHold(req, ctx) {
      const caller = callerOf(ctx);
      if (!req.appointment) throw new InvalidArgumentError("appointment", "required");
      // The request's own field, else the one of the appointment it carries (a CreateAppointmentRequest).
      const maxStalenessSeconds = req.maxStalenessSeconds ?? req.appointment.maxStalenessSeconds;
      const result = await confirmHold(app, caller, {
        tenantId: resolveTenant(caller, req.appointment.tenantId, "appointment.tenant_id"),
        holdToken: req.holdToken,
        request: { ...appointmentFieldsFromProto(req.appointment), notifyCustomer: req.appointment.notifyCustomer },
        ...(maxStalenessSeconds === undefined ? {} : { maxStalenessSeconds }),
      });
      return create(ConfirmHoldResponseSchema, {
        appointment: appointmentToProto(result.appointment),
        dataAsOf: result.dataAsOf.map(freshnessToProto),
      });
    },
  };
}
