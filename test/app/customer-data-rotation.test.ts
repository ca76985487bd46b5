import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createAppointment } from "../../src/app/appointments/create-appointment.js";
import { getAppointment } from "../../src/app/appointments/get-appointment.js";
import { listAppointments } from "../../src/app/appointments/list-appointments.js";
import type { AppContext } from "../../src/app/context.js";
import {
  reencryptCustomerData,
  resumeCustomerDataRotations,
} from "../../src/app/customer-data/reencrypt-customer-data.js";
import { rotateTenantDataKey } from "../../src/app/customer-data/rotate-tenant-data-key.js";
import { openDatabase, type MikroORM } from "../../src/db/orm.js";
import type { Caller } from "../../src/domain/caller.js";
import { fixedClock } from "../../src/domain/clock.js";
import { RecordingJobQueue, testAppContext } from "../support/test-context.js";
import { newTenantId } from "../support/test-server.js";

/**
 * Key rotation with its re-encryption job, driven by hand: the recording
 * queue holds the jobs a worker would run, so a test can stop the chain
 * where a crash would (and resume it as a restart does).
 */
let orm: MikroORM;
const service: Caller = { kind: "service", keyId: "test" };
const clock = fixedClock("2030-02-03T12:00:00Z");
const BATCH = 2;

beforeAll(async () => {
  orm = await openDatabase(inject("databaseUrl"));
});
afterAll(() => orm?.close());

function freshContext(): AppContext & { jobs: RecordingJobQueue } {
  const jobs = new RecordingJobQueue();
  return Object.assign(testAppContext({ orm, clock, jobs, reencryptBatchSize: BATCH }), { jobs });
}

const request = (hour: number, phone: string) => ({
  customerName: `Customer ${hour}`,
  customerPhone: phone,
  customerEmail: "",
  title: "Service",
  description: "",
  jobType: "",
  start: new Date(Date.UTC(2030, 2, 1, hour)),
  end: new Date(Date.UTC(2030, 2, 1, hour + 1)),
  address: "",
  estimatedCost: "",
  notes: `note ${hour}`,
  notifyCustomer: false,
  customerId: "",
  leadId: "",
  conversationId: "",
  timezone: "",
});

async function rotation(tenantId: string, toVersion: number) {
  const [row] = await orm.em
    .fork()
    .execute<{ state: string; appointments_reencrypted: number; idempotency_records_reencrypted: number }[]>(
      `select state, appointments_reencrypted, idempotency_records_reencrypted from customer_data_rotations where tenant_id = ? and to_version = ?`,
      [tenantId, toVersion],
    );
  return row;
}

const versionsOf = async (tenantId: string) =>
  (
    await orm.em
      .fork()
      .execute<{ pii_key_version: number }[]>(`select pii_key_version from appointments where tenant_id = ?`, [
        tenantId,
      ])
  ).map((r) => r.pii_key_version);

describe("key rotation", () => {
  it("re-encrypts under the new version in checkpointed batches; an interrupted run resumes where it stopped", async () => {
    const tenantId = newTenantId();
    const first = freshContext();
    const ids: string[] = [];
    for (let hour = 8; hour < 13; hour++) {
      const result = await createAppointment(first, service, {
        tenantId,
        idempotencyKey: `rot-${hour}`,
        request: request(hour, hour === 8 ? "+15559990008" : `+1555999${String(hour).padStart(4, "0")}`),
      });
      if (!result.created) throw new Error("not created");
      ids.push(result.appointment.id);
    }
    expect(await versionsOf(tenantId)).toEqual([1, 1, 1, 1, 1]);

    const { keyVersion } = await rotateTenantDataKey(first, service, { tenantId });
    expect(keyVersion).toBe(2);
    expect(first.jobs.sent).toEqual([{ queue: "customer-data-reencrypt", data: { tenantId, toVersion: 2 } }]);
    // One batch runs, then the process "dies": the job it queued for the next batch is lost.
    expect(await reencryptCustomerData(first, service, { tenantId, toVersion: 2 })).toBe("more");
    expect(await rotation(tenantId, 2)).toMatchObject({ state: "running", appointments_reencrypted: BATCH });
    expect((await versionsOf(tenantId)).filter((v) => v === 1)).toHaveLength(5 - BATCH);

    // New writes use the new version at once.
    const later = await createAppointment(first, service, {
      tenantId,
      idempotencyKey: "",
      request: request(14, "+15559990014"),
    });
    if (!later.created) throw new Error("not created");

    // A restart (new context: empty key caches) queues the running rotation again; the worker drains it.
    const restarted = freshContext();
    expect(await resumeCustomerDataRotations(restarted)).toBeGreaterThanOrEqual(1);
    let runs = 0;
    while (restarted.jobs.sent.length > 0) {
      const job = restarted.jobs.sent.shift()!;
      if (job.queue !== "customer-data-reencrypt") continue;
      const data = job.data as { tenantId: string; toVersion: number };
      if (data.tenantId !== tenantId) continue;
      await reencryptCustomerData(restarted, service, data);
      runs += 1;
      expect(runs).toBeLessThan(20);
    }
    expect(await rotation(tenantId, 2)).toEqual({
      state: "done",
      appointments_reencrypted: 5,
      idempotency_records_reencrypted: 5,
    });
    expect(await versionsOf(tenantId)).toEqual([2, 2, 2, 2, 2, 2]);
    const keys = await orm.em
      .fork()
      .execute<{ version: number }[]>(`select version from tenant_data_keys where tenant_id = ?`, [tenantId]);
    expect(keys).toEqual([{ version: 2 }]);

    // Everything still reads, finds and replays under the new key.
    const read = await getAppointment(restarted, service, { id: ids[0]!, tenantFilter: undefined });
    expect(read).toMatchObject({ customerName: "Customer 8", notes: "note 8", customerDataStatus: "available" });
    const found = await listAppointments(restarted, service, {
      tenantId,
      startDate: "",
      endDate: "",
      statuses: [],
      page: 1,
      limit: 20,
      customerPhone: "555-999-0008",
      customerId: "",
      leadId: "",
      conversationId: "",
    });
    expect(found.appointments.map((a) => a.id)).toEqual([ids[0]]);
    const replay = await createAppointment(restarted, service, {
      tenantId,
      idempotencyKey: "rot-9",
      request: request(9, "+15559990009"),
    });
    expect(replay).toMatchObject({ created: true, appointment: { id: ids[1], customerName: "Customer 9" } });
  });

  it("a repeated or concurrent batch of a finished rotation does nothing", async () => {
    const tenantId = newTenantId();
    const ctx = freshContext();
    await createAppointment(ctx, service, { tenantId, idempotencyKey: "", request: request(8, "+15559990101") });
    await rotateTenantDataKey(ctx, service, { tenantId });
    const outcomes = await Promise.all([
      reencryptCustomerData(ctx, service, { tenantId, toVersion: 2 }),
      reencryptCustomerData(ctx, service, { tenantId, toVersion: 2 }),
    ]);
    expect(outcomes.sort()).toEqual(["done", "done"]);
    expect(await rotation(tenantId, 2)).toMatchObject({ state: "done", appointments_reencrypted: 1 });
  });
});
