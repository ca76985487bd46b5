import type { EntityManager } from "@mikro-orm/postgresql";
import pg from "pg";
import type { SqlReader, Statement } from "./sql-pool.js";

/** pg's own conversion of a parameter (a JS array to a PostgreSQL array literal), untyped in @types/pg. */
const { prepareValue } = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils;

const knexTexts = new Map<string, { text: string; order: number[] }>();

/** `$n` placeholders (each may repeat) as knex's positional `?`, with the order values must follow. */
function knexForm(statement: Statement): { text: string; order: number[] } {
  let form = knexTexts.get(statement.text);
  if (!form) {
    const order: number[] = [];
    const text = statement.text.replace(/\$(\d+)/g, (_, n: string) => {
      order.push(Number(n) - 1);
      return "?";
    });
    form = { text, order };
    knexTexts.set(statement.text, form);
  }
  return form;
}

/**
 * The same statements inside an ORM unit of work (its transaction, its
 * connection): the paths that change entities in a transaction (moving an
 * appointment, updating rules) read with the SQL the hot paths prepare.
 */
export function unitOfWorkSql(em: EntityManager): SqlReader {
  return {
    async rows<R>(statement: Statement, values: unknown[] = []): Promise<R[]> {
      const { text, order } = knexForm(statement);
      // knex would expand an array parameter into a list of parameters; the statements mean one array.
      return em.execute<R[]>(
        text,
        order.map((index) => {
          const value = values[index];
          return Array.isArray(value) ? prepareValue(value) : value;
        }),
      );
    },
  };
}
