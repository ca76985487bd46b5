import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../src/db/embedded-postgres.js";
import { migrate, openDatabase } from "../../src/db/orm.js";

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function createTestDatabase(): Promise<TestDatabase> {
  let embedded: EmbeddedDatabase | undefined;
  let serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!serverUrl) {
    await mkdir(".test-data", { recursive: true });
    // A directory per run, so that concurrent runs never share a cluster.
    embedded = await startEmbeddedPostgres(await mkdtemp(path.resolve(".test-data/postgres-")));
    serverUrl = embedded.url;
  }
  const name = `uc_test_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: withDatabase(serverUrl, "postgres") });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();

  const url = withDatabase(serverUrl, name);
  const orm = await openDatabase(url);
  await migrate(orm);
  await orm.close();

  return {
    url,
    async drop() {
      const client = new pg.Client({ connectionString: withDatabase(serverUrl, "postgres") });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
      if (embedded) {
        await embedded.stop();
        await rm(embedded.dataDir, { recursive: true, force: true });
      }
    },
  };
}
