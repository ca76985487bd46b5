import { MikroORM, type EntityManager } from "@mikro-orm/postgresql";
import { loadMigrations, migrationNames } from "../../migrations/index.js";
import { ormOptions, type OrmSettings } from "./orm.js";

const MIGRATIONS_TABLE = "mikro_orm_migrations";
const MIGRATIONS_LOCK_KEY = "schema-migrations";

/**
 * Applies every pending migration; returns the names applied. The migrator
 * (MikroORM's Migrator, umzug and the command-line toolkit it brings, the
 * migration classes) is ~15 MB of heap that stays once imported, and a
 * service spends its whole life after startup without it: so nothing of it is
 * loaded unless the migrations table lacks a name, and then it runs on an ORM
 * of its own, closed when done.
 *
 * Instances starting together on one database migrate one at a time (a
 * transaction-scoped advisory lock, held while the migrator runs on its own
 * connection): the first applies what is pending, the others wait and then
 * find nothing left. Without it each read "nothing applied yet" and all but
 * one failed on their first `create`.
 */
export async function migrate(orm: MikroORM): Promise<string[]> {
  if (!(await hasPendingMigrations(orm.em.fork()))) return [];
  return orm.em.fork().transactional(async (em) => {
    await em.execute("select pg_advisory_xact_lock(hashtextextended(?, 0))", [MIGRATIONS_LOCK_KEY]);
    if (!(await hasPendingMigrations(em))) return [];
    const migrating = await openMigratingDatabase(orm.config.getClientUrl());
    try {
      const applied = await migrating.getMigrator().up();
      return applied.map((migration) => migration.name);
    } finally {
      await migrating.close();
    }
  });
}

/**
 * An ORM that can migrate. `snapshot`: only `npm run migration:create` keeps
 * the schema snapshot: a diff against it (not against a live database) never
 * drops the index behind the EXCLUDE constraint; applying migrations must not
 * rewrite files in the checkout.
 */
export async function openMigratingDatabase(
  clientUrl: string,
  settings: OrmSettings & { snapshot?: boolean } = {},
): Promise<MikroORM> {
  const [{ Migrator }, migrationsList] = await Promise.all([import("@mikro-orm/migrations"), loadMigrations()]);
  return MikroORM.init({
    ...ormOptions(clientUrl, { poolMax: 1, ...settings }),
    extensions: [Migrator],
    migrations: {
      migrationsList,
      tableName: MIGRATIONS_TABLE,
      transactional: true,
      allOrNothing: true,
      path: "migrations",
      snapshot: settings.snapshot ?? false,
      snapshotName: ".snapshot-universal-calendar",
    },
  });
}

async function hasPendingMigrations(em: EntityManager): Promise<boolean> {
  const [table] = await em.execute<{ present: boolean }[]>(
    `select to_regclass('${MIGRATIONS_TABLE}') is not null as present`,
  );
  if (!table?.present) return true;
  const rows = await em.execute<{ name: string }[]>(`select name from ${MIGRATIONS_TABLE}`);
  const applied = new Set(rows.map((row) => row.name));
  return migrationNames.some((name) => !applied.has(name));
}
