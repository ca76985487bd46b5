import type { MigrationObject } from "@mikro-orm/core";
import { Migration20261124000000_initial } from "./Migration20261124000000_initial.js";

/** Every migration in order; listed explicitly so tsx, vitest and node load them alike. */
export const migrationsList: MigrationObject[] = [
  { name: "Migration20261124000000_initial", class: Migration20261124000000_initial },
];
