/**
 * A FROM item that turns synchronous_commit off for the transaction of the
 * one statement it is in (set_config's is_local), evaluated once: that
 * statement answers without waiting for its WAL flush. For writes whose loss
 * in a PostgreSQL crash (the last ~0.6 s: three wal_writer_delay rounds) is
 * harmless; the database stays consistent. Only for statements run on their
 * own: inside a transaction block it would make every write of that block
 * asynchronous too.
 */
export function asynchronousCommit(alias: string): string {
  return `(select set_config('synchronous_commit', 'off', true)) as ${alias}`;
}
