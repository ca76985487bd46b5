import type { BusyPeriod } from "../../domain/availability/busy-period.js";
import { actorOf, type Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { AvailabilityBlockSchema, type AvailabilityBlock } from "../../entities/availability-block.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../shared/audit.js";
import { lockTenantSchedule } from "../shared/tenant-schedule-lock.js";
import { instantOf, type SqlTimestamp } from "./sql-timestamp.js";
import { activeAppointmentsOverlapping } from "./load-busy-periods.js";

export interface BlockTimeInput {
  tenantId: string;
  start?: Date;
  end?: Date;
  title: string;
  reason: string;
  blockType: "soft" | "hard";
}

const MAX_TITLE = 255;
const MAX_REASON = 2_000;

interface OverlappingAppointmentRow {
  id: string;
  start_time: SqlTimestamp;
  end_time: SqlTimestamp;
  title: string;
}

function validate(command: BlockTimeInput): { start: Date; end: Date } {
  const { start, end } = command;
  if (!start) throw new InvalidArgumentError("start_time", "required");
  if (!end) throw new InvalidArgumentError("end_time", "required");
  if (end <= start) throw new InvalidArgumentError("end_time", "must be after start_time");
  if (command.title.length > MAX_TITLE) throw new InvalidArgumentError("title", `at most ${MAX_TITLE} characters`);
  if (command.reason.length > MAX_REASON) throw new InvalidArgumentError("reason", `at most ${MAX_REASON} characters`);
  return { start, end };
}

/**
 * Blocks [start, end) and reports the active appointments it overlaps; they
 * stay booked (whoever blocks decides what to do with them).
 */
export async function blockTime(
  ctx: AppContext,
  caller: Caller,
  command: BlockTimeInput,
): Promise<{ block: AvailabilityBlock; conflictingAppointments: BusyPeriod[] }> {
  const { start, end } = validate(command);
  return ctx.orm.em.fork().transactional(async (em) => {
    // Exclusive: bookings in flight commit first and are reported below; later ones see this block.
    if (command.blockType === "hard") await lockTenantSchedule(em, command.tenantId, "hardBlock");
    const block = em.create(AvailabilityBlockSchema, {
      tenantId: command.tenantId,
      startTime: start,
      endTime: end,
      title: command.title.trim(),
      reason: command.reason.trim(),
      blockType: command.blockType,
      createdBy: actorOf(caller),
      createdAt: ctx.clock.now(),
    });
    await em.flush();
    recordAudit(em, {
      tenantId: command.tenantId,
      caller,
      action: "block.created",
      entityType: "availability_block",
      entityId: block.id,
      changes: { startTime: start.toISOString(), endTime: end.toISOString(), blockType: command.blockType },
    });
    const rows = await em.execute<OverlappingAppointmentRow[]>(
      `select id, start_time, end_time, title from appointments a
       where tenant_id = ? and ${activeAppointmentsOverlapping("?", "?")}
       order by start_time`,
      [command.tenantId, start, end],
    );
    const conflictingAppointments = rows.map((row): BusyPeriod => ({
      kind: "appointment",
      id: row.id,
      start: instantOf(row.start_time),
      end: instantOf(row.end_time),
      title: row.title,
    }));
    return { block, conflictingAppointments };
  });
}
