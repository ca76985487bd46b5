import { Migration } from "@mikro-orm/migrations";

/**
 * Push channels and schedules (issue 11).
 *
 * webhook_channels gains what renewal and health need: the calendar it
 * watches, its state (active, or failed after renewals kept failing), how
 * many renewals failed in a row and why, and when it was last renewed and
 * last notified. The provider's own expiry stays in expires_at.
 *
 * calendar_integrations: field-service pushes name the provider's account
 * id, stored in account_email (the account identity column); the index
 * makes that lookup one probe.
 *
 * schedule_runs: when each schedule last started, so a schedule pg-boss
 * fires twice (or two instances fire) runs once.
 */
export class Migration20261215100000_push_channels_and_schedules extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table webhook_channels
        add column calendar_id uuid references integration_calendars (id) on delete set null,
        add column provider_calendar_id text,
        add column status text not null default 'active' check (status in ('active', 'failed')),
        add column renewal_failures integer not null default 0,
        add column last_error text,
        add column renewed_at timestamptz,
        add column last_notification_at timestamptz;`);
    this.addSql(`create index webhook_channels_channel on webhook_channels (channel_id);`);
    this.addSql(`create index webhook_channels_expiry on webhook_channels (expires_at);`);
    this.addSql(`create index calendar_integrations_account on calendar_integrations (provider, account_email);`);
    this.addSql(`
      create table schedule_runs (
        name text primary key,
        started_at timestamptz not null
      );`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists schedule_runs;`);
    this.addSql(`drop index if exists calendar_integrations_account;`);
    this.addSql(`drop index if exists webhook_channels_expiry;`);
    this.addSql(`drop index if exists webhook_channels_channel;`);
    this.addSql(`
      alter table webhook_channels
        drop column if exists calendar_id,
        drop column if exists provider_calendar_id,
        drop column if exists status,
        drop column if exists renewal_failures,
        drop column if exists last_error,
        drop column if exists renewed_at,
        drop column if exists last_notification_at;`);
  }
}
