import { Migration } from "@mikro-orm/migrations";

/**
 * Bookings delivered as jobs (issue 10, part 6).
 *
 * Jobber and HouseCall Pro take no client-chosen ids, so a job creation that
 * died between the platform's success and our record cannot be repeated
 * blindly. Before the create call the deliverer writes an intent here (what
 * it is about to create, and the window it can be found in); the record of
 * the job in appointment_calendar_events and the intent's removal commit
 * together. An intent without a record means "maybe created": the next
 * attempt searches the platform for our marker before creating again.
 */
export class Migration20261220000000_job_delivery_intents extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table appointment_job_intents (
        tenant_id text not null,
        appointment_id uuid not null references appointments (id) on delete cascade,
        calendar_id uuid not null references integration_calendars (id) on delete cascade,
        start_time timestamptz not null,
        end_time timestamptz not null,
        created_at timestamptz not null default now(),
        primary key (tenant_id, appointment_id, calendar_id)
      );`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists appointment_job_intents;`);
  }
}
