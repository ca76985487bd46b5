import type PgBoss from "pg-boss";

/** How much work waits in one queue, and for how long the oldest of it has waited. */
export interface QueueStats {
  queue: string;
  /** Jobs created or due for retry, not yet taken by a worker. */
  waiting: number;
  active: number;
  /** Seconds since the oldest waiting job was created; 0 when none waits. */
  oldestWaitingSeconds: number;
}

/** One grouped read of pg-boss's job table (waiting and active jobs only, which its partial indexes cover). */
export async function readQueueStats(db: PgBoss.Db, schema: string, queues: string[]): Promise<QueueStats[]> {
  const { rows } = await db.executeSql(
    `select name,
            count(*) filter (where state in ('created', 'retry'))::int as waiting,
            count(*) filter (where state = 'active')::int as active,
            coalesce(extract(epoch from now() - min(created_on) filter (where state in ('created', 'retry'))), 0)::float8 as oldest
       from "${schema}".job
      where state in ('created', 'retry', 'active')
      group by name`,
    [],
  );
  const byName = new Map(
    (rows as { name: string; waiting: number; active: number; oldest: number }[]).map((r) => [r.name, r]),
  );
  return queues.map((queue) => {
    const row = byName.get(queue);
    return { queue, waiting: row?.waiting ?? 0, active: row?.active ?? 0, oldestWaitingSeconds: row?.oldest ?? 0 };
  });
}
