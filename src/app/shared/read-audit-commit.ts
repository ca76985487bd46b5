/**
 * A FROM item for the insert of a read's audit row (a data-modifying CTE of the read's own statement):
 * evaluated once, it turns synchronous_commit off for that statement's transaction only, so the read
 * answers without waiting for the audit row's WAL flush. A read writes nothing but its audit row; on
 * this machine's disk a flush takes ~0.2 ms but stalls for 100-300 ms under load (docs/runtime.md), and
 * every read waited for it. What this gives up: if PostgreSQL itself crashes, the audit rows of reads
 * committed in the last ~0.6 s (three wal_writer_delay rounds) may be lost; the database stays
 * consistent and writes keep synchronous commit. Only for statements run on their own (the SqlPool's
 * implicit transactions): inside a transaction block it would make every write of that block
 * asynchronous too.
 */
export const READ_AUDIT_COMMIT = "(select set_config('synchronous_commit', 'off', true)) as read_audit_commit";
