import { MikroORM, type Options } from "@mikro-orm/postgresql";
import { allEntities } from "../entities/index.js";

export type { MikroORM };

export interface OrmSettings {
  log?: (message: string) => void;
  /**
   * knex's own warnings and errors (a pooled connection the server dropped,
   * a deprecation), which it otherwise prints to the console; default: dropped.
   */
  warn?: (message: string) => void;
  poolMax?: number;
}

export function ormOptions(clientUrl: string, settings: OrmSettings = {}): Options {
  return {
    clientUrl,
    logger: settings.log ?? (() => {}),
    entities: allEntities,
    pool: { min: 0, max: settings.poolMax ?? 20 },
    driverOptions: { log: knexLog(settings.warn ?? (() => {})) },
    // One unit of work per call: handlers must em.fork(); the global context is a bug.
    allowGlobalContext: false,
    debug: false,
  };
}

function knexLog(warn: (message: string) => void) {
  const write = (message: unknown) => warn(message instanceof Error ? message.message : String(message));
  return { warn: write, error: write, deprecate: write, debug: () => {} };
}

export async function openDatabase(clientUrl: string, settings: OrmSettings = {}): Promise<MikroORM> {
  return MikroORM.init(ormOptions(clientUrl, settings));
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
