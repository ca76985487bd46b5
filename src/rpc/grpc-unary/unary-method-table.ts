import type { DescService } from "@bufbuild/protobuf";
import { type ConnectRouter, createServiceImplSpec } from "@connectrpc/connect";
import type { MethodImplSpec } from "@connectrpc/connect";

/** A unary method's implementation as connect-es holds it (bound, unimplemented methods filled in). */
export type UnaryMethod = Extract<MethodImplSpec, { kind: "unary" }>;

/** Every method registered on the router, by request path ("/package.Service/Method"). */
export interface UnaryMethodTable {
  /** Unary methods: the lean gRPC path serves these. */
  unary: ReadonlyMap<string, UnaryMethod>;
  /** Streaming methods (and single-method registrations): connect serves these. */
  leftToConnect: ReadonlySet<string>;
}

/**
 * Wraps a router so that every service registered on it is also recorded in a
 * method table: the lean gRPC path then calls the very implementations
 * connect serves, registered once (src/rpc/routes.ts).
 */
export function recordingRouter(router: ConnectRouter): { router: ConnectRouter; table: UnaryMethodTable } {
  const unary = new Map<string, UnaryMethod>();
  const leftToConnect = new Set<string>();
  const recording: ConnectRouter = {
    handlers: router.handlers,
    service(service: DescService, implementation, options) {
      const spec = createServiceImplSpec(service, implementation);
      for (const method of Object.values(spec.methods)) {
        const path = `/${service.typeName}/${method.method.name}`;
        if (method.kind === "unary") unary.set(path, method);
        else leftToConnect.add(path);
      }
      router.service(service, implementation, options);
      return recording;
    },
    rpc(method, implementation, options) {
      leftToConnect.add(`/${method.parent.typeName}/${method.name}`);
      router.rpc(method, implementation, options);
      return recording;
    },
  };
  return { router: recording, table: { unary, leftToConnect } };
}
