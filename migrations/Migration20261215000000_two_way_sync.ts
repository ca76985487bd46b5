import { Migration } from "@mikro-orm/migrations";

/**
 * Two-way sync: where each appointment's event lives in each calendar it is
 * written to (no entity maps it: the outbox deliverer and the sync read and
 * write it with plain SQL), each integration's sync direction and switch,
 * the flag a calendar-side move that conflicts leaves on an appointment,
 * outbox claims (a lease, so no lock is held during a provider call) and
 * the "skipped" outcome (a notification with no URL to send it to), and the
 * appointment id a mirrored event carries when it is one of ours.
 */
export class Migration20261215000000_two_way_sync extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table appointment_calendar_events (
        tenant_id text not null,
        appointment_id uuid not null references appointments (id) on delete cascade,
        calendar_id uuid not null references integration_calendars (id) on delete cascade,
        integration_id uuid not null references calendar_integrations (id) on delete cascade,
        provider_calendar_id text not null,
        provider_event_id text not null,
        etag text,
        deleted_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        primary key (tenant_id, appointment_id, calendar_id)
      );`);
    this.addSql(
      `create index appointment_calendar_events_event on appointment_calendar_events (tenant_id, calendar_id, provider_event_id);`,
    );
    this.addSql(`
      alter table calendar_integrations
        add column sync_direction text not null default 'bidirectional'
          check (sync_direction in ('bidirectional', 'from_provider', 'to_provider')),
        add column sync_enabled boolean not null default true;`);
    this.addSql(`alter table appointments add column calendar_conflict text;`);
    this.addSql(`alter table provider_busy_events add column appointment_id text;`);
    this.addSql(`alter table outbox drop constraint if exists outbox_status_check;`);
    this.addSql(`
      alter table outbox
        add constraint outbox_status_check check (status in ('pending', 'delivered', 'failed', 'skipped')),
        add column claimed_until timestamptz;`);
    this.addSql(
      `create index outbox_aggregate_pending on outbox (tenant_id, aggregate_id, id) where status = 'pending';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists outbox_aggregate_pending;`);
    this.addSql(`alter table outbox drop column claimed_until, drop constraint outbox_status_check;`);
    this.addSql(`update outbox set status = 'delivered' where status = 'skipped';`);
    this.addSql(
      `alter table outbox add constraint outbox_status_check check (status in ('pending', 'delivered', 'failed'));`,
    );
    this.addSql(`alter table provider_busy_events drop column appointment_id;`);
    this.addSql(`alter table appointments drop column calendar_conflict;`);
    this.addSql(`alter table calendar_integrations drop column sync_direction, drop column sync_enabled;`);
    this.addSql(`drop table if exists appointment_calendar_events;`);
  }
}
