import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  AvailabilityMode,
  type AvailabilityService,
  BlockTimeResponseSchema,
  CheckAvailabilityResponseSchema,
  DeleteBlockResponseSchema,
  GetSchedulingRulesResponseSchema,
  ListBlocksResponseSchema,
  UpdateSchedulingRulesResponseSchema,
} from "../../gen/universalcalendar/v1/availability_pb.js";
import { blockTime } from "../app/availability/block-time.js";
import { checkAvailability } from "../app/availability/check-availability.js";
import { deleteBlock } from "../app/availability/delete-block.js";
import { listBlocks } from "../app/availability/list-blocks.js";
import { getSchedulingRules } from "../app/availability/get-scheduling-rules.js";
import { updateSchedulingRules } from "../app/availability/update-scheduling-rules.js";
import { callerOf } from "../auth/caller-context.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { resolveTenant, tenantFilterOf } from "../auth/tenant-scope.js";
import { optionalInstant } from "./appointment-mapping.js";
import { blockToProto, blockTypeFromProto, dayToProto, rulesFromProto, rulesToProto } from "./availability-mapping.js";
import { conflictToProto } from "./conflict-mapping.js";
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
  };
}
