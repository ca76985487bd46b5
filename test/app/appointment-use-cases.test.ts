import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { cancelAppointment } from "../../src/app/appointments/cancel-appointment.js";
import { createAppointment } from "../../src/app/appointments/create-appointment.js";
import { getAppointment } from "../../src/app/appointments/get-appointment.js";
import { updateAppointment } from "../../src/app/appointments/update-appointment.js";
import type { AppContext } from "../../src/app/context.js";
import {
  appointmentCancelled,
  appointmentCreated,
  customerNotification,
  notificationAggregateOf,
  appointmentUpdated,
  parseOutboxMessage,
} from "../../src/app/outbox/outbox-message.js";
import { openDatabase, type MikroORM } from "../../src/db/orm.js";
import type { Caller } from "../../src/domain/caller.js";
import { fixedClock } from "../../src/domain/clock.js";
import { NotFoundError } from "../../src/domain/errors.js";
import { testAppContext } from "../support/test-context.js";
import { newTenantId, testConfig } from "../support/test-server.js";

/**
 * Use cases called directly on the real PostgreSQL, without a server: the
 * tier between the domain's unit tests and the e2e suites.
 */
let orm: MikroORM;
let ctx: AppContext;
const service: Caller = { kind: "service", keyId: "test" };
const clock = fixedClock("2030-02-03T12:00:00Z");

beforeAll(async () => {
  orm = await openDatabase(inject("databaseUrl"));
  ctx = testAppContext({ orm, clock });
});
afterAll(() => orm?.close());

const request = (start: string, end: string) => ({
  customerName: "Lee Electric-Customer",
  customerPhone: "+15551230000",
  customerEmail: "",
  title: "Replace breaker",
  description: "",
  jobType: "",
  customerId: "",
  leadId: "",
  conversationId: "",
  timezone: "",
  start: new Date(start),
  end: new Date(end),
  address: "",
  estimatedCost: "",
  notes: "",
  notifyCustomer: true,
});

async function receivingCalendarFor(tenantId: string): Promise<void> {
  await orm.em
    .fork()
    .getConnection()
    .execute(
      `with i as (insert into calendar_integrations (tenant_id, provider, account_email)
                values (?, 'google', 'owner@example.test') returning id)
     insert into integration_calendars (tenant_id, integration_id, provider_calendar_id, is_primary, receives_events)
     select ?, id, 'primary', true, true from i`,
      [tenantId, tenantId],
    );
}

async function outboxOf(tenantId: string) {
  return orm.em
    .fork()
    .getConnection()
    .execute<{ topic: string; aggregate_id: string; payload: unknown }[]>(
      "select topic, aggregate_id, payload from outbox where tenant_id = ? order by id",
      [tenantId],
    );
}

describe("appointment use cases on the database", () => {
  it("write outbox rows that parse as the OutboxMessage union, whichever writer wrote them", async () => {
    const tenantId = newTenantId();
    // A calendar receives the tenant's events (else a booking queues no calendar write); the fast path
    // is off, so the rows stay as written (delivery goes to the recording job queue).
    await receivingCalendarFor(tenantId);
    const ctx = testAppContext({ orm, clock, config: testConfig({ FAST_PATH_BUDGET_MS: "0" }) });
    const created = await createAppointment(ctx, service, {
      tenantId,
      idempotencyKey: "",
      request: request("2030-02-04T15:00:00Z", "2030-02-04T16:00:00Z"),
    });
    expect(created.created).toBe(true);
    if (!created.created) return;
    const id = created.appointment.id;
    const moved = await updateAppointment(ctx, service, {
      id,
      tenantFilter: undefined,
      expectedVersion: 0,
      patch: { start: new Date("2030-02-04T17:00:00Z"), end: new Date("2030-02-04T18:00:00Z") },
    });
    expect(moved.updated).toBe(true);
    await cancelAppointment(ctx, service, {
      id,
      tenantFilter: undefined,
      reason: "customer_request",
      notes: "",
      notifyCustomer: false,
    });

    const rows = await outboxOf(tenantId);
    const notify = notificationAggregateOf(id);
    expect(rows.map((row) => row.aggregate_id)).toEqual([id, notify, id, notify, id]);
    expect(rows.map((row) => parseOutboxMessage(row.topic, row.payload))).toEqual([
      appointmentCreated(id, true),
      customerNotification(id, "confirmation"),
      appointmentUpdated(id, ["startTime", "endTime"], true),
      customerNotification(id, "change"),
      appointmentCancelled(id, false, "customer_request"),
    ]);
  });

  it("stamps changes with the context's clock, not the machine's", async () => {
    const tenantId = newTenantId();
    const created = await createAppointment(ctx, service, {
      tenantId,
      idempotencyKey: "",
      request: request("2030-02-05T15:00:00Z", "2030-02-05T16:00:00Z"),
    });
    if (!created.created) throw new Error("not created");
    const { appointment } = await cancelAppointment(ctx, service, {
      id: created.appointment.id,
      tenantFilter: undefined,
      reason: "other",
      notes: "",
      notifyCustomer: false,
    });
    expect(appointment.cancelledAt).toEqual(clock.now());
    expect(appointment.updatedAt).toEqual(clock.now());
  });

  it("hides another tenant's appointment behind not_found", async () => {
    const created = await createAppointment(ctx, service, {
      tenantId: newTenantId(),
      idempotencyKey: "",
      request: request("2030-02-06T15:00:00Z", "2030-02-06T16:00:00Z"),
    });
    if (!created.created) throw new Error("not created");
    const other: Caller = { kind: "tenant", tenantId: newTenantId(), subject: "someone" };
    await expect(
      getAppointment(ctx, other, { id: created.appointment.id, tenantFilter: other.tenantId }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses an outbox row whose payload does not match its topic", () => {
    expect(() => parseOutboxMessage("appointment.created", { appointmentId: "a" })).toThrow(/not a valid/);
    expect(() => parseOutboxMessage("appointment.deleted", { appointmentId: "a" })).toThrow(/unknown outbox topic/);
  });
});
