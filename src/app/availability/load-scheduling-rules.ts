import type { EntityManager } from "@mikro-orm/postgresql";
import { defaultSchedulingRules, type SchedulingRules } from "../../domain/availability/scheduling-rules.js";
import { isValidTimeZone } from "../../domain/availability/time-zone.js";
import { instantOf, type SqlTimestamp } from "./sql-timestamp.js";

export interface LoadedSchedulingRules {
  rules: SchedulingRules;
  /** True when the tenant never set rules. */
  isDefault: boolean;
  updatedAt?: Date;
}

interface RulesRow {
  rules: Partial<SchedulingRules> | string | null;
  updated_at: SqlTimestamp | null;
  calendar_zone: string | null;
}

/**
 * The stored rules and, for the defaults, the zone of the tenant's primary
 * connected calendar: one round trip, as every availability call starts here.
 */
const RULES_SQL = `
  select r.rules, r.updated_at,
         (select c.time_zone from integration_calendars c
          where c.tenant_id = t.tenant_id and c.is_primary and c.time_zone is not null
          order by c.created_at limit 1) as calendar_zone
  from (select ?::text as tenant_id) t
  left join scheduling_rules r on r.tenant_id = t.tenant_id`;

/**
 * The tenant's rules, or the defaults (Mon–Fri 09:00–17:00 in its calendar's
 * zone, else UTC) when it never set any. Stored documents were validated when
 * written; fields missing from older documents take their defaults.
 */
export async function loadSchedulingRules(em: EntityManager, tenantId: string): Promise<LoadedSchedulingRules> {
  const [row] = await em.execute<RulesRow[]>(RULES_SQL, [tenantId]);
  if (!row?.rules) {
    const zone = row?.calendar_zone;
    return { rules: defaultSchedulingRules(zone && isValidTimeZone(zone) ? zone : "UTC"), isDefault: true };
  }
  const stored = (typeof row.rules === "string" ? JSON.parse(row.rules) : row.rules) as Partial<SchedulingRules>;
  return {
    rules: { ...defaultSchedulingRules(stored.timeZone ?? "UTC"), ...stored },
    isDefault: false,
    ...(row.updated_at ? { updatedAt: instantOf(row.updated_at) } : {}),
  };
}
