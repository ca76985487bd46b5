/**
 * Who is calling: an internal service (any tenant), named by a digest of its
 * key (never the key), or a tenant's user via JWT.
 */
export type Caller = { kind: "service"; keyId: string } | { kind: "tenant"; tenantId: string; subject: string };

/** How the audit log names the caller. */
export function actorOf(caller: Caller): string {
  return caller.kind === "service" ? `service:${caller.keyId}` : `jwt:${caller.subject}`;
}
