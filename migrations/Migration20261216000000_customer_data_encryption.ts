import { Migration } from "@mikro-orm/migrations";

const PERSONAL_COLUMNS = ["customer_name", "customer_phone", "customer_email", "address", "description", "notes"];

/**
 * Customers' personal data encrypted under per-tenant data keys, the
 * platform's appointment fields, and an append-only audit log.
 *
 * Existing plaintext stays readable to exactly one step: the columns are
 * renamed legacy_*, and the service encrypts them into the *_enc columns
 * and empties them at startup, before it serves (encryptLegacyCustomerData),
 * because encrypting needs the master key, which migrations never see. A
 * later migration drops the emptied legacy_* columns.
 */
export class Migration20261216000000_customer_data_encryption extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table tenant_data_keys (
        tenant_id text not null,
        version integer not null check (version > 0),
        wrapped_key bytea not null,
        master_key_id text not null,
        created_at timestamptz not null default now(),
        primary key (tenant_id, version)
      );`);
    this.addSql(`
      create table customer_data_rotations (
        tenant_id text not null,
        to_version integer not null,
        last_appointment_id uuid,
        appointments_reencrypted integer not null default 0,
        idempotency_records_reencrypted integer not null default 0,
        state text not null default 'running' check (state in ('running', 'done')),
        started_at timestamptz not null default now(),
        finished_at timestamptz,
        primary key (tenant_id, to_version)
      );`);

    for (const column of PERSONAL_COLUMNS) {
      this.addSql(`alter table appointments rename column ${column} to legacy_${column};`);
      this.addSql(`alter table appointments alter column legacy_${column} drop not null;`);
      this.addSql(`alter table appointments add column ${column}_enc bytea;`);
    }
    this.addSql(`drop index if exists appointments_tenant_phone;`);
    this.addSql(`alter table appointments rename column service_type to job_type;`);
    this.addSql(`
      alter table appointments
        add column customer_phone_index bytea,
        add column customer_email_index bytea,
        add column pii_key_version integer,
        add column customer_data_erased_at timestamptz,
        add column customer_id text,
        add column lead_id text,
        add column conversation_id text,
        add column urgency text not null default 'normal' check (urgency in ('normal', 'high', 'emergency')),
        add column estimated_duration_minutes integer check (estimated_duration_minutes between 1 and 1440),
        add column timezone text,
        add constraint appointments_data_key foreign key (tenant_id, pii_key_version)
          references tenant_data_keys (tenant_id, version);`);
    this.addSql(`create index appointments_tenant_phone_index on appointments (tenant_id, customer_phone_index);`);
    this.addSql(`create index appointments_tenant_email_index on appointments (tenant_id, customer_email_index);`);
    this.addSql(`create index appointments_tenant_customer on appointments (tenant_id, customer_id);`);
    this.addSql(`create index appointments_tenant_lead on appointments (tenant_id, lead_id);`);
    this.addSql(`create index appointments_tenant_conversation on appointments (tenant_id, conversation_id);`);
    this.addSql(`create index appointments_tenant_key_version on appointments (tenant_id, pii_key_version);`);
    // The re-encryption job walks a tenant's rows by id from its checkpoint.
    this.addSql(`create index appointments_tenant_id on appointments (tenant_id, id);`);

    // Stored replies hold the appointment: sealed like the row (response stays for legacy rows until converted).
    this.addSql(`
      alter table idempotency_records
        add column response_sealed bytea,
        add column response_key_version integer,
        add column resource_id text;`);
    this.addSql(`create index idempotency_records_resource on idempotency_records (tenant_id, resource_id);`);

    this.addSql(`alter table audit_log alter column entity_id set default '';`);
    this.addSql(`create index audit_log_tenant_time on audit_log (tenant_id, created_at desc, id desc);`);
    // Append-only: the service can insert, never change or remove an entry. Only a retention
    // job that says so in its own transaction (set local audit_log.retention = 'on') may delete.
    this.addSql(`
      create function audit_log_append_only() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' and coalesce(current_setting('audit_log.retention', true), '') = 'on' then
          return old;
        end if;
        raise exception 'audit_log is append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
      end $$;`);
    this.addSql(`
      create trigger audit_log_append_only before update or delete on audit_log
        for each row execute function audit_log_append_only();`);
    this.addSql(`
      create trigger audit_log_no_truncate before truncate on audit_log
        for each statement execute function audit_log_append_only();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists audit_log_no_truncate on audit_log;`);
    this.addSql(`drop trigger if exists audit_log_append_only on audit_log;`);
    this.addSql(`drop function if exists audit_log_append_only();`);
    this.addSql(`drop index if exists audit_log_tenant_time;`);
    this.addSql(`alter table idempotency_records drop column response_sealed, drop column response_key_version,
      drop column resource_id;`);
    this.addSql(`alter table appointments drop constraint appointments_data_key, drop column customer_phone_index,
      drop column customer_email_index, drop column pii_key_version, drop column customer_data_erased_at,
      drop column customer_id, drop column lead_id, drop column conversation_id, drop column urgency,
      drop column estimated_duration_minutes, drop column timezone;`);
    this.addSql(`alter table appointments rename column job_type to service_type;`);
    for (const column of PERSONAL_COLUMNS) {
      this.addSql(`alter table appointments drop column ${column}_enc;`);
      this.addSql(`alter table appointments rename column legacy_${column} to ${column};`);
    }
    this.addSql(`create index appointments_tenant_phone on appointments (tenant_id, customer_phone);`);
    this.addSql(`drop table if exists customer_data_rotations;`);
    this.addSql(`drop table if exists tenant_data_keys;`);
  }
}
