import type { SqlReader } from "../../db/sql-pool.js";
import { loadSchedulingRules, type VersionedSchedulingRules } from "./load-scheduling-rules.js";

/** Tenants whose rules one instance keeps (the least recently stored go first). */
const MAX_TENANTS = 10_000;

/**
 * Parsed scheduling rules per tenant, in this instance's memory. Never
 * trusted blindly: the hot reads (busy periods, booking) return the rules'
 * version (RULES_VERSION_COLUMNS) in the same statement, and a cached entry
 * is used only when that version equals its own; otherwise the rules are
 * read again. So a change made through any instance (or by hand in SQL) is
 * seen by every instance on its next call, at no extra round trip.
 */
export class SchedulingRulesCache {
  private readonly entries = new Map<string, VersionedSchedulingRules>();

  /** The cached rules, unchecked: callers confirm them with the version their next statement returns. */
  peek(tenantId: string): VersionedSchedulingRules | undefined {
    return this.entries.get(tenantId);
  }

  async load(sql: SqlReader, tenantId: string): Promise<VersionedSchedulingRules> {
    const loaded = await loadSchedulingRules(sql, tenantId);
    this.entries.delete(tenantId);
    if (this.entries.size >= MAX_TENANTS) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(tenantId, loaded);
    return loaded;
  }

  /** Rules at version: the cached ones when they are that version, else read again. */
  async atVersion(sql: SqlReader, tenantId: string, version: string): Promise<VersionedSchedulingRules> {
    const cached = this.entries.get(tenantId);
    return cached?.version === version ? cached : this.load(sql, tenantId);
  }
}
