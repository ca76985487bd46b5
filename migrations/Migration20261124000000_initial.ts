import { Migration } from "@mikro-orm/migrations";

/**
 * The whole first schema. Every table carries tenant_id and every unique or
 * exclusion constraint includes it, so the schema can be sharded by tenant.
 */
export class Migration20261124000000_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create extension if not exists btree_gist;`);

    this.addSql(`
      create table appointments (
        id uuid primary key default gen_random_uuid(),
        tenant_id text not null,
        customer_name text not null,
        customer_phone text not null,
        customer_email text,
        title varchar(255) not null,
        description text,
        service_type text,
        start_time timestamptz not null,
        end_time timestamptz not null,
        status text not null default 'pending'
          check (status in ('pending', 'confirmed', 'in_progress', 'completed', 'cancelled', 'no_show')),
        address text,
        latitude double precision check (latitude between -90 and 90),
        longitude double precision check (longitude between -180 and 180),
        estimated_cost numeric(12, 2) check (estimated_cost >= 0),
        notes text,
        version integer not null default 1,
        cancellation_reason text,
        cancellation_notes text,
        cancelled_at timestamptz,
        cancelled_by text,
        idempotency_key text,
        provider text,
        external_event_id text,
        sync_status text not null default 'not_required'
          check (sync_status in ('not_required', 'pending', 'synced', 'failed')),
        sync_error text,
        created_by text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint appointments_time_order check (end_time > start_time),
        constraint appointments_tenant_idempotency_key unique (tenant_id, idempotency_key),
        constraint appointments_no_overlap exclude using gist (
          tenant_id with =,
          tstzrange(start_time, end_time, '[)') with &&
        ) where (status not in ('cancelled', 'no_show'))
      );`);
    this.addSql(`create index appointments_tenant_start on appointments (tenant_id, start_time);`);
    this.addSql(`create index appointments_tenant_status_start on appointments (tenant_id, status, start_time);`);
    this.addSql(`create index appointments_tenant_phone on appointments (tenant_id, customer_phone);`);
    this.addSql(`create index appointments_tenant_external_event on appointments (tenant_id, external_event_id);`);

    this.addSql(`
      create table idempotency_records (
        tenant_id text not null,
        scope text not null,
        key text not null,
        request_hash text not null,
        response jsonb,
        created_at timestamptz not null default now(),
        primary key (tenant_id, scope, key)
      );`);

    this.addSql(`
      create table calendar_integrations (
        id uuid primary key default gen_random_uuid(),
        tenant_id text not null,
        provider text not null
          check (provider in ('google', 'microsoft', 'apple', 'jobber', 'housecall_pro')),
        account_email text not null default '',
        status text not null default 'active' check (status in ('active', 'error', 'disabled')),
        status_reason text,
        access_token_encrypted text,
        refresh_token_encrypted text,
        token_expires_at timestamptz,
        scopes text,
        last_synced_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint calendar_integrations_tenant_provider_account unique (tenant_id, provider, account_email)
      );`);
    this.addSql(`create index calendar_integrations_tenant on calendar_integrations (tenant_id, provider);`);

    this.addSql(`
      create table integration_calendars (
        id uuid primary key default gen_random_uuid(),
        tenant_id text not null,
        integration_id uuid not null references calendar_integrations (id) on delete cascade,
        provider_calendar_id text not null,
        name text not null default '',
        time_zone text,
        is_primary boolean not null default false,
        check_conflicts boolean not null default true,
        receives_events boolean not null default false,
        sync_state text,
        last_synced_at timestamptz,
        created_at timestamptz not null default now(),
        constraint integration_calendars_unique unique (tenant_id, integration_id, provider_calendar_id)
      );`);

    this.addSql(`
      create table provider_busy_events (
        id uuid primary key default gen_random_uuid(),
        tenant_id text not null,
        integration_id uuid not null references calendar_integrations (id) on delete cascade,
        calendar_id uuid not null references integration_calendars (id) on delete cascade,
        provider_event_id text not null,
        start_time timestamptz not null,
        end_time timestamptz not null,
        all_day boolean not null default false,
        start_date date,
        end_date date,
        status text not null default 'confirmed' check (status in ('confirmed', 'tentative', 'cancelled')),
        transparent boolean not null default false,
        response_status text,
        title text,
        etag text,
        updated_at timestamptz not null default now(),
        constraint provider_busy_events_unique unique (tenant_id, integration_id, calendar_id, provider_event_id),
        constraint provider_busy_events_time_order check (end_time >= start_time)
      );`);
    this.addSql(
      `create index provider_busy_events_tenant_window on provider_busy_events (tenant_id, start_time, end_time);`,
    );

    this.addSql(`
      create table availability_blocks (
        id uuid primary key default gen_random_uuid(),
        tenant_id text not null,
        start_time timestamptz not null,
        end_time timestamptz not null,
        title text not null default '',
        reason text not null default '',
        block_type text not null default 'hard' check (block_type in ('soft', 'hard')),
        created_by text not null,
        created_at timestamptz not null default now(),
        deleted_at timestamptz,
        constraint availability_blocks_time_order check (end_time > start_time)
      );`);
    this.addSql(
      `create index availability_blocks_tenant_window on availability_blocks (tenant_id, start_time, end_time) where deleted_at is null;`,
    );

    this.addSql(`
      create table scheduling_rules (
        tenant_id text primary key,
        rules jsonb not null,
        updated_by text not null,
        updated_at timestamptz not null default now()
      );`);

    this.addSql(`
      create table sync_jobs (
        id uuid primary key default gen_random_uuid(),
        tenant_id text not null,
        provider text,
        integration_id uuid references calendar_integrations (id) on delete set null,
        type text not null check (type in ('full', 'incremental')),
        status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed')),
        progress_percent integer not null default 0,
        processed integer not null default 0,
        created integer not null default 0,
        updated integer not null default 0,
        deleted integer not null default 0,
        errors jsonb not null default '[]',
        created_at timestamptz not null default now(),
        started_at timestamptz,
        finished_at timestamptz
      );`);
    this.addSql(`create index sync_jobs_tenant_created on sync_jobs (tenant_id, created_at desc);`);

    this.addSql(`
      create table oauth_states (
        id uuid primary key default gen_random_uuid(),
        tenant_id text not null,
        provider text not null,
        state_hash text not null,
        code_verifier_encrypted text not null,
        redirect_uri text not null,
        expires_at timestamptz not null,
        used_at timestamptz,
        created_at timestamptz not null default now(),
        constraint oauth_states_tenant_state unique (tenant_id, state_hash)
      );`);

    this.addSql(`
      create table outbox (
        id bigserial primary key,
        tenant_id text not null,
        topic text not null,
        aggregate_id text not null,
        payload jsonb not null,
        status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
        attempts integer not null default 0,
        next_attempt_at timestamptz not null default now(),
        last_error text,
        created_at timestamptz not null default now(),
        delivered_at timestamptz
      );`);
    this.addSql(`create index outbox_pending on outbox (next_attempt_at) where status = 'pending';`);
    this.addSql(`create index outbox_tenant_aggregate on outbox (tenant_id, aggregate_id);`);

    this.addSql(`
      create table webhook_channels (
        id uuid primary key default gen_random_uuid(),
        tenant_id text not null,
        integration_id uuid not null references calendar_integrations (id) on delete cascade,
        provider text not null,
        channel_id text not null,
        resource_id text,
        expires_at timestamptz,
        created_at timestamptz not null default now(),
        constraint webhook_channels_unique unique (tenant_id, provider, channel_id)
      );`);

    this.addSql(`
      create table audit_log (
        id bigserial primary key,
        tenant_id text not null,
        actor text not null,
        action text not null,
        entity_type text not null,
        entity_id text not null,
        changes jsonb not null default '{}',
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index audit_log_tenant_entity on audit_log (tenant_id, entity_type, entity_id, created_at);`);
  }

  override async down(): Promise<void> {
    for (const table of [
      "audit_log",
      "webhook_channels",
      "outbox",
      "oauth_states",
      "sync_jobs",
      "scheduling_rules",
      "availability_blocks",
      "provider_busy_events",
      "integration_calendars",
      "calendar_integrations",
      "idempotency_records",
      "appointments",
    ]) {
      this.addSql(`drop table if exists ${table} cascade;`);
    }
  }
}
