import type { MikroORM } from "../db/orm.js";

export interface OutboxLag {
  /** Messages not yet delivered. */
  undelivered: number;
  /** Seconds since the oldest undelivered message was written; 0 when none waits. */
  oldestSeconds: number;
}

/** The one read of outbox lag: undelivered means no delivered_at yet, whatever the delivery worker's status column says. */
export async function readOutboxLag(orm: MikroORM): Promise<OutboxLag> {
  const [row] = await orm.em
    .fork()
    .getConnection()
    .execute<{ undelivered: number; oldest: number }[]>(
      `select count(*)::int as undelivered,
              coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as oldest
         from outbox where delivered_at is null`,
    );
  return { undelivered: row?.undelivered ?? 0, oldestSeconds: row?.oldest ?? 0 };
}
