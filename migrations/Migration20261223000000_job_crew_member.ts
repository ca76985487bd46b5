import { Migration } from "@mikro-orm/migrations";

/**
 * The crew member this service put on an appointment's Jobber / HouseCall Pro
 * job (the booked technician's linked user or employee), so that a
 * reassignment takes that one off the crew again while whoever the business
 * dispatched there stays. Null for calendar events and for jobs delivered
 * before this column (their crew is left as it is).
 */
export class Migration20261223000000_job_crew_member extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table appointment_calendar_events add column crew_member_id text;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table appointment_calendar_events drop column if exists crew_member_id;`);
  }
}
