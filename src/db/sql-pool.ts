import { randomUUID } from "node:crypto";
import pg from "pg";

/** A named prepared statement: parsed and planned once per connection, then only bound and executed. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/** Runs statements: the pool (prepared), one pipelined connection, or an ORM unit of work (see unit-of-work-sql.ts). */
export interface SqlReader {
  rows<R>(statement: Statement, values?: unknown[]): Promise<R[]>;
}

/** Statements sent together on one connection in one round trip (pipelined), answered in order. */
export type Pipeline = SqlReader;

export const BEGIN: Statement = { name: "", text: "begin" };
export const COMMIT: Statement = { name: "", text: "commit" };
export const ROLLBACK: Statement = { name: "", text: "rollback" };

/**
 * The hot paths' own `pg` pool: named prepared statements on the extended
 * protocol (the ORM's `em.execute` inlines values and uses the simple
 * protocol, so PostgreSQL parses and plans every call), and pipelining, so a
 * transaction's statements that do not depend on each other's answers cost
 * one round trip. A connection dropped by the server (restart,
 * pg_terminate_backend) is discarded by the pool; the next checkout opens a
 * new one and prepares the statements again on first use.
 */
export class SqlPool implements SqlReader {
  private readonly pool: pg.Pool;
  /** Names this pool's connections in pg_stat_activity. */
  readonly applicationName = `universal-calendar hot paths ${randomUUID().slice(0, 8)}`;

  constructor(connectionString: string, max = 20) {
    this.pool = new pg.Pool({
      connectionString,
      max,
      pipeline: true,
      allowExitOnIdle: true,
      application_name: this.applicationName,
    } as pg.PoolConfig);
    // An idle connection the server closed: the pool drops it; nothing to do for a caller.
    this.pool.on("error", () => {});
  }

  async rows<R>(statement: Statement, values: unknown[] = []): Promise<R[]> {
    const result = await this.pool.query({ name: statement.name || undefined, text: statement.text, values });
    return result.rows as R[];
  }

  /**
   * Runs work on one connection; the statements work queues before it first
   * awaits go out together. A connection that failed below SQL (no SQLSTATE)
   * is destroyed rather than reused.
   */
  async onOneConnection<T>(work: (pipeline: Pipeline) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // The server closing the connection mid-work: the pending queries fail; the connection is not reused.
    const onError = (error: Error) => (broken = error);
    client.on("error", onError);
    try {
      return await work({
        rows: async <R>(statement: Statement, values: unknown[] = []) => {
          try {
            const result = await client.query({ name: statement.name || undefined, text: statement.text, values });
            return result.rows as R[];
          } catch (error) {
            if (!(error instanceof pg.DatabaseError)) broken = error as Error;
            throw error;
          }
        },
      });
    } catch (error) {
      // A failure between BEGIN and COMMIT: end the transaction before the connection goes back.
      if (!broken && client.getTransactionStatus() !== "I") await client.query("rollback").catch(() => {});
      throw error;
    } finally {
      client.off("error", onError);
      client.release(
        broken ?? (client.getTransactionStatus() === "I" ? undefined : new Error("left in a transaction")),
      );
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
