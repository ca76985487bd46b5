import pg from "pg";

/**
 * One sync of an integration at a time, across every server instance: a
 * PostgreSQL session advisory lock held on a dedicated connection for the
 * whole sync (a later TriggerSync for the same integration waits its turn).
 */
export class IntegrationLocks {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string, maxConcurrent = 4) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: maxConcurrent, application_name: "calendar-sync-locks" });
  }

  async run<T>(integrationId: string, work: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const key = `calendar-sync:${integrationId}`;
    try {
      await client.query("select pg_advisory_lock(hashtextextended($1, 0))", [key]);
      try {
        return await work();
      } finally {
        await client.query("select pg_advisory_unlock(hashtextextended($1, 0))", [key]);
      }
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
