import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { callerKey } from "./caller-context.js";
import { serviceKeyId, serviceKeyMatcher, verifyTenantJwt } from "./credentials.js";
import { authRequirementOf } from "./policy.js";

export interface AuthSettings {
  internalServiceKey: string;
  jwtSecret: string;
}

/**
 * Authenticates every call before its handler runs, so an unauthenticated
 * call changes nothing and learns nothing about the data it names.
 */
export function createAuthInterceptor(settings: AuthSettings): Interceptor {
  const secret = new TextEncoder().encode(settings.jwtSecret);
  const serviceKeyMatches = serviceKeyMatcher(settings.internalServiceKey);
  const serviceCaller = { kind: "service", keyId: serviceKeyId(settings.internalServiceKey) } as const;
  return (next) => async (req) => {
    const requirement = authRequirementOf(req.method);
    if (requirement === "open") return next(req);

    const serviceKey = req.header.get("x-service-key");
    if (serviceKey !== null) {
      if (!serviceKeyMatches(serviceKey)) {
        throw new ConnectError("invalid service key", Code.Unauthenticated);
      }
      req.contextValues.set(callerKey, serviceCaller);
      return next(req);
    }

    const authorization = req.header.get("authorization");
    if (authorization === null) {
      throw new ConnectError(
        requirement === "key"
          ? "missing X-Service-Key header"
          : "missing credentials: send Authorization: Bearer <JWT> or X-Service-Key",
        Code.Unauthenticated,
      );
    }
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) throw new ConnectError("Authorization must be 'Bearer <JWT>'", Code.Unauthenticated);
    const check = await verifyTenantJwt(match[1], secret);
    if (!check.ok) throw new ConnectError(check.reason, Code.Unauthenticated);
    if (requirement === "key") {
      throw new ConnectError("this method is for internal services: send X-Service-Key", Code.PermissionDenied);
    }
    req.contextValues.set(callerKey, check.caller);
    return next(req);
  };
}
