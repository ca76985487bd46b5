import { asynchronousCommit } from "./asynchronous-commit.js";
import type { MikroORM } from "./orm.js";

export interface WindowCount {
  /** Calls counted in the bucket's current window, this one included. */
  count: number;
  /** Whole seconds until the current window ends (at least 1). */
  retryAfterSeconds: number;
}

/** What the rate-limit interceptor counts with; a store shared by every instance. */
export interface RateLimitStore {
  /** Counts one call of bucketKey, whose limit is limit (the store may decide locally while far below it). */
  count(bucketKey: string, limit: number): Promise<WindowCount>;
}

interface PgConnection {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: Record<string, unknown>[] }>;
}
interface ConnectionPool {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
}

/**
 * Fixed windows on the database's clock (not each instance's), so all
 * instances agree on where a window starts. One statement adds a batch of
 * counts (bucket keys sorted, so two instances' batches never deadlock) and
 * returns each bucket's new total and the time left in its window. Its
 * commit does not wait for the WAL flush (up to 200 batches a second would
 * queue on the disk beside the bookings' commits): a PostgreSQL crash may
 * forget the last moments' counts, admitting a few calls more.
 */
export const ADD_COUNTS = {
  name: "rate-limit-add",
  text: `
    insert into rate_limit_counters as c (bucket_key, window_start, count)
    select u.bucket_key, to_timestamp(floor(extract(epoch from now()) * 1000 / $3::int) * $3::int / 1000.0), u.delta
    from unnest($1::text[], $2::int[]) as u(bucket_key, delta), ${asynchronousCommit("counts_commit")}
    on conflict (bucket_key, window_start) do update set count = c.count + excluded.count
    returning c.bucket_key, c.count, (extract(epoch from c.window_start - now()) * 1000 + $3::int)::float8 as ms_left`,
};
const PRUNE = {
  name: "rate-limit-prune",
  text: `delete from rate_limit_counters where window_start < now() - $1::int * interval '1 millisecond'`,
};

/** Most calls a batch waits before its counts go to the database (the cross-instance tolerance). */
const FLUSH_INTERVAL_MS = 5;
/** Share of a limit below which calls are admitted on this instance's own count, without waiting. */
const LOCAL_SHARE = 0.8;
/** Limits below this are always judged on the database's total: there a tolerance of a few calls is a large share. */
const MIN_LOCAL_LIMIT = 100;

interface BucketState {
  /** The database's total after this instance's last batch, and when that window ends (local clock). */
  shared: number;
  windowEndsAt: number;
}

interface Waiter {
  /** This call's position in its bucket's batch (1-based). */
  position: number;
  resolve(count: WindowCount): void;
  reject(error: unknown): void;
}

interface Batch {
  delta: number;
  waiters: Waiter[];
}

/**
 * Counters in the rate_limit_counters table, shared by every instance, but
 * not one upsert per call: this instance counts calls per bucket in memory
 * and adds them to the table in batches (one statement for every bucket,
 * named and prepared, on a raw connection of the ORM's pool).
 * - A bucket this instance knows in the current window, with a limit of at
 *   least MIN_LOCAL_LIMIT and well below it
 *   (its last known total plus calls since, under LOCAL_SHARE of the limit):
 *   the call is admitted at once and counted in the next batch, at most
 *   FLUSH_INTERVAL_MS later.
 * - A bucket it does not know yet, or one near its limit: the call waits for
 *   the batch (sent on the next turn of the event loop) and is judged on the
 *   database's total, exactly as one upsert per call was.
 * Tolerance across instances: a call admitted locally does not see calls
 * other instances made since this instance's last batch for the bucket (a
 * few ms ago while the bucket is busy); near the limit every call is judged
 * on the database's total, so the limit overshoots by at most the calls
 * other instances admit locally during one flush interval while the
 * bucket is still below LOCAL_SHARE of it (none once it is above).
 * Windows that have ended are deleted at most once per window by each
 * instance. Instances must agree on the window length: while a new
 * RATE_LIMIT_WINDOW_MS rolls out, one with a shorter window may prune a
 * longer window early, which only resets those counters.
 */
export class RateLimitCounters implements RateLimitStore {
  private lastPruneAt = 0;
  private readonly known = new Map<string, BucketState>();
  private batch = new Map<string, Batch>();
  private flushing = false;
  private flushQueued = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly orm: MikroORM,
    private readonly windowMs: number,
    private readonly onPruneError: (error: unknown) => void = () => {},
  ) {}

  count(bucketKey: string, limit: number): Promise<WindowCount> {
    let pending = this.batch.get(bucketKey);
    if (!pending) {
      pending = { delta: 0, waiters: [] };
      this.batch.set(bucketKey, pending);
    }
    pending.delta++;
    const state = this.known.get(bucketKey);
    const now = Date.now();
    if (
      state &&
      limit >= MIN_LOCAL_LIMIT &&
      now < state.windowEndsAt &&
      state.shared + pending.delta <= limit * LOCAL_SHARE
    ) {
      this.flushSoon();
      return Promise.resolve({
        count: state.shared + pending.delta,
        retryAfterSeconds: Math.max(1, Math.ceil((state.windowEndsAt - now) / 1000)),
      });
    }
    const position = pending.delta;
    const waiters = pending.waiters;
    return new Promise<WindowCount>((resolve, reject) => {
      waiters.push({ position, resolve, reject });
      this.flushNow();
    });
  }

  private flushSoon(): void {
    if (this.timer || this.flushing) return;
    this.timer = setTimeout(() => this.flushNow(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  private flushNow(): void {
    if (this.flushing) {
      this.flushQueued = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = true;
    // Next turn: the calls arriving together share one batch.
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = new Map();
    const keys = [...batch.keys()].sort();
    try {
      if (keys.length === 0) return;
      const rows = await this.run({
        ...ADD_COUNTS,
        values: [keys, keys.map((key) => batch.get(key)!.delta), this.windowMs],
      });
      const now = Date.now();
      for (const row of rows) {
        const key = row.bucket_key as string;
        const total = Number(row.count);
        const windowEndsAt = now + Number(row.ms_left);
        this.known.set(key, { shared: total, windowEndsAt });
        const { delta, waiters } = batch.get(key)!;
        const retryAfterSeconds = Math.max(1, Math.ceil(Number(row.ms_left) / 1000));
        for (const waiter of waiters) waiter.resolve({ count: total - delta + waiter.position, retryAfterSeconds });
      }
      this.forgetEndedWindows(now);
      this.pruneWhenDue();
    } catch (error) {
      for (const { waiters } of batch.values()) for (const waiter of waiters) waiter.reject(error);
    } finally {
      this.flushing = false;
      if (this.flushQueued) {
        this.flushQueued = false;
        this.flushNow();
      } else if (this.batch.size > 0) {
        this.flushSoon();
      }
    }
  }

  private forgetEndedWindows(now: number): void {
    if (this.known.size < 1_000) return;
    for (const [key, state] of this.known) if (state.windowEndsAt <= now) this.known.delete(key);
  }

  private pruneWhenDue(): void {
    const now = Date.now();
    if (now - this.lastPruneAt < this.windowMs) return;
    this.lastPruneAt = now;
    this.run({ ...PRUNE, values: [this.windowMs] }).catch(this.onPruneError);
  }

  private async run(query: { name: string; text: string; values: unknown[] }): Promise<Record<string, unknown>[]> {
    const pool = this.orm.em.getConnection().getKnex().client as ConnectionPool;
    const connection = await pool.acquireConnection();
    try {
      return (await connection.query(query)).rows;
    } finally {
      await pool.releaseConnection(connection);
    }
  }
}
