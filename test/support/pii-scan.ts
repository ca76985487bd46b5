import { expect } from "vitest";
import type { MikroORM } from "../../src/db/orm.js";

/** Rows of every text, json, jsonb and bytea column of every table (all schemas) containing needle. */
export async function columnsHolding(orm: MikroORM, needle: string): Promise<string[]> {
  const sql = <T extends object>(query: string, params: unknown[] = []) => orm.em.fork().execute<T[]>(query, params);
  const columns = await sql<{ table_schema: string; table_name: string; column_name: string; data_type: string }>(
    `select c.table_schema, c.table_name, c.column_name, c.data_type
     from information_schema.columns c
     join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
     where t.table_type = 'BASE TABLE' and c.table_schema not in ('pg_catalog', 'information_schema')
       and c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')`,
  );
  expect(columns.length).toBeGreaterThan(30);
  // One statement per table (every column tested in it): the scan stays quick as tables grow.
  const tables = new Map<string, typeof columns>();
  for (const c of columns) {
    const table = `"${c.table_schema}"."${c.table_name}"`;
    tables.set(table, [...(tables.get(table) ?? []), c]);
  }
  const found: string[] = [];
  for (const [table, tableColumns] of tables) {
    const tests = tableColumns.map((c, i) =>
      c.data_type === "bytea"
        ? `coalesce(bool_or(position(convert_to(?, 'UTF8') in "${c.column_name}") > 0), false) as c${i}`
        : `coalesce(bool_or("${c.column_name}"::text ilike '%' || ? || '%'), false) as c${i}`,
    );
    const [hits] = await sql<Record<string, boolean>>(
      `select ${tests.join(", ")} from ${table}`,
      tableColumns.map(() => needle),
    );
    tableColumns.forEach((c, i) => {
      if (hits![`c${i}`]) found.push(`${table}."${c.column_name}"`);
    });
  }
  return found;
}
