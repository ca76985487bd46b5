/**
 * A statement with its literal values replaced by `?`. MikroORM inlines values into
 * the SQL it sends (no bind parameters), so a traced statement would otherwise carry
 * customer names, phones and tokens to the tracing backend.
 */
export function sqlWithoutLiterals(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, "?")
    .replace(/\$(\w*)\$[\s\S]*?\$\1\$/g, "?")
    .replace(/(?<![\w$.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])/gi, "?");
}
