import type { EntityManager } from "@mikro-orm/postgresql";
import { actorOf, type Caller } from "../../domain/caller.js";
import { AuditEntrySchema } from "../../entities/audit-entry.js";

export interface AuditRecord {
  tenantId: string;
  caller: Caller;
  /** Verb in the past tense, e.g. "appointment.created". */
  action: string;
  entityType: string;
  entityId: string;
  /** Changed fields (new values), never secrets; PII stays out of the audit log too. */
  changes?: Record<string, unknown>;
}

/** Adds an audit row to the unit of work, so it commits (or not) with the change it records. */
export function recordAudit(em: EntityManager, record: AuditRecord): void {
  em.create(AuditEntrySchema, {
    tenantId: record.tenantId,
    actor: actorOf(record.caller),
    action: record.action,
    entityType: record.entityType,
    entityId: record.entityId,
    changes: record.changes ?? {},
  });
}
