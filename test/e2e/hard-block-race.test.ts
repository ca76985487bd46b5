import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppointmentService } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { AvailabilityService, BlockType } from "../../gen/universalcalendar/v1/availability_pb.js";
import { ConflictKind } from "../../gen/universalcalendar/v1/common_pb.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

/**
 * A hard block and a booking of the same slot, sent together to two
 * instances on one database: one of the two callers must always learn of the
 * other (the booking is refused for the block, or the block names the
 * booking). Never an active appointment inside a hard block with nobody told.
 */
const PAIRS = 50;
/** Pairs in flight at once: enough to overlap, few enough to keep both calls of a pair close. */
const PAIRS_AT_ONCE = 5;

let instanceA: TestServer;
let instanceB: TestServer;

beforeAll(async () => {
  [instanceA, instanceB] = await Promise.all([startTestServer(), startTestServer()]);
});
afterAll(async () => {
  await Promise.all([instanceA?.close(), instanceB?.close()]);
});

const SLOT_START = new Date("2032-03-02T15:00:00Z");
const SLOT_END = new Date("2032-03-02T16:00:00Z");

async function hardBlock(tenantId: string) {
  const blocks = client(AvailabilityService, grpcTransport(instanceA.baseUrl, { jwt: await mintJwt(tenantId) }));
  return blocks.blockTime({
    startTime: timestampFromDate(SLOT_START),
    endTime: timestampFromDate(SLOT_END),
    title: "Van service",
    type: BlockType.HARD,
  });
}

async function inBatches(count: number, work: (i: number) => Promise<void>): Promise<void> {
  for (let first = 0; first < count; first += PAIRS_AT_ONCE) {
    const batch = Array.from({ length: Math.min(PAIRS_AT_ONCE, count - first) }, (_, k) => work(first + k));
    await Promise.all(batch);
  }
}

describe("hard blocks racing bookings on two instances", () => {
  it("never leaves a created appointment inside a hard block with neither caller told", async () => {
    const bookings = client(AppointmentService, grpcTransport(instanceB.baseUrl, serviceKey));
    const unseen: string[] = [];
    let refused = 0;
    let reported = 0;
    await inBatches(PAIRS, async () => {
      const tenantId = newTenantId();
      const [block, booking] = await Promise.all([
        hardBlock(tenantId),
        bookings.createAppointment(appointmentRequest(tenantId, SLOT_START.toISOString(), SLOT_END.toISOString())),
      ]);
      if (!booking.created) {
        expect(booking.conflicts.map((c) => [c.kind, c.id])).toEqual([[ConflictKind.BLOCK, block.block!.id]]);
        refused++;
      } else if (block.conflictingAppointments.some((c) => c.id === booking.appointment!.id)) {
        reported++;
      } else {
        unseen.push(tenantId);
      }
    });
    expect(
      unseen,
      `pairs where neither caller learned of the other (refused ${refused}, reported ${reported})`,
    ).toEqual([]);
    expect(refused + reported).toBe(PAIRS);
  });

  it("never moves an appointment into a hard block with neither caller told", async () => {
    const unseen: string[] = [];
    let refused = 0;
    let reported = 0;
    await inBatches(PAIRS, async () => {
      const tenantId = newTenantId();
      const moves = client(AppointmentService, grpcTransport(instanceB.baseUrl, { jwt: await mintJwt(tenantId) }));
      const earlier = await client(AppointmentService, grpcTransport(instanceB.baseUrl, serviceKey)).createAppointment(
        appointmentRequest(tenantId, "2032-03-02T09:00:00Z", "2032-03-02T10:00:00Z"),
      );
      const id = earlier.appointment!.id;
      const [block, move] = await Promise.all([
        hardBlock(tenantId),
        moves.updateAppointment({ id, startTime: timestampFromDate(SLOT_START), endTime: timestampFromDate(SLOT_END) }),
      ]);
      if (!move.updated) {
        expect(move.conflicts.map((c) => [c.kind, c.id])).toEqual([[ConflictKind.BLOCK, block.block!.id]]);
        refused++;
      } else if (block.conflictingAppointments.some((c) => c.id === id)) {
        reported++;
      } else {
        unseen.push(tenantId);
      }
    });
    expect(
      unseen,
      `pairs where neither caller learned of the other (refused ${refused}, reported ${reported})`,
    ).toEqual([]);
    expect(refused + reported).toBe(PAIRS);
  });
});
