import { Migration } from "@mikro-orm/migrations";

/**
 * Field-service integrations (Jobber, HouseCall Pro) and outbound request
 * budgets.
 *
 * calendar_integrations gains:
 * - login_kind: how this row was connected, when it differs from the
 *   provider's usual login (Jobber: an API key instead of the OAuth app flow);
 *   null means the provider's own connector kind;
 * - account_name: the company name a field-service platform reports;
 * - account_settings: what the user gave at connect time (HouseCall Pro
 *   company id and time zone, Jobber subdomain).
 *
 * outbound_rate_limits: one token bucket per integration, shared by every
 * server instance, so a provider's request budget holds for the service as a
 * whole; blocked_until records a provider's own "wait" (429 Retry-After,
 * Jobber THROTTLED) for every instance. Unlogged: after a crash buckets
 * start full, which only costs one burst.
 */
export class Migration20261210100000_field_service_integrations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table calendar_integrations
        add column login_kind text check (login_kind in ('oauth', 'basic', 'api_key')),
        add column account_name text,
        add column account_settings jsonb not null default '{}';`);
    this.addSql(`
      create unlogged table outbound_rate_limits (
        bucket_key text primary key,
        tokens double precision not null,
        refreshed_at timestamptz not null,
        blocked_until timestamptz
      );`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists outbound_rate_limits;`);
    this.addSql(`
      alter table calendar_integrations
        drop column if exists login_kind,
        drop column if exists account_name,
        drop column if exists account_settings;`);
  }
}
