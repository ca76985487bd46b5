import type { GraphError } from "@microsoft/microsoft-graph-client";

type GraphSdk = typeof import("@microsoft/microsoft-graph-client");

let sdk: GraphSdk | undefined;
let loading: Promise<GraphSdk> | undefined;

/** The Graph client weighs megabytes once imported: loaded on first use, once, as a tenant may never connect Microsoft. */
export function loadGraphSdk(): Promise<GraphSdk> {
  loading ??= import("@microsoft/microsoft-graph-client").then((loaded) => (sdk = loaded));
  return loading;
}

/** Every Graph call goes through loadGraphSdk first, so before it resolves no GraphError can exist. */
export function isGraphError(error: unknown): error is GraphError {
  return sdk !== undefined && error instanceof sdk.GraphError;
}
