import pg from "pg";
import { expect, inject, it, vi } from "vitest";
import { openDatabase } from "../../src/db/orm.js";

/**
 * knex prints its own warnings (a pooled connection the server dropped) to
 * the console unless told otherwise: the service sends them to its logger.
 */
it("knex's warning about a connection the server dropped goes to the settings' warn, not the console", async () => {
  const url = inject("databaseUrl");
  const warnings: string[] = [];
  const consoleLog = vi.spyOn(console, "log");
  const orm = await openDatabase(url, { warn: (message) => warnings.push(message) });
  const admin = new pg.Client({ connectionString: url });
  try {
    const [row] = await orm.em.fork().execute<{ pid: number }[]>("select pg_backend_pid() as pid");
    await admin.connect();
    await admin.query("select pg_terminate_backend($1)", [row!.pid]);
    // knex notices when it next takes the connection from its pool, warns, and replaces it.
    await expect
      .poll(() =>
        orm.em
          .fork()
          .execute("select 1 as one")
          .then(
            () => warnings.some((warning) => warning.includes("Connection Error")),
            () => false,
          ),
      )
      .toBe(true);
    expect(consoleLog.mock.calls.flat().join("\n")).not.toContain("Connection Error");
  } finally {
    consoleLog.mockRestore();
    await admin.end();
    await orm.close();
  }
});
