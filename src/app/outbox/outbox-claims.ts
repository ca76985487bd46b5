import type { EntityManager } from "@mikro-orm/postgresql";

/** A claimed outbox row: the head of its aggregate, leased to one worker. */
export interface ClaimedRow {
  id: string;
  tenantId: string;
  topic: string;
  aggregateId: string;
  payload: unknown;
  /** This attempt included; also the claim's token (every claim counts one more). */
  attempts: number;
}

/**
 * Claims the aggregate's head: its lowest pending row, when due and not
 * leased to someone else. Only the head is ever claimable, so rows of one
 * aggregate are delivered in id order, and a claimed head holds back the
 * whole aggregate on every instance. The attempt is counted in the same
 * committed statement, before any provider is called: a process killed
 * mid-call leaves the count behind (and its lease, which then runs out).
 */
const CLAIM_HEAD = `
  update outbox o set attempts = o.attempts + 1, claimed_until = now() + ? * interval '1 millisecond'
  where o.id = (
      select min(h.id) from outbox h where h.tenant_id = ? and h.aggregate_id = ? and h.status = 'pending'
    )
    and o.next_attempt_at <= now()
    and (o.claimed_until is null or o.claimed_until < now())
  returning o.id::text as id, o.tenant_id, o.topic, o.aggregate_id, o.payload, o.attempts`;

/** When the aggregate's head can next be claimed, or undefined when nothing is pending. */
const HEAD_DUE_AT = `
  select greatest(o.next_attempt_at, coalesce(o.claimed_until, o.next_attempt_at)) as due_at
  from outbox o
  where o.id = (select min(h.id) from outbox h where h.tenant_id = ? and h.aggregate_id = ? and h.status = 'pending')`;

export async function claimHead(
  em: EntityManager,
  tenantId: string,
  aggregateId: string,
  leaseMs: number,
): Promise<ClaimedRow | undefined> {
  const rows = await em.execute<Record<string, unknown>[]>(CLAIM_HEAD, [leaseMs, tenantId, aggregateId]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id),
    topic: String(row.topic),
    aggregateId: String(row.aggregate_id),
    payload: row.payload,
    attempts: Number(row.attempts),
  };
}

export async function headDueAt(em: EntityManager, tenantId: string, aggregateId: string): Promise<Date | undefined> {
  const rows = await em.execute<{ due_at: string | Date }[]>(HEAD_DUE_AT, [tenantId, aggregateId]);
  return rows[0] ? new Date(rows[0].due_at) : undefined;
}

/**
 * Ends this worker's claim with an outcome. Matching the attempt count makes
 * a worker whose lease ran out (and whose row someone else took over since)
 * change nothing: the last word belongs to the current claimant.
 */
export async function finishClaim(
  em: EntityManager,
  row: ClaimedRow,
  outcome:
    | { status: "delivered" | "skipped" | "failed"; note?: string }
    | { status: "pending"; retryInMs: number; note: string; uncount?: boolean },
): Promise<boolean> {
  const common = [row.id, row.attempts];
  if (outcome.status === "pending") {
    const result = await em.execute<{ affectedRows: number }>(
      `update outbox set claimed_until = null, next_attempt_at = now() + ? * interval '1 millisecond',
         last_error = ?, attempts = attempts - ?
       where id = ?::bigint and attempts = ? and status = 'pending'`,
      [outcome.retryInMs, outcome.note, outcome.uncount ? 1 : 0, ...common],
      "run",
    );
    return result.affectedRows === 1;
  }
  const result = await em.execute<{ affectedRows: number }>(
    `update outbox set status = ?, claimed_until = null, last_error = ?,
       delivered_at = case when ? in ('delivered', 'skipped') then now() else delivered_at end
     where id = ?::bigint and attempts = ? and status = 'pending'`,
    [outcome.status, outcome.note ?? null, outcome.status, ...common],
    "run",
  );
  return result.affectedRows === 1;
}

/**
 * Aggregates whose head is due within the next minute (now, or when its
 * wait or a dead worker's lease runs out): what the sweeper queues
 * deliveries for, each at its due time.
 */
export async function dueAggregates(
  em: EntityManager,
  limit: number,
): Promise<{ tenantId: string; aggregateId: string; dueAt: Date }[]> {
  const rows = await em.execute<{ tenant_id: string; aggregate_id: string; due_at: string | Date }[]>(
    `select tenant_id, aggregate_id,
            min(greatest(next_attempt_at, coalesce(claimed_until, next_attempt_at))) as due_at
     from outbox where status = 'pending'
     group by tenant_id, aggregate_id
     having min(greatest(next_attempt_at, coalesce(claimed_until, next_attempt_at))) <= now() + interval '1 minute'
     limit ?`,
    [limit],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, aggregateId: r.aggregate_id, dueAt: new Date(r.due_at) }));
}
