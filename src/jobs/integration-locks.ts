import pg from "pg";

/**
 * Singleton work across every server instance (e.g. one sync of an
 * integration at a time): a PostgreSQL session advisory lock on a key, held
 * on a dedicated connection for the whole work (a later caller waits its turn).
 */
export class IntegrationLocks {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string, maxConcurrent = 4) {
    this.pool = new pg.Pool({
      connectionString: databaseUrl,
      max: maxConcurrent,
      application_name: "universal-calendar-locks",
    });
  }

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
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
