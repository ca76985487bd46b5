import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { migrationNames } from "../../migrations/index.js";
import { migrate, openMigratingDatabase } from "../../src/db/migrations.js";
import { openDatabase } from "../../src/db/orm.js";

// Empty databases of their own: these tests migrate them from nothing and back.
const serverUrl = inject("databaseUrl");
const admin = new pg.Client({ connectionString: serverUrl.replace(/\/[^/]+$/, "/postgres") });
const createdDatabases: string[] = [];
let databaseUrl: string;

async function createEmptyDatabase(): Promise<string> {
  const name = `uc_migrations_${Date.now()}_${createdDatabases.length}`;
  await admin.query(`create database ${name}`);
  createdDatabases.push(name);
  return serverUrl.replace(/\/[^/]+$/, `/${name}`);
}

beforeAll(async () => {
  await admin.connect();
  databaseUrl = await createEmptyDatabase();
});
afterAll(async () => {
  for (const name of createdDatabases) await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
});

/** Migrates a database in a process of its own, as the service does at startup. */
async function migrateInOwnProcess(url = databaseUrl): Promise<{ applied: string[]; migratorLoaded: boolean }> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    "--import",
    "tsx",
    "test/support/migrator-loads.ts",
    url,
  ]);
  return JSON.parse(stdout) as { applied: string[]; migratorLoaded: boolean };
}

it("lists every migration in migrations/, by the name of its file", async () => {
  const files = (await readdir("migrations")).filter((file) => /^Migration\d+_\w+\.ts$/.test(file));
  expect([...migrationNames].sort()).toEqual(files.map((file) => file.replace(/\.ts$/, "")).sort());
});

it("applies every migration in order to an empty database, loading the migrator only then", async () => {
  expect(await migrateInOwnProcess()).toEqual({ applied: [...migrationNames], migratorLoaded: true });
  // Restarted on an up-to-date database: nothing applied, and the migrator never loaded.
  expect(await migrateInOwnProcess()).toEqual({ applied: [], migratorLoaded: false });
});

it("applies only what a database lacks", async () => {
  const migrating = await openMigratingDatabase(databaseUrl);
  try {
    await migrating.getMigrator().down();
  } finally {
    await migrating.close();
  }
  const orm = await openDatabase(databaseUrl);
  try {
    expect(await migrate(orm)).toEqual([migrationNames.at(-1)]);
    expect(await migrate(orm)).toEqual([]);
  } finally {
    await orm.close();
  }
});

it("migrates once when two instances start together on an empty database", async () => {
  const url = await createEmptyDatabase();
  const runs = await Promise.all([migrateInOwnProcess(url), migrateInOwnProcess(url), migrateInOwnProcess(url)]);
  // Exactly one applied everything; the others waited for it and found nothing left to do.
  expect(runs.map((run) => run.applied.length).sort((a, b) => b - a)).toEqual([migrationNames.length, 0, 0]);
  const database = new pg.Client({ connectionString: url });
  await database.connect();
  try {
    const { rows } = await database.query<{ name: string }>("select name from mikro_orm_migrations order by id");
    expect(rows.map((row) => row.name)).toEqual([...migrationNames]);
  } finally {
    await database.end();
  }
});
