import { createRequire } from "node:module";
import { ExponentialBackoff, handleAll, retry } from "cockatiel";
import type PgBoss from "pg-boss";

/** The statements pg-boss 10 builds for a job's completion and failure (its src/plans.js). */
interface CompletionPlans {
  completeJobs(schema: string): string;
  failJobsById(schema: string): string;
}

/** What both statements answer (SELECT COUNT(*) of the jobs they changed): here, none. */
const NOTHING_CHANGED = { rows: [{ count: "0" }] };

// A short database outage passes within these; the process's shutdown waits at most their sum (~7.5 s).
const completionRetry = retry(handleAll, {
  maxAttempts: 4,
  backoff: new ExponentialBackoff({ initialDelay: 500, maxDelay: 4_000 }),
});

/**
 * pg-boss 10 records a finished job's completion (or failure) without
 * awaiting it (timgit/pg-boss#577). When the database connection drops at
 * that moment the rejection is unhandled, and an unhandled rejection ends a
 * Node process. Those two statements are retried here for a few seconds and
 * then settle with onError instead of rejecting; a job whose completion was
 * never written stays active until its queue's expiry, as after a crash.
 * pg-boss 12 awaits them: drop this with that upgrade. Throws when pg-boss no
 * longer has these statements, so an upgrade cannot silently skip this.
 */
export function settleCompletionWrites(boss: PgBoss, schema: string, onError: (error: unknown) => void): void {
  const plans = createRequire(import.meta.url)("pg-boss/src/plans.js") as Partial<CompletionPlans>;
  if (typeof plans.completeJobs !== "function" || typeof plans.failJobsById !== "function") {
    throw new Error("pg-boss no longer builds completeJobs/failJobsById: review src/jobs/completion-writes.ts");
  }
  const completionStatements = new Set([plans.completeJobs(schema), plans.failJobsById(schema)]);
  const db = boss.getDb();
  const executeSql = db.executeSql.bind(db);
  db.executeSql = (text, values) => {
    if (!completionStatements.has(text)) return executeSql(text, values);
    return completionRetry
      .execute(() => executeSql(text, values))
      .catch((error: unknown) => {
        onError(error);
        return NOTHING_CHANGED;
      });
  };
}
