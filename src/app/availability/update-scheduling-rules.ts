import {
  defaultSchedulingRules,
  validateSchedulingRules,
  type SchedulingRules,
} from "../../domain/availability/scheduling-rules.js";
import { actorOf, type Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import type { MikroORM } from "../../db/orm.js";
import { SchedulingRulesRowSchema } from "../../entities/scheduling-rules-row.js";
import { recordAudit } from "../shared/audit.js";
import { loadSchedulingRules } from "./load-scheduling-rules.js";

/** Proto field name (update_mask path) -> rules property. */
const MASK_PATHS: Record<string, keyof SchedulingRules> = {
  time_zone: "timeZone",
  weekly_hours: "weeklyHours",
  date_overrides: "dateOverrides",
  slot_interval_minutes: "slotIntervalMinutes",
  buffer_before_minutes: "bufferBeforeMinutes",
  buffer_after_minutes: "bufferAfterMinutes",
  minimum_notice_minutes: "minimumNoticeMinutes",
  booking_horizon_days: "bookingHorizonDays",
  tentative_is_busy: "tentativeIsBusy",
};

export interface UpdateSchedulingRulesCommand {
  tenantId: string;
  caller: Caller;
  rules: SchedulingRules;
  /** Proto field names to change; empty replaces every field. */
  updateMask: string[];
}

function snakeCase(path: string): string {
  return path.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * With an empty mask every field is replaced; a zero slot interval or
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

function applyMask(current: SchedulingRules, given: SchedulingRules, mask: string[]): SchedulingRules {
  const next: SchedulingRules = { ...current };
  for (const rawPath of mask) {
    const path = snakeCase(rawPath.trim().replace(/^rules\./, ""));
    const property = MASK_PATHS[path];
    if (!property) throw new InvalidArgumentError("update_mask", `unknown field "${rawPath}"`);
    (next as unknown as Record<string, unknown>)[property] = given[property];
  }
  return next;
}

/** Validates and stores the tenant's rules (audited); invalid rules change nothing. */
export async function updateSchedulingRules(
  orm: MikroORM,
  command: UpdateSchedulingRulesCommand,
): Promise<{ rules: SchedulingRules; updatedAt: Date }> {
  return orm.em.fork().transactional(async (em) => {
    const current = await loadSchedulingRules(em, command.tenantId);
    const defaults = current.isDefault ? current.rules : defaultSchedulingRules(current.rules.timeZone);
    const rules =
      command.updateMask.length === 0
        ? replaceAll(command.rules, defaults)
        : applyMask(current.rules, command.rules, command.updateMask);
    validateSchedulingRules(rules);
    const updatedAt = new Date();
    const document = rules as unknown as Record<string, unknown>;
    await em.upsert(SchedulingRulesRowSchema, {
      tenantId: command.tenantId,
      rules: document,
      updatedBy: actorOf(command.caller),
      updatedAt,
    });
    recordAudit(em, {
      tenantId: command.tenantId,
      caller: command.caller,
      action: "scheduling_rules.updated",
      entityType: "scheduling_rules",
      entityId: command.tenantId,
      changes: document,
    });
    return { rules, updatedAt };
  });
}
