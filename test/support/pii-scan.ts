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
  const found: string[] = [];
  for (const c of columns) {
    const column = `"${c.table_schema}"."${c.table_name}"."${c.column_name}"`;
    const test =
      c.data_type === "bytea"
        ? `position(convert_to(?, 'UTF8') in "${c.column_name}") > 0`
        : `"${c.column_name}"::text ilike '%' || ? || '%'`;
    const [hit] = await sql<{ n: string }>(
      `select count(*) as n from "${c.table_schema}"."${c.table_name}" where ${test}`,
      [needle],
    );
    if (Number(hit!.n) > 0) found.push(column);
  }
  return found;
}
