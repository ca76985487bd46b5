/**
 * The statements the service runs for the benchmarked RPCs (as of this
 * bench), with $n placeholders, for the baseline handler and pgbench. They
 * are a reference, not the service's code: when the service's SQL changes,
 * the ratio shows it, and these follow when the baseline should.
 * GetAppointment: one select by id. CreateAppointment: rules, busy time of
 * the slot, then one insert of appointment + outbox + audit rows. The
 * customer columns hold ciphertext in the service; the baseline stores the
 * plain bytes there (its ceiling leaves out the service's encryption).
 * CheckAvailability: rules, then busy time of the window.
 */
export const RULES_SQL = `
  select r.rules, r.updated_at,
         (select c.time_zone from integration_calendars c
          where c.tenant_id = t.tenant_id and c.is_primary and c.time_zone is not null
          order by c.created_at limit 1) as calendar_zone
  from (select $1::text as tenant_id) t
  left join scheduling_rules r on r.tenant_id = t.tenant_id`;

const epochMs = (column: string) => `(extract(epoch from ${column}) * 1000)::float8`;

export const BUSY_SQL = (includeSoftBlocks: boolean) => `
  select 'appointment' as kind, a.id::text as id, ${epochMs("a.start_time")} as start_ms,
         ${epochMs("a.end_time")} as end_ms, a.title, false as all_day,
         null::text as start_date, null::text as end_date, 'confirmed' as status, false as transparent,
         null::text as response_status, null::text as provider
  from appointments a
  where a.tenant_id = $1 and a.status not in ('cancelled', 'no_show') and a.start_time < $2 and a.end_time > $3
  union all
  select 'block', b.id::text, ${epochMs("b.start_time")}, ${epochMs("b.end_time")}, b.title, false, null, null,
         'confirmed', false, null, null
  from availability_blocks b
  where b.tenant_id = $4 and b.deleted_at is null and b.start_time < $5 and b.end_time > $6
    ${includeSoftBlocks ? "" : "and b.block_type = 'hard'"}
  union all
  select 'calendar_event', e.provider_event_id, ${epochMs("e.start_time")}, ${epochMs("e.end_time")}, e.title, e.all_day,
         e.start_date::text, e.end_date::text, e.status, e.transparent, e.response_status, i.provider
  from provider_busy_events e
  join integration_calendars c on c.id = e.calendar_id and c.check_conflicts
  join calendar_integrations i on i.id = e.integration_id
  where e.tenant_id = $7 and e.start_time < $8 and e.end_time > $9 and e.status <> 'cancelled' and not e.transparent`;

export const INSERT_APPOINTMENT_SQL = `
  with booked as (
    insert into appointments (tenant_id, customer_name_enc, customer_phone_enc, customer_email_enc, title,
      description_enc, job_type, start_time, end_time, status, address_enc, latitude, longitude, estimated_cost,
      notes_enc, idempotency_key, created_by)
    values ($1, convert_to($2, 'UTF8'), convert_to($3, 'UTF8'), convert_to($4, 'UTF8'), $5, convert_to($6, 'UTF8'),
      $7, $8, $9, $10, convert_to($11, 'UTF8'), $12, $13, $14, convert_to($15, 'UTF8'), $16, $17)
    on conflict do nothing
    returning *
  ), queued as (
    insert into outbox (tenant_id, topic, aggregate_id, payload)
    select tenant_id, 'appointment.created', id::text,
      jsonb_build_object('appointmentId', id, 'notifyCustomer', $18::boolean)
    from booked
  ), audited as (
    insert into audit_log (tenant_id, actor, action, entity_type, entity_id, changes)
    select tenant_id, created_by, 'appointment.created', 'appointment', id::text,
      jsonb_build_object('startTime', start_time, 'endTime', end_time, 'status', status)
    from booked
  )
  select * from booked`;

/** ListAppointments without date filters: one page by start time, and the tenant's count. */
export const LIST_APPOINTMENTS_SQL = `
  select * from appointments where tenant_id = $1 order by start_time asc, id asc limit $2 offset $3`;
export const COUNT_APPOINTMENTS_SQL = `select count(*)::int as total from appointments where tenant_id = $1`;
