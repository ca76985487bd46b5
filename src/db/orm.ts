import { MikroORM, type Options } from "@mikro-orm/postgresql";
import { Migrator } from "@mikro-orm/migrations";
import { migrationsList } from "../../migrations/index.js";
import { allEntities } from "../entities/index.js";

export type { MikroORM };

export function ormOptions(clientUrl: string, log: (message: string) => void, poolMax = 20): Options {
  return {
    clientUrl,
    logger: log,
    entities: allEntities,
    extensions: [Migrator],
    migrations: {
      migrationsList,
      tableName: "mikro_orm_migrations",
      transactional: true,
      allOrNothing: true,
      path: "migrations",
      // One fixed name: the snapshot is committed and keeps future generated
      // migrations from dropping the index behind the EXCLUDE constraint.
      snapshot: true,
      snapshotName: ".snapshot-universal-calendar",
    },
    pool: { min: 0, max: poolMax },
    // One unit of work per call: handlers must em.fork(); the global context is a bug.
    allowGlobalContext: false,
    debug: false,
  };
}

export async function openDatabase(
  clientUrl: string,
  log: (message: string) => void = () => {},
  poolMax?: number,
): Promise<MikroORM> {
  return MikroORM.init(ormOptions(clientUrl, log, poolMax));
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((migration) => migration.name);
}

/** Creates the database named in url when it does not exist (used for the embedded server). */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (exists.rowCount === 0) await client.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
