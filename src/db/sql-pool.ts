import { randomUUID } from "node:crypto";
import type { Writable } from "node:stream";
import pg from "pg";
import { StatementRunner } from "./statement-query.js";

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
  private readonly statements = new StatementRunner();

  constructor(connectionString: string, max = 20) {
    this.pool = new pg.Pool({
      connectionString,
      max,
      pipeline: true,
      // pg closes a connection idle for 10 s: the first burst after a quiet spell then reopened every
      // connection and prepared every statement again while its calls queued (and were promoted).
      idleTimeoutMillis: 300_000,
      allowExitOnIdle: true,
      application_name: this.applicationName,
    } as pg.PoolConfig);
    // An idle connection the server closed: the pool drops it; nothing to do for a caller.
    this.pool.on("error", () => {});
  }

  rows<R>(statement: Statement, values: unknown[] = []): Promise<R[]> {
    return this.onOneConnection((connection) => connection.rows<R>(statement, values));
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
    const pipeline: Pipeline = {
      rows: async <R>(statement: Statement, values: unknown[] = []) => {
        try {
          if (statement.name) return await this.statements.run<R>(client, statement.name, statement.text, values);
          return (await client.query<R & pg.QueryResultRow>(statement.text, values)).rows;
        } catch (error) {
          if (!(error instanceof pg.DatabaseError)) broken = error as Error;
          throw error;
        }
      },
    };
    try {
      // pg writes each statement as soon as it is queued; corked, what work queues before its first await
      // leaves in one write instead of one per statement.
      const socket = (client as unknown as { connection: { stream: Writable } }).connection.stream;
      socket.cork();
      let done: Promise<T>;
      try {
        done = work(pipeline);
      } finally {
        socket.uncork();
      }
      return await done;
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
