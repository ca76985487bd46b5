import { Migration } from "@mikro-orm/migrations";

/**
 * Technicians as resources, slot holds.
 *
 * technicians: per tenant, with skills (job types), an optional service
 * area, their own weekly hours (null: the business's) and date overrides
 * (laid over the business's), and links to their busy-time sources: a
 * connected calendar (integration_calendars.id) and their Jobber user /
 * HouseCall Pro employee id (mirrored jobs carry the crew's ids in
 * provider_busy_events.technician_ids). Deleted technicians are kept
 * (deleted_at) so past appointments still name them.
 *
 * appointments gains technician_id (job_type it already has), and holds: status 'held' with
 * hold_token and expires_at.
 *
 * The no-overlap rule becomes ONE exclusion constraint over a "lane": a
 * technician's appointment occupies the single point [t, t] of a range type
 * over uuid, a business-wide appointment (no technician) the unbounded range
 * (,). Ranges overlap when both are the same technician, or when either is
 * business-wide, so: two technicians may work at the same time, one
 * technician cannot be in two places, and a business-wide appointment
 * excludes every technician's (and every other business-wide one), which is
 * exactly today's rule for a tenant without technicians (every lane is (,)).
 * One constraint rather than two (per technician + business-wide) because a
 * pair of constraints cannot express "a technician's row conflicts with a
 * business-wide row" without a lock scheme; this one is enforced by the
 * index alone, across any number of server instances.
 *
 * Holds are rows of the same table under the same constraint, so a hold
 * counts as busy for every other booking by the database's own rule. The
 * constraint cannot say "unless expired" (now() is not immutable), so an
 * expired hold stays in the index until deleted: every booking deletes the
 * expired holds overlapping its range in its own transaction before it
 * inserts (see CLEAR_STALE_HOLDS in src/app/appointments/insert-appointment.ts, and the
 * reaper in src/app/holds/reap-expired-holds.ts), and readers ignore
 * expired holds (expires_at compared with the service's clock).
 */
export class Migration20261220100000_technicians extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type technician_lane as range (subtype = uuid);`);
    this.addSql(`
      create table technicians (
        id uuid primary key default gen_random_uuid(),
        tenant_id text not null,
        name text not null,
        skills text[] not null default '{}',
        service_area text,
        weekly_hours jsonb,
        date_overrides jsonb not null default '[]',
        calendar_id uuid references integration_calendars (id) on delete set null,
        jobber_user_id text,
        housecall_pro_employee_id text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        deleted_at timestamptz
      );`);
    this.addSql(`create index technicians_tenant on technicians (tenant_id, name) where deleted_at is null;`);

    this.addSql(`
      alter table appointments
        add column technician_id uuid references technicians (id),
        add column hold_token text,
        add column expires_at timestamptz;`);
    this.addSql(`alter table appointments drop constraint appointments_status_check;`);
    this.addSql(`
      alter table appointments add constraint appointments_status_check
        check (status in ('held', 'pending', 'confirmed', 'in_progress', 'completed', 'cancelled', 'no_show'));`);
    this.addSql(`
      alter table appointments add constraint appointments_hold_shape
        check ((status = 'held') = (hold_token is not null and expires_at is not null));`);
    this.addSql(
      `create unique index appointments_hold_token on appointments (hold_token) where hold_token is not null;`,
    );
    this.addSql(`create index appointments_tenant_held on appointments (tenant_id, expires_at) where status = 'held';`);
    this.addSql(`alter table appointments drop constraint appointments_no_overlap;`);
    this.addSql(`
      alter table appointments add constraint appointments_no_overlap exclude using gist (
        tenant_id with =,
        (case when technician_id is null then technician_lane(null, null)
              else technician_lane(technician_id, technician_id, '[]') end) with &&,
        tstzrange(start_time, end_time, '[)') with &&
      ) where (status not in ('cancelled', 'no_show'));`);

    this.addSql(`alter table provider_busy_events add column technician_ids text[] not null default '{}';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table provider_busy_events drop column if exists technician_ids;`);
    this.addSql(`delete from appointments where status = 'held';`);
    this.addSql(`alter table appointments drop constraint appointments_no_overlap;`);
    this.addSql(`
      alter table appointments add constraint appointments_no_overlap exclude using gist (
        tenant_id with =,
        tstzrange(start_time, end_time, '[)') with &&
      ) where (status not in ('cancelled', 'no_show'));`);
    this.addSql(`alter table appointments drop constraint appointments_hold_shape;`);
    this.addSql(`drop index if exists appointments_hold_token;`);
    this.addSql(`drop index if exists appointments_tenant_held;`);
    this.addSql(`alter table appointments drop constraint appointments_status_check;`);
    this.addSql(`
      alter table appointments add constraint appointments_status_check
        check (status in ('pending', 'confirmed', 'in_progress', 'completed', 'cancelled', 'no_show'));`);
    this.addSql(`
      alter table appointments
        drop column if exists technician_id,
        drop column if exists hold_token,
        drop column if exists expires_at;`);
    this.addSql(`drop table if exists technicians;`);
    this.addSql(`drop type if exists technician_lane;`);
  }
}
