import { Migration } from "@mikro-orm/migrations";

/**
 * Marks the event of an appointment that is the job CreateJob booked it as
 * (its work on the platform's schedule). The sync follows it like any event
 * of ours; the delivery moves it and adds the booked technician, but leaves
 * its instructions (composed by CreateJob from the caller's description,
 * notes, job type and urgency) and its crew to the caller.
 */
export class Migration20261224000000_booked_as_job extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table appointment_calendar_events add column booked_as_job boolean not null default false;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table appointment_calendar_events drop column if exists booked_as_job;`);
  }
}
