import {
  defaultSchedulingRules,
  validateSchedulingRules,
  type SchedulingRules,
} from "../../domain/availability/scheduling-rules.js";
import { actorOf, type Caller } from "../../domain/caller.js";
import { SchedulingRulesRowSchema } from "../../entities/scheduling-rules-row.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../shared/audit.js";
import { unitOfWorkSql } from "../../db/unit-of-work-sql.js";
import { loadSchedulingRules } from "./load-scheduling-rules.js";

export interface UpdateSchedulingRulesInput {
  tenantId: string;
  rules: SchedulingRules;
  /** The fields to change; empty replaces every field. */
  fields: (keyof SchedulingRules)[];
}

/**
 * With no fields named every field is replaced; a zero slot interval or
 * horizon and an empty zone (never valid values) take their defaults.
 */
function replaceAll(given: SchedulingRules, defaults: SchedulingRules): SchedulingRules {
  return {
    ...given,
    timeZone: given.timeZone || defaults.timeZone,
    slotIntervalMinutes: given.slotIntervalMinutes || defaults.slotIntervalMinutes,
    bookingHorizonDays: given.bookingHorizonDays || defaults.bookingHorizonDays,
  };
}

function applyFields(
  current: SchedulingRules,
  given: SchedulingRules,
  fields: (keyof SchedulingRules)[],
): SchedulingRules {
  const next: SchedulingRules = { ...current };
  for (const property of fields) (next as unknown as Record<string, unknown>)[property] = given[property];
  return next;
}

/** Validates and stores the tenant's rules (audited); invalid rules change nothing. */
export async function updateSchedulingRules(
  ctx: AppContext,
  caller: Caller,
  command: UpdateSchedulingRulesInput,
): Promise<{ rules: SchedulingRules; updatedAt: Date }> {
  return ctx.orm.em.fork().transactional(async (em) => {
    const current = await loadSchedulingRules(unitOfWorkSql(em), command.tenantId);
    const defaults = current.isDefault ? current.rules : defaultSchedulingRules(current.rules.timeZone);
    const rules =
      command.fields.length === 0
        ? replaceAll(command.rules, defaults)
        : applyFields(current.rules, command.rules, command.fields);
    validateSchedulingRules(rules);
    const updatedAt = ctx.clock.now();
    const document = rules as unknown as Record<string, unknown>;
    await em.upsert(SchedulingRulesRowSchema, {
      tenantId: command.tenantId,
      rules: document,
      updatedBy: actorOf(caller),
      updatedAt,
    });
    recordAudit(em, {
      tenantId: command.tenantId,
      caller,
      action: "scheduling_rules.updated",
      entityType: "scheduling_rules",
      entityId: command.tenantId,
      changes: document,
    });
    return { rules, updatedAt };
  });
}
