import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { optionalText, requirePage } from "../../domain/validation.js";
import type { AppContext } from "../context.js";

export interface ListAuditEntriesInput {
  tenantId: string;
  entityType: string;
  entityId: string;
  start?: Date;
  end?: Date;
  page: number;
  limit: number;
}

export interface AuditEntryView {
  id: string;
  tenantId: string;
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  changes: Record<string, unknown>;
  createdAt: Date;
}

/** A tenant's audit trail, newest first, paged (served by (tenant_id, created_at desc, id desc)). */
export async function listAuditEntries(
  ctx: AppContext,
  _caller: Caller,
  input: ListAuditEntriesInput,
): Promise<{ entries: AuditEntryView[]; total: number; page: number; limit: number; pages: number }> {
  const { page, limit, offset } = requirePage(input.page, input.limit);
  const conditions = ["tenant_id = ?"];
  const params: unknown[] = [input.tenantId];
  const entityType = optionalText("entity_type", input.entityType, 100);
  const entityId = optionalText("entity_id", input.entityId, 255);
  if (entityId && !entityType) throw new InvalidArgumentError("entity_type", "required with entity_id");
  if (entityType) {
    conditions.push("entity_type = ?");
    params.push(entityType);
  }
  if (entityId) {
    conditions.push("entity_id = ?");
    params.push(entityId);
  }
  if (input.start && input.end && input.end <= input.start) {
    throw new InvalidArgumentError("end_time", "must be after start_time");
  }
  if (input.start) {
    conditions.push("created_at >= ?");
    params.push(input.start);
  }
  if (input.end) {
    conditions.push("created_at < ?");
    params.push(input.end);
  }
  const where = conditions.join(" and ");
  const em = ctx.orm.em.fork();
  const [rows, [count]] = await Promise.all([
    em.execute<
      {
        id: string;
        tenant_id: string;
        actor: string;
        action: string;
        entity_type: string;
        entity_id: string;
        changes: Record<string, unknown>;
        created_at: Date | string;
      }[]
    >(`select * from audit_log where ${where} order by created_at desc, id desc limit ? offset ?`, [
      ...params,
      limit,
      offset,
    ]),
    ctx.orm.em.fork().execute<{ total: string }[]>(`select count(*) as total from audit_log where ${where}`, params),
  ]);
  const total = Number(count?.total ?? 0);
  return {
    entries: rows.map((r) => ({
      id: String(r.id),
      tenantId: r.tenant_id,
      actor: r.actor,
      action: r.action,
      entityType: r.entity_type,
      entityId: r.entity_id,
      changes: r.changes,
      createdAt: new Date(r.created_at),
    })),
    total,
    page,
    limit,
    pages: Math.ceil(total / limit),
  };
}
