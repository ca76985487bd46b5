import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import type { JsonObject } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type AuditService, ListAuditEntriesResponseSchema } from "../../gen/universalcalendar/v1/audit_pb.js";
import { listAuditEntries } from "../app/audit/list-audit-entries.js";
import type { AppContext } from "../app/context.js";
import { callerOf } from "../auth/caller-context.js";
import { resolveTenant } from "../auth/tenant-scope.js";
import { optionalInstant } from "./appointment-mapping.js";

export function auditService(app: AppContext): ServiceImpl<typeof AuditService> {
  return {
    async listAuditEntries(req, ctx) {
      const caller = callerOf(ctx);
      const start = optionalInstant("start_time", req.startTime);
      const end = optionalInstant("end_time", req.endTime);
      const page = await listAuditEntries(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        entityType: req.entityType,
        entityId: req.entityId,
        ...(start ? { start } : {}),
        ...(end ? { end } : {}),
        page: req.page,
        limit: req.limit,
      });
      return create(ListAuditEntriesResponseSchema, {
        entries: page.entries.map((e) => ({
          id: e.id,
          tenantId: e.tenantId,
          actor: e.actor,
          action: e.action,
          entityType: e.entityType,
          entityId: e.entityId,
          details: e.changes as JsonObject,
          createdAt: timestampFromDate(e.createdAt),
        })),
        total: page.total,
        page: page.page,
        limit: page.limit,
        pages: page.pages,
      });
    },
  };
}
