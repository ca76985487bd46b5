import pg from "pg";

/**
 * Singleton work across every server instance (e.g. one sync of an
 * integration at a time): PostgreSQL session advisory locks on one or more
 * keys, held on a dedicated connection for the whole work (a later caller
 * waits its turn). Several keys are taken on that one connection, in sorted
 * order, so two callers sharing some keys can never hold one each and wait
 * for the other, and nobody holds two of the pool's connections at once.
 */
export class IntegrationLocks {
  private readonly pool: pg.Pool;

  /**
   * maxConcurrent: lock holders (and waiters) at once on this instance: the
   * workers' syncs and deliveries, and the RPCs that create a platform's
   * customer (CreateJob, SyncCustomer), which hold their customer's locks
   * while they call the platform.
   */
  constructor(databaseUrl: string, maxConcurrent = 10) {
    this.pool = new pg.Pool({
      connectionString: databaseUrl,
      max: maxConcurrent,
      application_name: "universal-calendar-locks",
    });
  }

  async run<T>(keys: string | readonly string[], work: () => Promise<T>): Promise<T> {
    const ordered = [...new Set(typeof keys === "string" ? [keys] : keys)].sort();
    if (ordered.length === 0) return work();
    const client = await this.pool.connect();
    try {
      for (const key of ordered) await client.query("select pg_advisory_lock(hashtextextended($1, 0))", [key]);
      return await work();
    } finally {
      // A connection whose locks could not be dropped is closed instead of pooled, which drops them.
      const unlocked = await client.query("select pg_advisory_unlock_all()").then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      client.release(unlocked);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
