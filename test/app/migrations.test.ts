import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { migrationNames } from "../../migrations/index.js";
import { migrate, openMigratingDatabase } from "../../src/db/migrations.js";
import { openDatabase } from "../../src/db/orm.js";

// An empty database of its own: these tests migrate it from nothing and back.
const serverUrl = inject("databaseUrl");
const databaseName = `uc_migrations_${Date.now()}`;
const databaseUrl = serverUrl.replace(/\/[^/]+$/, `/${databaseName}`);
const admin = new pg.Client({ connectionString: serverUrl.replace(/\/[^/]+$/, "/postgres") });

beforeAll(async () => {
  await admin.connect();
  await admin.query(`create database ${databaseName}`);
});
afterAll(async () => {
  await admin.query(`drop database if exists ${databaseName} with (force)`);
  await admin.end();
});

/** Migrates databaseUrl in a process of its own, as the service does at startup. */
async function migrateInOwnProcess(): Promise<{ applied: string[]; migratorLoaded: boolean }> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    "--import",
    "tsx",
    "test/support/migrator-loads.ts",
    databaseUrl,
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
