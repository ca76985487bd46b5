import type { MigrationObject } from "@mikro-orm/core";

/**
 * Every migration in order, by name: migrations/<name>.ts exports the class
 * <name>. Names only, so that checking for pending migrations loads nothing of
 * the migrator (src/db/migrations.ts).
 */
export const migrationNames: readonly string[] = [
  "Migration20261124000000_initial",
  "Migration20261201000000_rate_limit_counters",
  "Migration20261210100000_field_service_integrations",
  "Migration20261215000000_two_way_sync",
  "Migration20261215100000_push_channels_and_schedules",
  "Migration20261216000000_customer_data_encryption",
  "Migration20261220000000_job_delivery_intents",
  "Migration20261220100000_technicians",
  "Migration20261221000000_job_intent_job_ids",
  "Migration20261222000000_customer_data_record",
  "Migration20261223000000_job_crew_member",
  "Migration20261224000000_booked_as_job",
  "Migration20261225000000_block_ranges",
];

/** The migration classes, imported by name (tsx, vitest and node load them alike). */
export async function loadMigrations(): Promise<MigrationObject[]> {
  return Promise.all(
    migrationNames.map(async (name) => {
      // @vite-ignore: vitest would turn a variable import into a file match on ".js", and finds only .ts here;
      // left alone, the import is resolved when it runs, as by node and tsx.
      const module = (await import(/* @vite-ignore */ `./${name}.js`)) as Record<
        string,
        MigrationObject["class"] | undefined
      >;
      const migration = module[name];
      if (!migration) throw new Error(`migrations/${name} does not export a class named ${name}`);
      return { name, class: migration };
    }),
  );
}
