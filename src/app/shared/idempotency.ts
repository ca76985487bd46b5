import { createHash } from "node:crypto";
import { FieldDecryptionError, type FieldBinding } from "../../crypto/customer-data-cipher.js";
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError } from "../../domain/errors.js";
import type { SqlReader, Statement } from "../../db/sql-pool.js";
import type { TenantKeyRing } from "../customer-data/tenant-key-ring.js";

export type IdempotencyClaim = { kind: "new" } | { kind: "replay"; response: unknown };

export function validateIdempotencyKey(key: string): string | undefined {
  const trimmed = key.trim();
  if (!trimmed) return undefined;
  if (trimmed.length > 255) throw new InvalidArgumentError("idempotency_key", "at most 255 characters");
  return trimmed;
}

/**
 * The request's digest. A request carries personal data, and anyone holding
 * its plain digest could test a guess (a phone number, say) against it, so
 * the digest is stored only sealed under the tenant's data key
 * (claimIdempotencyKey): a rotation re-seals it with the reply, crypto-
 * shredding and ForgetCustomer make it unreadable with the reply.
 */
export function hashRequest(request: unknown): string {
  return createHash("sha256").update(JSON.stringify(request)).digest("hex");
}

/** What a stored reply's ciphertext is bound to: its record and column. */
export function storedReplyBinding(scope: string, key: string) {
  return { rowId: `idempotency:${scope}:${key}`, column: "response" };
}

/** What the sealed digest of the first request is bound to. */
export function storedRequestBinding(scope: string, key: string) {
  return { rowId: `idempotency:${scope}:${key}`, column: "request" };
}

const CLAIM: Statement = {
  name: "idempotency-claim",
  text: `insert into idempotency_records (tenant_id, scope, key, request_sealed, request_key_version)
     values ($1, $2, $3, $4, $5) on conflict do nothing returning key`,
};
const CLAIMED: Statement = {
  name: "idempotency-claimed",
  text: `select request_sealed, request_key_version, response_sealed, response_key_version from idempotency_records
     where tenant_id = $1 and scope = $2 and key = $3`,
};
const SAVE: Statement = {
  name: "idempotency-save",
  text: `update idempotency_records set response_sealed = $1, response_key_version = $2, resource_id = $3
     where tenant_id = $4 and scope = $5 and key = $6`,
};

/**
 * Claims (tenant, scope, key) inside the caller's transaction. A concurrent
 * claim of the same key waits on the primary key until the first transaction
 * commits, then replays its response: one row however many retries race.
 * Stored replies carry customer data, so they (and the first request's
 * digest, see hashRequest) are sealed under the tenant's data key like the
 * rows they describe; a claim whose first request can no longer be read
 * (erased, or its key destroyed) is refused like an erased reply.
 */
export async function claimIdempotencyKey(
  sql: SqlReader,
  keys: TenantKeyRing,
  tenantId: string,
  scope: string,
  key: string,
  requestHash: string,
): Promise<IdempotencyClaim> {
  const dataKey = await keys.current(tenantId);
  const inserted = await sql.rows<{ key: string }>(CLAIM, [
    tenantId,
    scope,
    key,
    dataKey.seal(requestHash, storedRequestBinding(scope, key)),
    dataKey.version,
  ]);
  if (inserted.length > 0) return { kind: "new" };
  const [existing] = await sql.rows<{
    request_sealed: Buffer | null;
    request_key_version: number | null;
    response_sealed: Buffer | null;
    response_key_version: number | null;
  }>(CLAIMED, [tenantId, scope, key]);
  if (!existing) throw new AlreadyExistsError("idempotency_key was already used with a different request");
  const open = async (sealed: Buffer | null, version: number | null, binding: FieldBinding) => {
    if (!sealed || version === null) return undefined;
    const versionKey = await keys.version(tenantId, version);
    try {
      return versionKey?.open(sealed, binding);
    } catch (error) {
      if (error instanceof FieldDecryptionError) return undefined;
      throw error;
    }
  };
  const unreadable = () =>
    new FailedPreconditionError("the first reply to this idempotency_key was erased; use a new key");
  const firstRequest = await open(
    existing.request_sealed,
    existing.request_key_version,
    storedRequestBinding(scope, key),
  );
  if (firstRequest === undefined) throw unreadable();
  if (firstRequest !== requestHash) {
    throw new AlreadyExistsError("idempotency_key was already used with a different request");
  }
  const response = await open(existing.response_sealed, existing.response_key_version, storedReplyBinding(scope, key));
  if (response === undefined) throw unreadable();
  return { kind: "replay", response: JSON.parse(response) };
}

/** Stores the first reply, sealed; resourceId names what it is about (ForgetCustomer finds it by that). */
export async function saveIdempotentResponse(
  sql: SqlReader,
  keys: TenantKeyRing,
  tenantId: string,
  scope: string,
  key: string,
  response: unknown,
  resourceId: string | null,
): Promise<void> {
  const dataKey = await keys.current(tenantId);
  await sql.rows(SAVE, [
    dataKey.seal(JSON.stringify(response), storedReplyBinding(scope, key)),
    dataKey.version,
    resourceId,
    tenantId,
    scope,
    key,
  ]);
}
