import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { InvalidArgumentError } from "../domain/errors.js";

/** Provider names as stored in the database, by proto enum value. */
const NAMES: Partial<Record<Provider, string>> = {
  [Provider.GOOGLE]: "google",
  [Provider.MICROSOFT]: "microsoft",
  [Provider.APPLE]: "apple",
  [Provider.JOBBER]: "jobber",
  [Provider.HOUSECALL_PRO]: "housecall_pro",
};

const PROVIDERS_BY_NAME = new Map(
  Object.entries(NAMES).map(([provider, name]) => [name, Number(provider) as Provider]),
);

export function providerFromName(name: string | null | undefined): Provider {
  return (name !== null && name !== undefined && PROVIDERS_BY_NAME.get(name)) || Provider.UNSPECIFIED;
}

/** The stored name of a proto provider; PROVIDER_UNSPECIFIED or an unknown value is invalid_argument. */
export function providerName(field: string, provider: Provider): string {
  const name = NAMES[provider];
  if (!name) throw new InvalidArgumentError(field, `unknown provider ${provider}`);
  return name;
}
