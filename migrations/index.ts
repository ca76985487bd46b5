import type { MigrationObject } from "@mikro-orm/core";
import { Migration20261124000000_initial } from "./Migration20261124000000_initial.js";
import { Migration20261201000000_rate_limit_counters } from "./Migration20261201000000_rate_limit_counters.js";
import { Migration20261210100000_field_service_integrations } from "./Migration20261210100000_field_service_integrations.js";
import { Migration20261215000000_two_way_sync } from "./Migration20261215000000_two_way_sync.js";
import { Migration20261215100000_push_channels_and_schedules } from "./Migration20261215100000_push_channels_and_schedules.js";
import { Migration20261216000000_customer_data_encryption } from "./Migration20261216000000_customer_data_encryption.js";
import { Migration20261220000000_job_delivery_intents } from "./Migration20261220000000_job_delivery_intents.js";
import { Migration20261220100000_technicians } from "./Migration20261220100000_technicians.js";
import { Migration20261221000000_job_intent_job_ids } from "./Migration20261221000000_job_intent_job_ids.js";
import { Migration20261222000000_customer_data_record } from "./Migration20261222000000_customer_data_record.js";
import { Migration20261223000000_job_crew_member } from "./Migration20261223000000_job_crew_member.js";

/** Every migration in order; listed explicitly so tsx, vitest and node load them alike. */
export const migrationsList: MigrationObject[] = [
  { name: "Migration20261124000000_initial", class: Migration20261124000000_initial },
  { name: "Migration20261201000000_rate_limit_counters", class: Migration20261201000000_rate_limit_counters },
  {
    name: "Migration20261210100000_field_service_integrations",
    class: Migration20261210100000_field_service_integrations,
  },
  { name: "Migration20261215000000_two_way_sync", class: Migration20261215000000_two_way_sync },
  {
    name: "Migration20261215100000_push_channels_and_schedules",
    class: Migration20261215100000_push_channels_and_schedules,
  },
  {
    name: "Migration20261216000000_customer_data_encryption",
    class: Migration20261216000000_customer_data_encryption,
  },
  { name: "Migration20261220000000_job_delivery_intents", class: Migration20261220000000_job_delivery_intents },
  { name: "Migration20261220100000_technicians", class: Migration20261220100000_technicians },
  { name: "Migration20261221000000_job_intent_job_ids", class: Migration20261221000000_job_intent_job_ids },
  { name: "Migration20261222000000_customer_data_record", class: Migration20261222000000_customer_data_record },
  { name: "Migration20261223000000_job_crew_member", class: Migration20261223000000_job_crew_member },
];
