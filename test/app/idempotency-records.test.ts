import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createAppointment } from "../../src/app/appointments/create-appointment.js";
import type { AppContext } from "../../src/app/context.js";
import { hashRequest, storedRequestBinding } from "../../src/app/shared/idempotency.js";
import { openDatabase, type MikroORM } from "../../src/db/orm.js";
import { validateNewAppointment } from "../../src/domain/appointments/new-appointment.js";
import type { Caller } from "../../src/domain/caller.js";
import { fixedClock } from "../../src/domain/clock.js";
import { AlreadyExistsError } from "../../src/domain/errors.js";
import { columnsHolding } from "../support/pii-scan.js";
import { testAppContext } from "../support/test-context.js";
import { newTenantId } from "../support/test-server.js";

let orm: MikroORM;
let ctx: AppContext;
const service: Caller = { kind: "service", keyId: "test" };
const clock = fixedClock("2030-02-03T12:00:00Z");

beforeAll(async () => {
  orm = await openDatabase(inject("databaseUrl"));
  ctx = testAppContext({ orm, clock });
});
afterAll(() => orm?.close());

const request = (customerPhone: string) => ({
  customerName: "Guessable Gail",
  customerPhone,
  customerEmail: "",
  title: "Tune piano",
  description: "",
  jobType: "",
  customerId: "",
  leadId: "",
  conversationId: "",
  timezone: "",
  start: new Date("2030-04-01T09:00:00Z"),
  end: new Date("2030-04-01T10:00:00Z"),
  address: "",
  estimatedCost: "",
  notes: "",
  notifyCustomer: false,
});

describe("idempotency records", () => {
  it("keep no plain digest of the request a phone number guess could be tested against, and still replay", async () => {
    const tenantId = newTenantId();
    const first = await createAppointment(ctx, service, {
      tenantId,
      idempotencyKey: "guess-1",
      request: request("+15554443333"),
    });
    if (!first.created) throw new Error("not created");
    // What anyone could compute for a guessed phone number: found nowhere.
    const guessed = hashRequest(validateNewAppointment(request("+15554443333"), clock.now()));
    expect(await columnsHolding(orm, guessed)).toEqual([]);
    // It is the digest the claim compares: stored sealed under the tenant's key only.
    const [stored] = await orm.em
      .fork()
      .execute<{ request_sealed: Buffer; request_key_version: number }[]>(
        `select request_sealed, request_key_version from idempotency_records where tenant_id = ? and key = 'guess-1'`,
        [tenantId],
      );
    const key = await ctx.customerKeys.version(tenantId, stored!.request_key_version);
    expect(key!.open(stored!.request_sealed, storedRequestBinding("appointment.create", "guess-1"))).toBe(guessed);

    const replay = await createAppointment(ctx, service, {
      tenantId,
      idempotencyKey: "guess-1",
      request: request("+15554443333"),
    });
    expect(replay).toMatchObject({ created: true, appointment: { id: first.appointment.id } });
    await expect(
      createAppointment(ctx, service, { tenantId, idempotencyKey: "guess-1", request: request("+15554449999") }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
  });
});
