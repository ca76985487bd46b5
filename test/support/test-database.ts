import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../src/db/embedded-postgres.js";
import { migrate } from "../../src/db/migrations.js";
import { openDatabase } from "../../src/db/orm.js";

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
    // A directory per run, so that concurrent runs never share a cluster; world-searchable
    // because as root the server runs as the postgres user.
    const runDir = await mkdtemp(path.join(tmpdir(), "uc-test-pg-"));
    await chmod(runDir, 0o755);
    embedded = await startEmbeddedPostgres(path.join(runDir, "postgres"));
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
        await rm(path.dirname(embedded.dataDir), { recursive: true, force: true });
      }
    },
  };
}

/**
 * A fresh, migrated database on the same server as url, for a test whose
 * work sweeps every row (schedules) and must not touch other files' rows, or
 * whose deliveries must be its own servers': every server sweeps all
 * tenants' due outbox rows at its start and delivers them through its own
 * configuration (another file's fakes, keys and limits).
 */
export async function createDatabaseBeside(url: string): Promise<TestDatabase> {
  const name = `uc_test_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const own = withDatabase(url, name);
  const orm = await openDatabase(own);
  await migrate(orm);
  await orm.close();
  return {
    url: own,
    async drop() {
      const client = new pg.Client({ connectionString: withDatabase(url, "postgres") });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
