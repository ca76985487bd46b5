import { defaultSchedulingRules, type SchedulingRules } from "../../domain/availability/scheduling-rules.js";
import { isValidTimeZone } from "../../domain/availability/time-zone.js";
import type { SqlReader, Statement } from "../../db/sql-pool.js";
import { instantOf, type SqlTimestamp } from "./sql-timestamp.js";

export interface LoadedSchedulingRules {
  rules: SchedulingRules;
  /** True when the tenant never set rules. */
  isDefault: boolean;
  updatedAt?: Date;
}

/**
 * What the rules of a tenant depend on, cheap to read beside another query:
 * the stored row's version (xmin changes with every insert or update of the
 * row, whatever the clock says) and the primary calendar's zone (the
 * defaults' zone). Equal versions mean equal rules.
 */
export const RULES_VERSION_COLUMNS = `
  coalesce((select r.xmin::text from scheduling_rules r where r.tenant_id = $1), '-') || '|' ||
  coalesce((select c.time_zone from integration_calendars c
            where c.tenant_id = $1 and c.is_primary and c.time_zone is not null
            order by c.created_at limit 1), '') as rules_version`;

interface RulesRow {
  rules: Partial<SchedulingRules> | string | null;
  updated_at: SqlTimestamp | null;
  calendar_zone: string | null;
  rules_version: string;
}

/**
 * The stored rules and, for the defaults, the zone of the tenant's primary
 * connected calendar: one round trip, as every availability call starts here.
 */
const RULES: Statement = {
  name: "scheduling-rules",
  text: `
  select r.rules, r.updated_at,
         (select c.time_zone from integration_calendars c
          where c.tenant_id = t.tenant_id and c.is_primary and c.time_zone is not null
          order by c.created_at limit 1) as calendar_zone,
         ${RULES_VERSION_COLUMNS}
  from (select $1::text as tenant_id) t
  left join scheduling_rules r on r.tenant_id = t.tenant_id`,
};

export interface VersionedSchedulingRules extends LoadedSchedulingRules {
  /** See RULES_VERSION_COLUMNS. */
  version: string;
}

/**
 * The tenant's rules, or the defaults (Mon–Fri 09:00–17:00 in its calendar's
 * zone, else UTC) when it never set any. Stored documents were validated when
 * written; fields missing from older documents take their defaults.
 */
export async function loadSchedulingRules(sql: SqlReader, tenantId: string): Promise<VersionedSchedulingRules> {
  const [row] = await sql.rows<RulesRow>(RULES, [tenantId]);
  const version = row?.rules_version ?? "";
  if (!row?.rules) {
    const zone = row?.calendar_zone;
    return {
      rules: defaultSchedulingRules(zone && isValidTimeZone(zone) ? zone : "UTC"),
      isDefault: true,
      version,
    };
  }
  const stored = (typeof row.rules === "string" ? JSON.parse(row.rules) : row.rules) as Partial<SchedulingRules>;
  return {
    rules: { ...defaultSchedulingRules(stored.timeZone ?? "UTC"), ...stored },
    isDefault: false,
    version,
    ...(row.updated_at ? { updatedAt: instantOf(row.updated_at) } : {}),
  };
}
