import { SignJWT } from "jose";
import { readConfigOrExit } from "../config-or-exit.js";

/** Mints a development JWT: npm run token -- <tenantId> [lifetime, e.g. 1h, 30m]. */
const [tenantId, lifetime = "1h"] = process.argv.slice(2);
if (!tenantId) {
  process.stderr.write("usage: npm run token -- <tenantId> [lifetime, default 1h]\n");
  process.exit(2);
}
const config = readConfigOrExit();
const token = await new SignJWT({ tenantId })
  .setProtectedHeader({ alg: "HS256" })
  .setSubject(`dev:${tenantId}`)
  .setIssuedAt()
  .setExpirationTime(lifetime)
  .sign(new TextEncoder().encode(config.jwtSecret));
process.stdout.write(`${token}\n`);
