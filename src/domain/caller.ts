/** Who is calling: an internal service (any tenant) or a tenant's user via JWT. */
export type Caller = { kind: "service" } | { kind: "tenant"; tenantId: string; subject: string };

/** How the audit log names the caller. */
export function actorOf(caller: Caller): string {
  return caller.kind === "service" ? "service" : `jwt:${caller.subject}`;
}
