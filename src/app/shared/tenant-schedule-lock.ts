import type { EntityManager } from "@mikro-orm/postgresql";
import type { Statement } from "../../db/sql-pool.js";
import { unitOfWorkSql } from "../../db/unit-of-work-sql.js";

/**
 * A reader/writer lock per tenant, so that a hard block and a booking (or a
 * move) of the same tenant always see each other, on any number of server
 * instances: a PostgreSQL transaction-scoped advisory lock, released at
 * commit or rollback.
 *
 * Bookings and moves take it SHARED, right before they read what stands in
 * the way: they never wait for each other (the appointments' exclusion
 * constraint still decides between two bookings, so a hot slot keeps its
 * one-winner, everyone-else-told semantics), and bookings of different
 * tenants use different keys. A hard block takes it EXCLUSIVE before its
 * insert: it waits for the bookings in flight to commit, so its read of
 * overlapping appointments sees them, and a booking that starts meanwhile
 * waits for the block to commit, so its read sees the block (READ COMMITTED
 * takes a new snapshot per statement, after the lock is granted).
 *
 * Why not narrower or constraint-based: blocks are rare and short
 * transactions, so a tenant-wide exclusive lock stalls that tenant's
 * bookings only for one block's insert; per-day bucket locks would cost a
 * booking one lock per day it touches and a long block hundreds. An
 * exclusion constraint cannot say "a block may overlap appointments but must
 * report them".
 *
 * Cost: CreateAppointment sends BEGIN, the lock, its booking statement and
 * COMMIT pipelined, in one round trip (src/app/appointments/create-appointment.ts).
 * Earlier, unpipelined (three more round trips; pgbench, 4 clients:
 * ~0.2 ms per transaction for the lock statement, ~0.2 ms for BEGIN+COMMIT).
 * `npm run bench -- appointments` on the shared 2-core box (load 6-11) was
 * within its noise: 147/s before, 171/s and 149/s after for creates; the
 * hot-slot race still gives 1 winner and 31 created=false per round, no errors.
 */
export const TENANT_SCHEDULE_LOCK = {
  booking: {
    name: "tenant-schedule-lock-shared",
    text: "select pg_advisory_xact_lock_shared(hashtextextended($1, 0))",
  },
  hardBlock: { name: "tenant-schedule-lock", text: "select pg_advisory_xact_lock(hashtextextended($1, 0))" },
} as const satisfies Record<string, Statement>;

/** The lock's key, the one value of TENANT_SCHEDULE_LOCK's statements. */
export function tenantScheduleLockKey(tenantId: string): string {
  return `tenant-schedule:${tenantId}`;
}

/** Must run inside the transaction whose reads and writes it guards. */
export async function lockTenantSchedule(
  em: EntityManager,
  tenantId: string,
  holder: keyof typeof TENANT_SCHEDULE_LOCK,
): Promise<void> {
  await unitOfWorkSql(em).rows(TENANT_SCHEDULE_LOCK[holder], [tenantScheduleLockKey(tenantId)]);
}
