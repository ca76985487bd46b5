import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AppointmentService } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { BY_ID } from "../../src/app/appointments/get-appointment.js";
import { pageStatement } from "../../src/app/appointments/list-appointments.js";
import { ADD_COUNTS } from "../../src/db/rate-limit-counters.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

/**
 * Reads write their audit row in their own statement and commit it without
 * waiting for the WAL flush, as does a batch of rate-limit counts; nothing
 * else may lose synchronous commit.
 */
let server: TestServer;
let db: pg.Client;
let tenantId: string;
let appointmentId: string;

beforeAll(async () => {
  server = await startTestServer();
  db = new pg.Client({ connectionString: inject("databaseUrl") });
  await db.connect();
  tenantId = newTenantId();
  const created = await client(AppointmentService, grpcTransport(server.baseUrl, serviceKey)).createAppointment(
    appointmentRequest(tenantId, "2031-04-01T09:00:00Z", "2031-04-01T10:00:00Z"),
  );
  appointmentId = created.appointment!.id;
});
afterAll(async () => {
  await db?.end();
  await server?.close();
});

const synchronousCommit = async () =>
  (await db.query<{ s: string }>("select current_setting('synchronous_commit') s")).rows[0]!.s;
const auditRows = async (action: string) =>
  (await db.query("select 1 from audit_log where tenant_id = $1 and action = $2", [tenantId, action])).rowCount;

const reads = [
  {
    name: "GetAppointment's read by id",
    action: "appointment.read",
    run: () => db.query({ ...BY_ID, values: [appointmentId, "test"] }),
  },
  {
    name: "ListAppointments' page",
    action: "appointments.listed",
    run: () =>
      db.query({ ...pageStatement("test-page", "tenant_id = $1", 1), values: [tenantId, 10, 0, "test", "{}"] }),
  },
];

describe.each(reads)("$name", ({ action, run }) => {
  it("turns synchronous commit off for its own transaction only", async () => {
    expect(await synchronousCommit()).toBe("on");
    await db.query("begin");
    try {
      await run();
      expect(await synchronousCommit()).toBe("off");
    } finally {
      await db.query("rollback");
    }
    expect(await synchronousCommit()).toBe("on");
  });

  it("leaves the connection's next statements committing synchronously, and its audit row written", async () => {
    const before = await auditRows(action);
    const { rows } = await run();
    expect(rows).toHaveLength(1);
    expect(await auditRows(action)).toBe(before! + 1);
    expect(await synchronousCommit()).toBe("on");
  });
});

describe("a batch of rate-limit counts", () => {
  const add = () => db.query({ ...ADD_COUNTS, values: [[`async-commit-${tenantId}`], [3], 60_000] });

  it("turns synchronous commit off for its own transaction only", async () => {
    await db.query("begin");
    try {
      await add();
      expect(await synchronousCommit()).toBe("off");
    } finally {
      await db.query("rollback");
    }
    expect(await synchronousCommit()).toBe("on");
  });

  it("adds its counts and leaves the connection committing synchronously", async () => {
    const { rows } = await add();
    expect(rows).toEqual([expect.objectContaining({ bucket_key: `async-commit-${tenantId}`, count: 3 })]);
    expect((await add()).rows[0]?.count).toBe(6);
    expect(await synchronousCommit()).toBe("on");
  });
});
