import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncService, SyncStatus } from "../../gen/universalcalendar/v1/sync_pb.js";
import { ABANDONED_JOB_ERROR } from "../../src/app/sync/get-sync-status.js";
import { startSyncJob, SYNC_QUEUE } from "../../src/app/sync/start-sync-job.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

/** The pg-boss schema (one per test server) whose job table holds this id. */
async function pgBossSchemaOf(jobId: string): Promise<string> {
  const em = server.orm.em.fork();
  const schemas = await em.execute<{ schema: string }[]>(
    "select table_schema as schema from information_schema.tables where table_name = 'job' and table_schema like 'pgboss%'",
  );
  for (const { schema } of schemas) {
    const [hit] = await em.execute(`select 1 from ${schema}.job where id = ?`, [jobId]);
    if (hit) return schema;
  }
  throw new Error(`no pg-boss job ${jobId}`);
}

describe("a sync job whose worker died", () => {
  it("is reported failed, with the reason, instead of running forever", async () => {
    const view = await startSyncJob(server.app, { tenantId: newTenantId(), type: "full" });
    const sync = client(SyncService, grpcTransport(server.baseUrl, serviceKey));
    await expect
      .poll(async () => (await sync.getSyncStatus({ syncId: view.id })).job?.status, { timeout: 20_000 })
      .toBe(SyncStatus.SUCCEEDED);

    // What a crash mid-job leaves behind: our row still running, pg-boss's job failed (expired).
    const schema = await pgBossSchemaOf(view.id);
    const em = server.orm.em.fork();
    await em.execute("update sync_jobs set status = 'running', finished_at = null where id = ?", [view.id]);
    await em.execute(`update ${schema}.job set state = 'failed' where id = ?`, [view.id]);

    const job = (await sync.getSyncStatus({ syncId: view.id })).job;
    expect(job?.status).toBe(SyncStatus.FAILED);
    expect(job?.errors).toContain(ABANDONED_JOB_ERROR);
    const [row] = await em.execute<{ status: string }[]>("select status from sync_jobs where id = ?", [view.id]);
    expect(row?.status).toBe("failed");
    const watched = [];
    for await (const update of sync.watchSync({ syncId: view.id })) watched.push(update.job?.status);
    expect(watched).toEqual([SyncStatus.FAILED]);
  });

  it("never calls a job abandoned that pg-boss does not know (e.g. just being queued)", async () => {
    expect(await server.app.jobs.isAbandoned(SYNC_QUEUE, "00000000-0000-4000-8000-00000000abcd")).toBe(false);
  });
});
