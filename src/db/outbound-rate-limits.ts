import { setTimeout as sleep } from "node:timers/promises";
import type { OutboundRateLimiter } from "../app/integrations/outbound-rate-limit.js";
import type { OutboundLimit } from "../providers/kit/provider-definition.js";
import type { MikroORM } from "./orm.js";

/** The longest one wait lasts before the bucket is asked again (a hold may have been lifted or extended). */
const MAX_SLEEP_MS = 5_000;

/**
 * Takes a token: refills the bucket for the time since it was last touched,
 * then takes one if the bucket holds one and no provider hold is running.
 * The row lock serialises instances; clock_timestamp() (not now()) so a call
 * that waited for the lock refills from when it got it. Answers whether a
 * token was taken and, if not, how long until one will be there.
 */
const TAKE_SQL = `
  with s as (
    select greatest(0, extract(epoch from (blocked_until - clock_timestamp())) * 1000) as blocked_ms,
      least(?::float8, tokens + greatest(0, extract(epoch from (clock_timestamp() - refreshed_at)) * 1000) * ?::float8)
        as available
    from outbound_rate_limits where bucket_key = ? for update
  )
  update outbound_rate_limits b
  set tokens = case when s.blocked_ms = 0 and s.available >= 1 then s.available - 1 else s.available end,
      refreshed_at = clock_timestamp()
  from s where b.bucket_key = ?
  returning (s.blocked_ms = 0 and s.available >= 1) as granted,
    case when s.blocked_ms > 0 then s.blocked_ms else (1 - s.available) / ?::float8 end as wait_ms`;

const CREATE_SQL = `
  insert into outbound_rate_limits (bucket_key, tokens, refreshed_at) values (?, ?, clock_timestamp())
  on conflict do nothing`;

const HOLD_SQL = `
  insert into outbound_rate_limits as b (bucket_key, tokens, refreshed_at, blocked_until)
  values (?, 0, clock_timestamp(), clock_timestamp() + ? * interval '1 millisecond')
  on conflict (bucket_key) do update set blocked_until = greatest(b.blocked_until, excluded.blocked_until)`;

/**
 * Token buckets in the outbound_rate_limits table, one row per bucket, on the
 * database's clock, so the budget holds for all instances together.
 *
 * A budget of N requests per window W is a bucket of N/10 tokens refilled
 * at 9N/10 per W: a burst of a tenth, the rest spread out, and no span of
 * length W ever holds more than N requests (N/10 + 9N/10), which a plain
 * bucket of N (up to 2N per window) or a fixed window (2N across a boundary)
 * would not guarantee.
 */
export class PgOutboundRateLimits implements OutboundRateLimiter {
  constructor(private readonly orm: MikroORM) {}

  async take(bucketKey: string, limit: OutboundLimit): Promise<void> {
    for (;;) {
      const taken = await this.tryTake(bucketKey, limit);
      if (taken.granted) return;
      await sleep(Math.min(MAX_SLEEP_MS, taken.waitMs));
    }
  }

  async tryTake(
    bucketKey: string,
    limit: OutboundLimit,
  ): Promise<{ granted: true } | { granted: false; waitMs: number }> {
    const { capacity, perMs } = bucketOf(limit);
    for (;;) {
      const [row] = await this.run<{ granted: boolean; wait_ms: number }>(TAKE_SQL, [
        capacity,
        perMs,
        bucketKey,
        bucketKey,
        perMs,
      ]);
      if (!row) {
        await this.run(CREATE_SQL, [bucketKey, capacity]);
        continue;
      }
      return row.granted ? { granted: true } : { granted: false, waitMs: Math.max(1, Math.ceil(Number(row.wait_ms))) };
    }
  }

  async holdFor(bucketKey: string, waitMs: number): Promise<void> {
    await this.run(HOLD_SQL, [bucketKey, Math.max(0, Math.round(waitMs))]);
  }

  private run<R>(sql: string, params: unknown[]): Promise<R[]> {
    return this.orm.em.getConnection().execute<R[]>(sql, params, "all");
  }
}

function bucketOf(limit: OutboundLimit): { capacity: number; perMs: number } {
  const capacity = Math.max(1, Math.floor(limit.requests / 10));
  return { capacity, perMs: Math.max(1, limit.requests - capacity) / limit.perMs };
}
