import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import PgBoss from "pg-boss";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { settleCompletionWrites } from "../../src/jobs/completion-writes.js";

// pg-boss 10 writes a finished job's completion without awaiting it (timgit/pg-boss#577): with the
// database gone at that moment, the rejection used to be unhandled (CI saw one; it would end the service).
describe("a job's completion while the database refuses connections", () => {
  const admin = new pg.Client({ connectionString: inject("databaseUrl").replace(/\/[^/]+$/, "/postgres") });
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  let boss: PgBoss;
  let name: string;
  const completionErrors: unknown[] = [];

  beforeAll(() => admin.connect());
  afterAll(() => admin.end());

  beforeEach(async () => {
    name = `uc_jobs_${Date.now()}`;
    const url = inject("databaseUrl").replace(/\/[^/]+$/, `/${name}`);
    completionErrors.length = 0;
    unhandled.length = 0;
    await admin.query(`create database ${name}`);
    process.on("unhandledRejection", onUnhandled);
    boss = new PgBoss({ connectionString: url, schema: "pgboss", max: 2, supervise: false });
    settleCompletionWrites(boss, "pgboss", (error) => completionErrors.push(error));
    boss.on("error", () => {}); // the pool's terminated connections and refused polls, expected here
    await boss.start();
    await boss.createQueue("outage");
  });

  afterEach(async () => {
    await admin.query(`alter database ${name} allow_connections true`);
    await boss.stop({ graceful: false, wait: true });
    process.off("unhandledRejection", onUnhandled);
    await admin.query(`drop database if exists ${name} with (force)`);
  });

  /** Runs one job whose handler shuts the database to new connections (and drops the open ones) as it finishes. */
  async function jobEndingInOutage(): Promise<string> {
    const id = (await boss.send("outage", {}))!;
    let finished!: () => void;
    const handlerDone = new Promise<void>((resolve) => (finished = resolve));
    await boss.work("outage", { pollingIntervalSeconds: 0.5 }, async () => {
      await admin.query(`alter database ${name} allow_connections false`);
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1`, [name]);
      finished();
    });
    await handlerDone;
    return id;
  }

  it("retries the write through a short outage: the job ends completed, nothing unhandled", async () => {
    const id = await jobEndingInOutage();
    await sleep(700);
    await admin.query(`alter database ${name} allow_connections true`);
    await expect.poll(async () => (await boss.getJobById("outage", id))?.state, { timeout: 15_000 }).toBe("completed");
    expect(completionErrors).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it("settles with the error after its retries when the outage lasts: nothing unhandled, the job left active", async () => {
    const id = await jobEndingInOutage();
    await expect.poll(() => completionErrors.length, { timeout: 30_000, interval: 200 }).toBe(1);
    expect(String(completionErrors[0])).toMatch(/not currently accepting connections|terminating connection/);
    expect(unhandled).toEqual([]);
    await admin.query(`alter database ${name} allow_connections true`);
    expect((await boss.getJobById("outage", id))?.state).toBe("active");
  });
});
