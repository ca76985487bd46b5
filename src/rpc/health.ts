import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import {
  type Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
} from "../../gen/grpc/health/v1/health_pb.js";
import type { DatabaseHealth } from "../db/database-health.js";

const WATCH_INTERVAL_MS = 1_000;

/**
 * grpc.health.v1.Health: SERVING while the database answers. "" names the
 * whole server; each of our services can be asked by its full name.
 */
export function healthService(database: DatabaseHealth, serviceNames: string[]): ServiceImpl<typeof Health> {
  const known = new Set(["", ...serviceNames]);
  const statusNow = async () => ((await database.isHealthy()) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  return {
    async check(req) {
      if (!known.has(req.service)) throw new ConnectError(`unknown service ${req.service}`, Code.NotFound);
      return create(HealthCheckResponseSchema, { status: await statusNow() });
    },
    async list() {
      const status = await statusNow();
      const statuses: Record<string, { status: ServingStatus }> = {};
      for (const name of known) statuses[name] = { status };
      return create(HealthListResponseSchema, { statuses });
    },
    async *watch(req, context) {
      if (!known.has(req.service)) {
        yield create(HealthCheckResponseSchema, { status: ServingStatus.SERVICE_UNKNOWN });
        return;
      }
      let last: ServingStatus | undefined;
      while (!context.signal.aborted) {
        const status = await statusNow();
        if (status !== last) {
          last = status;
          yield create(HealthCheckResponseSchema, { status });
        }
        await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS));
      }
    },
  };
}
