import type { EntityManager } from "@mikro-orm/postgresql";
import type { SqlReader, Statement } from "./sql-pool.js";

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
      return em.execute<R[]>(
        text,
        order.map((index) => values[index]),
      );
    },
  };
}
