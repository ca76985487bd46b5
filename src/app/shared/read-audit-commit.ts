import { asynchronousCommit } from "../../db/asynchronous-commit.js";

/**
 * A FROM item for the insert of a read's audit row (a data-modifying CTE of the read's own statement):
 * the read answers without waiting for the audit row's WAL flush. A read writes nothing but its audit
 * row; on this machine's disk a flush takes ~0.2 ms but stalls for 100-300 ms under load
 * (docs/runtime.md), and every read waited for it. What this gives up: if PostgreSQL itself crashes,
 * the audit rows of reads committed in its last ~0.6 s may be lost; writes keep synchronous commit.
 */
export const READ_AUDIT_COMMIT = asynchronousCommit("read_audit_commit");
