import { type Buffer } from "node:buffer";
import { randomUUID } from "node:crypto";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AppointmentService,
  AppointmentStatus,
  CancellationReason,
  CustomerDataStatus,
  Urgency,
} from "../../gen/universalcalendar/v1/appointment_pb.js";
import { AuditService } from "../../gen/universalcalendar/v1/audit_pb.js";
import { PrivacyService } from "../../gen/universalcalendar/v1/privacy_pb.js";
import { encryptLegacyCustomerData } from "../../src/app/customer-data/encrypt-legacy-customer-data.js";
import { storedRequestBinding } from "../../src/app/shared/idempotency.js";
import { serviceKeyId } from "../../src/auth/credentials.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, connectTransport, grpcTransport, serviceKey } from "../support/clients.js";
import { errorOf } from "../support/errors.js";
import { columnsHolding } from "../support/pii-scan.js";
import { mintJwt, newTenantId, startTestServer, TEST_SERVICE_KEY, type TestServer } from "../support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const keyClient = () => client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
const privacy = () => client(PrivacyService, grpcTransport(server.baseUrl, serviceKey));
const jwtClient = async (tenantId: string) =>
  client(AppointmentService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
const auditClient = async (tenantId: string) =>
  client(AuditService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));

const sql = <T extends object>(query: string, params: unknown[] = []) =>
  server.orm.em.fork().execute<T[]>(query, params);

/** Values no other test uses, so finding one anywhere means this test's PII leaked there. */
function distinctivePii(tag: string) {
  return {
    customerName: `Zephyrine Quillfeather ${tag}`,
    customerPhone: "+14155550199",
    customerEmail: `zq.${tag}@privacy.example`,
    address: `77 Obsidian Lane ${tag}`,
    description: `Sink by the ${tag} window`,
    notes: `Gate code ${tag}`,
  };
}

let slot = 0;
/** A distinct future hour per call, so tests never collide in time. */
function nextHour(): { start: string; end: string } {
  const start = Date.parse("2031-03-03T09:00:00Z") + slot++ * 3_600_000;
  return { start: new Date(start).toISOString(), end: new Date(start + 3_600_000).toISOString() };
}

async function book(tenantId: string, overrides: Parameters<typeof appointmentRequest>[3] = {}) {
  const { start, end } = nextHour();
  const res = await keyClient().createAppointment(appointmentRequest(tenantId, start, end, overrides));
  expect(res.created).toBe(true);
  return res.appointment!;
}

const columnsContaining = (needle: string) => columnsHolding(server.orm, needle);

describe("the appointment record", () => {
  it("carries the platform's fields on create, update, get and list; job_type with service_type as its alias", async () => {
    const tenantId = newTenantId();
    const created = await book(tenantId, {
      customerId: "cust-42",
      leadId: "lead-7",
      conversationId: "call-99",
      urgency: Urgency.EMERGENCY,
      estimatedDurationMinutes: 90,
      timezone: "America/Chicago",
      jobType: "water_heater",
      serviceType: "",
    });
    expect(created).toMatchObject({
      customerId: "cust-42",
      leadId: "lead-7",
      conversationId: "call-99",
      urgency: Urgency.EMERGENCY,
      estimatedDurationMinutes: 90,
      timezone: "America/Chicago",
      jobType: "water_heater",
      serviceType: "water_heater",
      customerDataStatus: CustomerDataStatus.AVAILABLE,
    });
    const jwt = await jwtClient(tenantId);
    const updated = await jwt.updateAppointment({
      id: created.id,
      urgency: Urgency.HIGH,
      leadId: "lead-8",
      estimatedDurationMinutes: 45,
      serviceType: "boiler",
    });
    expect(updated.appointment).toMatchObject({ urgency: Urgency.HIGH, leadId: "lead-8", jobType: "boiler" });
    expect(updated.appointment).toMatchObject({ estimatedDurationMinutes: 45, customerId: "cust-42" });
    const read = await jwt.getAppointment({ id: created.id });
    expect(read.appointment).toMatchObject({ leadId: "lead-8", timezone: "America/Chicago", jobType: "boiler" });
    const listed = await jwt.listAppointments({ leadId: "lead-8" });
    expect(listed.appointments.map((a) => [a.id, a.customerName, a.customerPhone])).toEqual([
      [created.id, "Dana Plumber-Customer", "+15551234567"],
    ]);
    expect((await jwt.listAppointments({ conversationId: "call-99" })).total).toBe(1);
    expect((await jwt.listAppointments({ customerId: "cust-42" })).total).toBe(1);
    expect((await jwt.listAppointments({ customerId: "cust-43" })).total).toBe(0);
  });

  it("refuses a bad time zone, duration or contradictory job type by field name and stores nothing", async () => {
    const tenantId = newTenantId();
    const { start, end } = nextHour();
    for (const [overrides, field] of [
      [{ timezone: "Mars/Olympus" }, "timezone"],
      [{ estimatedDurationMinutes: 2000 }, "estimated_duration_minutes"],
      [{ jobType: "a", serviceType: "b" }, "service_type"],
      [{ urgency: 9 as Urgency }, "urgency"],
    ] as const) {
      const error = await errorOf(keyClient().createAppointment(appointmentRequest(tenantId, start, end, overrides)));
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toContain(field);
    }
    expect((await keyClient().listAppointments({ tenantId })).total).toBe(0);
  });
});

describe("customer data at rest", () => {
  it("leaves no plaintext PII in any column of any table: rows, cancellation notes, outbox, audit, idempotency replies, jobs", async () => {
    const tag = `xk${Date.now().toString(36)}`;
    const pii = distinctivePii(tag);
    const tenantId = newTenantId();
    const idempotencyKey = `idem-${Date.now()}`;
    const created = await book(tenantId, { ...pii, idempotencyKey });
    expect(created).toMatchObject(pii);
    // A replay answers from the stored (sealed) reply.
    const { start, end } = {
      start: timestampDate(created.startTime!).toISOString(),
      end: timestampDate(created.endTime!).toISOString(),
    };
    const replay = await keyClient().createAppointment(
      appointmentRequest(tenantId, start, end, { ...pii, idempotencyKey }),
    );
    expect(replay.appointment).toMatchObject({ id: created.id, ...pii });
    const jwt = await jwtClient(tenantId);
    await jwt.updateAppointment({
      id: created.id,
      notes: `${pii.notes} again`,
      customerEmail: `new.${pii.customerEmail}`,
    });
    await jwt.getAppointment({ id: created.id });
    await jwt.listAppointments({ customerPhone: "(415) 555-0199" });
    const cancellationNotes = `Moonwhistle moved away ${tag}`;
    const cancelled = await jwt.cancelAppointment({
      id: created.id,
      reason: CancellationReason.CUSTOMER_REQUEST,
      notes: cancellationNotes,
    });
    expect(cancelled.appointment).toMatchObject({ cancellationNotes, notes: `${pii.notes} again` });
    await privacy().rotateTenantDataKey({ tenantId });

    for (const needle of [pii.customerName, "4155550199", tag, "Quillfeather", "Obsidian", "Moonwhistle"]) {
      expect(await columnsContaining(needle), needle).toEqual([]);
    }
    // The scan finds what is there: a non-personal field of the same row.
    expect(await columnsContaining(tenantId)).toEqual(
      expect.arrayContaining(['"public"."appointments"."tenant_id"', '"public"."audit_log"."tenant_id"']),
    );
    // Sealed, not gone: every field (the cancellation notes too) reads back, also after the rotation.
    expect((await jwt.getAppointment({ id: created.id })).appointment).toMatchObject({
      customerName: pii.customerName,
      customerEmail: `new.${pii.customerEmail}`,
      notes: `${pii.notes} again`,
      cancellationNotes,
    });
  });

  it("makes a ciphertext copied to another row, another column or another tenant fail to decrypt (unreadable, never a 500)", async () => {
    const tenantA = newTenantId();
    const tenantB = newTenantId();
    const a1 = await book(tenantA, { customerName: "Row One" });
    const a2 = await book(tenantA, { customerName: "Row Two" });
    const b1 = await book(tenantB, { customerName: "Other Tenant" });
    const copy = (column: string, from: string, to: string) =>
      sql(`update appointments set ${column} = (select ${column} from appointments where id = ?) where id = ?`, [
        from,
        to,
      ]);
    await copy("customer_data_enc", a1.id, a2.id);
    await copy("customer_data_enc", a1.id, b1.id);
    // Another column under the same tenant key: the row's own stored reply (sealed for idempotency_records).
    const a1Phone = await book(tenantA, { idempotencyKey: "copy-reply" });
    await sql(
      `update appointments set customer_data_enc = (select response_sealed from idempotency_records
         where tenant_id = ? and key = 'copy-reply') where id = ?`,
      [tenantA, a1Phone.id],
    );

    const readA = await keyClient().getAppointment({ id: a2.id });
    expect(readA.appointment).toMatchObject({
      customerDataStatus: CustomerDataStatus.UNREADABLE,
      customerName: "",
      title: "Fix leaking sink",
      status: AppointmentStatus.PENDING,
    });
    expect((await keyClient().getAppointment({ id: b1.id })).appointment?.customerDataStatus).toBe(
      CustomerDataStatus.UNREADABLE,
    );
    expect((await keyClient().getAppointment({ id: a1Phone.id })).appointment?.customerDataStatus).toBe(
      CustomerDataStatus.UNREADABLE,
    );
    expect((await keyClient().getAppointment({ id: a1.id })).appointment?.customerName).toBe("Row One");
  });

  it("finds a customer by phone in any formatting through the blind index, and only that customer", async () => {
    const tenantId = newTenantId();
    const mine = await book(tenantId, { customerPhone: "+15551234567" });
    await book(tenantId, { customerPhone: "+15557654321" });
    const otherTenant = newTenantId();
    await book(otherTenant, { customerPhone: "+15551234567" });
    const jwt = await jwtClient(tenantId);
    for (const phone of ["+15551234567", "(555) 123-4567", "555.123.4567", "+1 555 123 4567", "tel:+1-555-123-4567"]) {
      const page = await jwt.listAppointments({ customerPhone: phone });
      expect(
        page.appointments.map((a) => a.id),
        phone,
      ).toEqual([mine.id]);
    }
    const [row] = await sql<{ customer_phone_index: Buffer }>(
      `select customer_phone_index from appointments where id = ?`,
      [mine.id],
    );
    expect(row!.customer_phone_index).toHaveLength(32);
    const error = await errorOf(jwt.listAppointments({ customerPhone: "not a phone" }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toContain("customer_phone");
  });

  it("converts plaintext rows left by the migration at startup", async () => {
    const tenantId = newTenantId();
    const [legacy] = await sql<{ id: string }>(
      `insert into appointments (tenant_id, legacy_customer_name, legacy_customer_phone, legacy_notes, title,
         start_time, end_time, status, created_by)
       values (?, 'Legacy Larry', '+15550001111', 'legacy notes', 'Old job', '2031-09-01T10:00Z', '2031-09-01T11:00Z',
         'confirmed', 'test') returning id`,
      [tenantId],
    );
    expect(await encryptLegacyCustomerData(server.app)).toBeGreaterThanOrEqual(1);
    const [after] = await sql<Record<string, unknown>>(
      `select legacy_customer_name, legacy_customer_phone, legacy_notes, pii_key_version from appointments where id = ?`,
      [legacy!.id],
    );
    expect(after).toEqual({
      legacy_customer_name: null,
      legacy_customer_phone: null,
      legacy_notes: null,
      pii_key_version: 1,
    });
    const read = await keyClient().getAppointment({ id: legacy!.id });
    expect(read.appointment).toMatchObject({ customerName: "Legacy Larry", notes: "legacy notes" });
    expect((await keyClient().listAppointments({ tenantId, customerPhone: "555-000-1111" })).total).toBe(1);
  });

  it("repacks a row in the per-field form (a ciphertext per column, plaintext cancellation notes) into one sealed record at startup", async () => {
    const tenantId = newTenantId();
    const key = await server.app.customerKeys.current(tenantId);
    const id = randomUUID();
    const fields = {
      customer_name: "Per-Field Pat",
      customer_phone: "+15550002222",
      customer_email: "pat@legacy.example",
      address: "9 Old Road",
      description: "Boiler pressure",
      notes: "Back door",
    };
    const columns = Object.keys(fields).map((column) => `legacy_${column}_enc`);
    await sql(
      `insert into appointments (id, tenant_id, ${columns.join(", ")}, legacy_cancellation_notes, pii_key_version,
         title, start_time, end_time, status, cancellation_reason, cancelled_at, created_by)
       values (?, ?, ${columns.map(() => "?").join(", ")}, 'Moved out of town', ?, 'Old job', '2031-09-02T10:00Z',
         '2031-09-02T11:00Z', 'cancelled', 'customer_request', now(), 'test')`,
      [
        id,
        tenantId,
        ...Object.entries(fields).map(([column, value]) => key.seal(value, { rowId: id, column })),
        key.version,
      ],
    );
    await sql(
      `insert into idempotency_records (tenant_id, scope, key, legacy_request_hash, response)
       values (?, 'appointment.create', 'legacy-idem', 'plain-digest', ?::jsonb)`,
      [tenantId, JSON.stringify({ created: true, appointment: { id } })],
    );

    expect(await encryptLegacyCustomerData(server.app)).toBeGreaterThanOrEqual(2);
    const [after] = await sql<Record<string, unknown>>(
      `select ${columns.join(", ")}, legacy_cancellation_notes, customer_data_enc is not null as sealed
       from appointments where id = ?`,
      [id],
    );
    expect(after).toEqual({
      ...Object.fromEntries(columns.map((column) => [column, null])),
      legacy_cancellation_notes: null,
      sealed: true,
    });
    const read = await keyClient().getAppointment({ id });
    expect(read.appointment).toMatchObject({
      customerName: "Per-Field Pat",
      customerPhone: "+15550002222",
      customerEmail: "pat@legacy.example",
      address: "9 Old Road",
      description: "Boiler pressure",
      notes: "Back door",
      cancellationNotes: "Moved out of town",
      customerDataStatus: CustomerDataStatus.AVAILABLE,
    });
    expect((await keyClient().listAppointments({ tenantId, customerPhone: "555-000-2222" })).total).toBe(1);

    const [reply] = await sql<{
      legacy_request_hash: string | null;
      response: unknown;
      request_sealed: Buffer;
      resource_id: string;
    }>(
      `select legacy_request_hash, response, request_sealed, resource_id from idempotency_records
       where tenant_id = ? and key = 'legacy-idem'`,
      [tenantId],
    );
    expect(reply).toMatchObject({ legacy_request_hash: null, response: null, resource_id: id });
    expect(key.open(reply!.request_sealed, storedRequestBinding("appointment.create", "legacy-idem"))).toBe(
      "plain-digest",
    );
  });
});

describe("key rotation", () => {
  it("refuses a tenant that never stored customer data as not_found, and creates no key", async () => {
    const tenantId = newTenantId();
    const error = await errorOf(privacy().rotateTenantDataKey({ tenantId }));
    expect(error.code).toBe(Code.NotFound);
    expect(await sql(`select version from tenant_data_keys where tenant_id = ?`, [tenantId])).toEqual([]);
    expect(await sql(`select id from audit_log where tenant_id = ?`, [tenantId])).toEqual([]);
  });
});

describe("crypto-shredding", () => {
  it("destroying a tenant's keys leaves its appointments readable without customer data, never an error", async () => {
    const tenantId = newTenantId();
    const kept = newTenantId();
    const gone = await book(tenantId, { idempotencyKey: "shred-1" });
    const other = await book(kept);
    const result = await privacy().destroyTenantDataKeys({ tenantId });
    expect(result).toMatchObject({ keyVersionsDestroyed: 1, appointmentsMadeUnreadable: 1 });
    expect(await sql(`select 1 from tenant_data_keys where tenant_id = ?`, [tenantId])).toEqual([]);

    const read = await (await jwtClient(tenantId)).getAppointment({ id: gone.id });
    expect(read.appointment).toMatchObject({
      customerDataStatus: CustomerDataStatus.UNREADABLE,
      customerName: "",
      customerPhone: "",
      customerEmail: "",
      address: "",
      title: gone.title,
    });
    expect(read.appointment!.startTime).toEqual(gone.startTime);
    const listed = await (await jwtClient(tenantId)).listAppointments({});
    expect(listed.appointments.map((a) => a.customerDataStatus)).toEqual([CustomerDataStatus.UNREADABLE]);
    expect((await keyClient().getAppointment({ id: other.id })).appointment?.customerName).toBe(
      "Dana Plumber-Customer",
    );
    // The slot stays booked.
    const clash = await keyClient().createAppointment(
      appointmentRequest(
        tenantId,
        timestampDate(gone.startTime!).toISOString(),
        timestampDate(gone.endTime!).toISOString(),
      ),
    );
    expect(clash.created).toBe(false);
    // Changing unreadable customer data is refused precisely.
    const error = await errorOf((await jwtClient(tenantId)).updateAppointment({ id: gone.id, customerName: "X" }));
    expect(error.code).toBe(Code.FailedPrecondition);
  });
});

describe("ForgetCustomer", () => {
  it("erases one customer's data across appointments and stored replies, keeping slots and the audit trail", async () => {
    const tenantId = newTenantId();
    const x1 = await book(tenantId, { customerPhone: "+15553330001", idempotencyKey: "forget-x1" });
    const x2 = await book(tenantId, { customerPhone: "+15553330001", customerId: "cust-x" });
    const x3 = await book(tenantId, { customerPhone: "+15553339999", customerId: "cust-x" });
    const y = await book(tenantId, { customerPhone: "+15553330002" });

    const result = await privacy().forgetCustomer({ tenantId, customerPhone: "(555) 333-0001", customerId: "cust-x" });
    expect(result).toEqual(expect.objectContaining({ appointmentsErased: 3, idempotencyRecordsErased: 1 }));

    const jwt = await jwtClient(tenantId);
    for (const erased of [x1, x2, x3]) {
      const read = (await jwt.getAppointment({ id: erased.id })).appointment!;
      expect(read).toMatchObject({
        customerDataStatus: CustomerDataStatus.ERASED,
        customerName: "",
        customerPhone: "",
        notes: "",
        customerId: "",
        startTime: erased.startTime,
        status: AppointmentStatus.PENDING,
      });
    }
    expect((await jwt.getAppointment({ id: y.id })).appointment).toMatchObject({
      customerDataStatus: CustomerDataStatus.AVAILABLE,
      customerPhone: "+15553330002",
    });
    expect((await jwt.listAppointments({ customerPhone: "+15553330001" })).total).toBe(0);
    const [stored] = await sql<Record<string, unknown>>(
      `select response, response_sealed, request_sealed from idempotency_records where tenant_id = ? and key = ?`,
      [tenantId, "forget-x1"],
    );
    expect(stored).toEqual({ response: null, response_sealed: null, request_sealed: null });
    // A retry with the erased key cannot be compared with its first request any more: refused, not replayed.
    const { start, end } = nextHour();
    const retry = await errorOf(
      keyClient().createAppointment(
        appointmentRequest(tenantId, start, end, { customerPhone: "+15553330001", idempotencyKey: "forget-x1" }),
      ),
    );
    expect(retry.code).toBe(Code.FailedPrecondition);
    // Cancellation notes join the erased record: refused with notes, the cancel itself still works.
    const withNotes = await errorOf(jwt.cancelAppointment({ id: x2.id, notes: "about the erased customer" }));
    expect([withNotes.code, withNotes.rawMessage]).toEqual([Code.FailedPrecondition, expect.stringContaining("notes")]);
    expect((await jwt.getAppointment({ id: x2.id })).appointment?.status).toBe(AppointmentStatus.PENDING);
    expect((await jwt.cancelAppointment({ id: x2.id })).cancelled).toBe(true);
    const entries = await (await auditClient(tenantId)).listAuditEntries({ entityType: "customer" });
    expect(entries.entries).toHaveLength(1);
    expect(entries.entries[0]).toMatchObject({ action: "customer.forgotten", entityId: "cust-x" });
    // The phone numbers in any form (appointment ids are random and may contain the same digits).
    const details = JSON.stringify(entries.entries[0]!.details);
    for (const phone of ["5553330001", "5553339999", "333-0001", "cust-x"]) expect(details).not.toContain(phone);
    // Nothing matched is an answer, not an error; no criterion is invalid_argument.
    expect(
      (await privacy().forgetCustomer({ tenantId, customerEmail: "nobody@example.test" })).appointmentsErased,
    ).toBe(0);
    expect((await errorOf(privacy().forgetCustomer({ tenantId }))).code).toBe(Code.InvalidArgument);
    // A JWT may not erase.
    const jwtPrivacy = client(PrivacyService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    expect((await errorOf(jwtPrivacy.forgetCustomer({ tenantId, customerId: "cust-x" }))).code).toBe(
      Code.PermissionDenied,
    );
  });
});

describe("audit of every access", () => {
  it("records reads, lists and changes with who, which tenant, what and when, and no PII", async () => {
    const tenantId = newTenantId();
    const created = await book(tenantId, { customerName: "Audit Person" });
    const jwt = client(
      AppointmentService,
      connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId, { subject: "user-17" }) }),
    );
    await jwt.getAppointment({ id: created.id });
    await jwt.listAppointments({ customerPhone: "+15551234567" });
    await jwt.updateAppointment({ id: created.id, notes: "secret note" });
    await jwt.cancelAppointment({ id: created.id });
    const trail = await (await auditClient(tenantId)).listAuditEntries({ limit: 100 });
    const actions = trail.entries.map((e) => [e.action, e.actor]).reverse();
    expect(actions).toEqual([
      ["appointment.created", `service:${serviceKeyId(TEST_SERVICE_KEY)}`],
      ["appointment.read", "jwt:user-17"],
      ["appointments.listed", "jwt:user-17"],
      ["appointment.updated", "jwt:user-17"],
      ["appointment.cancelled", "jwt:user-17"],
    ]);
    expect(trail.entries.every((e) => e.tenantId === tenantId && e.createdAt)).toBe(true);
    const text = JSON.stringify(trail.entries.map((e) => e.details));
    for (const pii of ["Audit Person", "5551234567", "secret note", TEST_SERVICE_KEY]) expect(text).not.toContain(pii);
    const byEntity = await (
      await auditClient(tenantId)
    ).listAuditEntries({
      entityType: "appointment",
      entityId: created.id,
      startTime: timestampFromDate(new Date(Date.now() - 60_000)),
      endTime: timestampFromDate(new Date(Date.now() + 60_000)),
    });
    expect(byEntity.entries.map((e) => e.action)).toEqual([
      "appointment.cancelled",
      "appointment.updated",
      "appointment.read",
      "appointment.created",
    ]);
  });

  it("keeps a tenant's trail its own: a JWT cannot read another tenant's", async () => {
    const mine = newTenantId();
    const theirs = newTenantId();
    await book(theirs);
    const audit = await auditClient(mine);
    expect((await errorOf(audit.listAuditEntries({ tenantId: theirs }))).code).toBe(Code.PermissionDenied);
    expect((await audit.listAuditEntries({})).entries).toEqual([]);
  });

  it("refuses to change or delete audit rows", async () => {
    const tenantId = newTenantId();
    await book(tenantId);
    await expect(sql(`update audit_log set actor = 'someone else' where tenant_id = ?`, [tenantId])).rejects.toThrow(
      /append-only/,
    );
    await expect(sql(`delete from audit_log where tenant_id = ?`, [tenantId])).rejects.toThrow(/append-only/);
    expect(await sql(`select 1 from audit_log where tenant_id = ?`, [tenantId])).toHaveLength(1);
  });
});
