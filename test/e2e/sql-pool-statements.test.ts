import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BEGIN, COMMIT, SqlPool, type Statement } from "../../src/db/sql-pool.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

/**
 * The pool's named statements are read through StatementQuery (row layout
 * built once per statement name): rows must be what pg itself returns.
 */
let database: TestDatabase;
let plain: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  plain = new pg.Client({ connectionString: database.url });
  await plain.connect();
  await plain.query(`create table statement_rows (
    id int primary key, at timestamptz, body bytea, cost numeric(10,2), flag boolean, tags text[], note text, doc jsonb)`);
  await plain.query(`insert into statement_rows values
    (1, '2031-03-09 12:30:00+00', '\\x00ff10', 350.50, true, '{a,"b c"}', 'first', '{"k": [1, 2]}'),
    (2, null, null, null, null, null, null, null)`);
});
afterAll(async () => {
  await plain?.end();
  await database?.drop();
});

/** A pool of max connections for one test (on url, the test database by default), closed after it. */
async function withPool(max: number, test: (pool: SqlPool) => Promise<void>, url = database.url): Promise<void> {
  const pool = new SqlPool(url, max);
  try {
    await test(pool);
  } finally {
    await pool.close();
  }
}

const ALL_ROWS: Statement = { name: "statement-rows-all", text: "select * from statement_rows order by id" };

describe("named statements through the pool", () => {
  it("answer exactly the rows pg answers, on every execution", async () => {
    const expected = (await plain.query("select * from statement_rows order by id")).rows;
    await withPool(2, async (pool) => {
      for (let i = 0; i < 3; i++) {
        const rows = await pool.rows<Record<string, unknown>>(ALL_ROWS);
        expect(rows).toEqual(expected);
        expect(Object.keys(rows[0]!)).toEqual(["id", "at", "body", "cost", "flag", "tags", "note", "doc"]);
        expect(rows[0]!.at).toBeInstanceOf(Date);
        expect(Buffer.isBuffer(rows[0]!.body)).toBe(true);
      }
    });
  });

  it("follow a changed table: a connection prepared after the change gets the new layout", async () => {
    const byId: Statement = { name: "statement-rows-by-id", text: "select * from statement_rows where id = $1" };
    try {
      await withPool(2, async (pool) => {
        expect(Object.keys((await pool.rows<object>(byId, [1]))[0]!)).not.toContain("added");
        await plain.query("alter table statement_rows add column added int default 7");
        // The first connection is held, so the statement runs on a second one, prepared after the change.
        const [row] = await pool.onOneConnection(() => pool.rows<Record<string, unknown>>(byId, [1]));
        expect(row!.added).toBe(7);
      });
    } finally {
      await plain.query("alter table statement_rows drop column added");
    }
  });

  it("send a pipelined transaction's statements together and answer each in order", async () => {
    const insert: Statement = {
      name: "statement-rows-insert",
      text: "insert into statement_rows (id, note) values ($1, $2) returning id, note",
    };
    try {
      await withPool(1, async (pool) => {
        const answers = await pool.onOneConnection((db) =>
          Promise.all([db.rows(BEGIN), db.rows(insert, [10, "x"]), db.rows(insert, [11, "y"]), db.rows(COMMIT)]),
        );
        expect(answers[1]).toEqual([{ id: 10, note: "x" }]);
        expect(answers[2]).toEqual([{ id: 11, note: "y" }]);
        // Statements queued after the work's first await leave too (the socket is corked only before it).
        const later = await pool.onOneConnection(async (db) => {
          await db.rows(BEGIN);
          const [row] = await db.rows<{ id: number }>(insert, [12, "z"]);
          await db.rows(COMMIT);
          return row;
        });
        expect(later).toEqual({ id: 12, note: "z" });
        const { rows } = await plain.query("select count(*)::int as n from statement_rows where id in (10, 11, 12)");
        expect(rows[0].n).toBe(3);
      });
    } finally {
      await plain.query("delete from statement_rows where id >= 10");
    }
  });

  it("fail a statement with the server's error and keep the connection usable", async () => {
    const duplicate: Statement = {
      name: "statement-rows-duplicate",
      text: "insert into statement_rows (id) values ($1)",
    };
    await withPool(1, async (pool) => {
      await expect(pool.rows(duplicate, [1])).rejects.toMatchObject({ code: "23505" });
      expect(await pool.rows(ALL_ROWS)).toHaveLength(2);
    });
  });

  it("run on the same connection after a quiet spell longer than pg's default idle timeout (10 s)", async () => {
    const backend: Statement = { name: "statement-rows-backend", text: "select pg_backend_pid() as pid" };
    await withPool(1, async (pool) => {
      const [before] = await pool.rows<{ pid: number }>(backend);
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      const [after] = await pool.rows<{ pid: number }>(backend);
      expect(after!.pid).toBe(before!.pid);
    });
  }, 20_000);

  it("read timestamptz as pg does, in any session time zone", async () => {
    // Fractions, offsets with minutes and seconds (local mean time before 1900 in Amsterdam), two-digit and
    // five-digit years, BC and the infinities: every shape PostgreSQL writes a timestamptz in.
    const literals = [
      "2031-03-09 12:30:00+00",
      "2026-11-30 17:45:12.123456+00",
      "2026-03-29 01:30:00.5+00",
      "2026-10-25 00:59:59.999+00",
      "1850-06-01 12:00:00+00",
      "1937-01-01 00:00:00+00",
      "0050-06-01 00:00:00+00",
      "0044-03-15 12:00:00+00 BC",
      "12026-01-01 00:00:00+00",
      "infinity",
      "-infinity",
    ];
    const text = `select v from unnest($1::timestamptz[]) with ordinality as t(v, n) order by n`;
    const statement: Statement = { name: "statement-rows-instants", text };
    for (const zone of ["UTC", "Asia/Kolkata", "America/St_Johns", "Europe/Amsterdam", "Pacific/Chatham"]) {
      const url = `${database.url}?options=${encodeURIComponent(`-c TimeZone=${zone}`)}`;
      const zoned = new pg.Client({ connectionString: url });
      await zoned.connect();
      try {
        const expected = (await zoned.query(text, [literals])).rows;
        expect(expected[5].v).toBeInstanceOf(Date);
        await withPool(1, async (pool) => expect(await pool.rows(statement, [literals])).toEqual(expected), url);
      } finally {
        await zoned.end();
      }
    }
  });
});
