import type { EntityManager } from "@mikro-orm/postgresql";
import { WRITES_EVENTS } from "./calendar-targets.js";
import { enqueueOutbox } from "./enqueue-outbox.js";
import { appointmentUpdated } from "./outbox-message.js";

/**
 * The tenant's upcoming appointments that a calendar we write to does not
 * hold yet (a receiving calendar, or the booked technician's own) and that
 * wait for no delivery already: booked before that calendar was connected,
 * while its connection was in error or its sync off, or given up on.
 */
const OWED = `
  select a.id::text as id from appointments a
  where a.tenant_id = ? and a.end_time > ? and a.status in ('pending', 'confirmed', 'in_progress')
    and exists (
      select 1 from integration_calendars c
      join calendar_integrations i on i.id = c.integration_id
      where c.tenant_id = a.tenant_id and ${WRITES_EVENTS}
        and (c.receives_events or c.id = (
          select t.calendar_id from technicians t
          where t.id = a.technician_id and t.tenant_id = a.tenant_id and t.deleted_at is null))
        and not exists (
          select 1 from appointment_calendar_events m
          where m.tenant_id = a.tenant_id and m.calendar_id = c.id and m.appointment_id = a.id))
    and not exists (
      select 1 from outbox o where o.tenant_id = a.tenant_id and o.aggregate_id = a.id::text and o.status = 'pending')
  order by a.start_time`;

/** Marks them waiting for their delivery (as a booking that a calendar receives is) and names them. */
const MARK_OWED = `
  update appointments u set sync_status = 'pending', sync_error = null
  from (${OWED}) owed where u.id = owed.id::uuid
  returning u.id::text as id`;

/**
 * Queues, in the caller's transaction, a calendar write for every upcoming
 * appointment a calendar is owed (see OWED), after a change that makes a
 * calendar receive events; the delivery creates what is missing, and the
 * providers' idempotent creates find an event that is there already. The
 * caller's flushed changes are what the query sees. Returns how many.
 */
export async function queueOwedEvents(em: EntityManager, tenantId: string, now: Date): Promise<number> {
  await em.flush();
  const owed = await em.execute<{ id: string }[]>(MARK_OWED, [tenantId, now]);
  for (const { id } of owed) enqueueOutbox(em, tenantId, appointmentUpdated(id, ["calendar"], false));
  await em.flush();
  return owed.length;
}
