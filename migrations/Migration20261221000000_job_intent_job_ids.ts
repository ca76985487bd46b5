import { Migration } from "@mikro-orm/migrations";

/**
 * A job creation that got as far as the platform's job (Jobber: jobCreate
 * answered, visitCreate not yet done) records the job's id on its intent at
 * once, so the next attempt completes that job (adds its visit, its crew)
 * instead of looking for it: a Jobber job without its visit has no start,
 * and no search by schedule finds it.
 */
export class Migration20261221000000_job_intent_job_ids extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table appointment_job_intents add column job_id text;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table appointment_job_intents drop column if exists job_id;`);
  }
}
