import type { AppContext } from "../context.js";

const DAY_MS = 86_400_000;

/**
 * Deletes what has served its purpose: finished sync jobs, used or expired
 * OAuth states, idempotency records and delivered outbox rows past their
 * retention, and rate-limit windows long closed. Delivered outbox rows are
 * those main's outbox marks delivered (status 'delivered', delivered_at);
 * outbox delivery itself (issue 9) will set them.
 */
export async function pruneRecords(ctx: AppContext): Promise<Record<string, number>> {
  const now = ctx.clock.now().getTime();
  const before = (days: number) => new Date(now - days * DAY_MS);
  const { retention } = ctx.settings;
  const em = ctx.orm.em.fork();
  const run = async (sql: string, params: unknown[]) =>
    (await em.execute<{ affectedRows: number }>(sql, params, "run")).affectedRows;
  return {
    syncJobs: await run(`delete from sync_jobs where status in ('succeeded', 'failed') and created_at < ?`, [
      before(retention.syncJobsDays),
    ]),
    oauthStates: await run(`delete from oauth_states where expires_at < ?`, [before(1)]),
    idempotencyRecords: await run(`delete from idempotency_records where created_at < ?`, [
      before(retention.idempotencyDays),
    ]),
    outbox: await run(`delete from outbox where status = 'delivered' and delivered_at < ?`, [
      before(retention.outboxDays),
    ]),
    // Windows are at most an hour (RATE_LIMIT_WINDOW_MS); a day-old one is long closed.
    rateLimitCounters: await run(`delete from rate_limit_counters where window_start < ?`, [before(1)]),
  };
}
