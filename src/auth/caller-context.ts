import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { Caller } from "../domain/caller.js";

/** Set by the auth interceptor for every authenticated call. */
export const callerKey = createContextKey<Caller | undefined>(undefined, { description: "authenticated caller" });

/** The authenticated caller of a handler; the auth interceptor guarantees one exists. */
export function callerOf(context: HandlerContext): Caller {
  const caller = context.values.get(callerKey);
  if (!caller) throw new Error("handler reached without an authenticated caller");
  return caller;
}
