import { LockMode } from "@mikro-orm/core";
import type { TokenCipher } from "../../crypto/token-cipher.js";
import type { MikroORM } from "../../db/orm.js";
import type { Clock } from "../../domain/clock.js";
import { FailedPreconditionError } from "../../domain/errors.js";
import { CalendarIntegrationSchema, type CalendarIntegration } from "../../entities/calendar-integration.js";
import type { Logger } from "../../logger.js";
import { ProviderError } from "../../providers/kit/provider-error.js";
import type { ConnectorKind, ProviderCredentials } from "../../providers/kit/connector.js";
import type { Provider } from "../../providers/kit/provider-definition.js";
import type { ProviderRegistry } from "../../providers/registry.js";
import { openIntegrationSecret, sealIntegrationSecret, type IntegrationSecret } from "./integration-secrets.js";

export const REAUTHORIZATION_REQUIRED = "reauthorization required";

/** The user withdrew access (invalid_grant): nothing works until they connect again. */
export class ReauthorizationRequiredError extends FailedPreconditionError {
  constructor(readonly integrationId: string) {
    super(`calendar integration ${integrationId}: ${REAUTHORIZATION_REQUIRED}`);
  }
}

/** What the access-token column holds for logins without OAuth. */
const SECRET_OF = { basic: "app_password", api_key: "api_key" } as const;

/** Refresh this long before the provider's expiry, so a token never expires mid-sync. */
const REFRESH_MARGIN_MS = 5 * 60_000;

export interface IntegrationCredentialDependencies {
  orm: MikroORM;
  cipher: TokenCipher;
  providers: ProviderRegistry;
  clock: Clock;
  logger: Logger;
}

/**
 * Hands decrypted credentials to one provider call at a time. OAuth tokens
 * are refreshed before they expire and once after a 401; a refresh holds the
 * integration's row lock (SELECT ... FOR UPDATE), so across every server
 * instance one refresh runs per integration and the others reuse its result.
 * A rotated refresh token replaces the old one; invalid_grant marks the
 * integration "reauthorization required" and stops there.
 */
export class IntegrationCredentials {
  constructor(private readonly deps: IntegrationCredentialDependencies) {}

  async use<T>(
    integrationId: string,
    call: (credentials: ProviderCredentials, provider: Provider) => Promise<T>,
  ): Promise<T> {
    const integration = await this.deps.orm.em.fork().findOneOrFail(CalendarIntegrationSchema, { id: integrationId });
    if (integration.status === "error" && integration.statusReason === REAUTHORIZATION_REQUIRED) {
      throw new ReauthorizationRequiredError(integrationId);
    }
    const provider = this.deps.providers.get(integration.provider);
    const auth = (integration.loginKind as ConnectorKind | null) ?? provider.connector.auth;
    const sealed = [integration.accessTokenEncrypted, integration.refreshTokenEncrypted];
    if (sealed.some((value) => value && this.deps.cipher.needsReencryption(value))) {
      Object.assign(integration, await this.resealRetiredSecrets(integrationId, auth));
    }
    if (auth === "basic" || auth === "api_key") {
      if (!integration.accessTokenEncrypted) throw new ReauthorizationRequiredError(integrationId);
      const secret = openIntegrationSecret(
        this.deps.cipher,
        integration,
        SECRET_OF[auth],
        integration.accessTokenEncrypted,
      );
      const credentials: ProviderCredentials =
        auth === "basic"
          ? { kind: "basic", username: integration.accountEmail, password: secret }
          : { kind: "api_key", apiKey: secret };
      try {
        return await call(credentials, provider);
      } catch (error) {
        if (error instanceof ProviderError && error.kind === "unauthorized")
          await this.markReauthorizationRequired(integrationId);
        throw error;
      }
    }

    let sealedAccess = integration.accessTokenEncrypted;
    const expiresAt = integration.tokenExpiresAt?.getTime() ?? 0;
    if (!sealedAccess || expiresAt - this.deps.clock.now().getTime() < REFRESH_MARGIN_MS) {
      sealedAccess = await this.refresh(integrationId, { rejected: sealedAccess ?? undefined });
    }
    try {
      return await call({ kind: "oauth", accessToken: this.open(integration, sealedAccess) }, provider);
    } catch (error) {
      if (!(error instanceof ProviderError && error.kind === "unauthorized")) throw error;
      const refreshed = await this.refresh(integrationId, { rejected: sealedAccess, force: true });
      return call({ kind: "oauth", accessToken: this.open(integration, refreshed) }, provider);
    }
  }

  /** Refreshes an OAuth access token that expires within marginMs, ahead of any call needing it. */
  async refreshAhead(integrationId: string, marginMs: number): Promise<void> {
    await this.refresh(integrationId, { rejected: undefined, marginMs });
  }

  /**
   * Returns the sealed access token to use. Under the row lock it first
   * re-reads the row: when another caller already replaced the token we were
   * about to refresh, that one is used and no provider call is made.
   */
  private async refresh(
    integrationId: string,
    options: { rejected: string | undefined; force?: boolean; marginMs?: number },
  ): Promise<string> {
    const outcome = await this.deps.orm.em.fork().transactional(async (tx) => {
      const row = await tx.findOneOrFail(
        CalendarIntegrationSchema,
        { id: integrationId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (row.status === "error" && row.statusReason === REAUTHORIZATION_REQUIRED)
        return { reauthorize: true as const };
      const now = this.deps.clock.now().getTime();
      const current = row.accessTokenEncrypted;
      const fresh = (row.tokenExpiresAt?.getTime() ?? 0) - now >= (options.marginMs ?? REFRESH_MARGIN_MS);
      if (current && current !== options.rejected && (fresh || options.force)) return { sealed: current };
      if (!row.refreshTokenEncrypted) return this.reauthorizationRequired(row);
      const provider = this.deps.providers.oauth(row.provider);
      if (!provider) throw new Error(`${row.provider} has no OAuth refresh`);
      try {
        const tokens = await provider.refresh(this.openRefresh(row));
        row.accessTokenEncrypted = sealIntegrationSecret(this.deps.cipher, row, "access_token", tokens.accessToken);
        if (tokens.refreshToken)
          row.refreshTokenEncrypted = sealIntegrationSecret(
            this.deps.cipher,
            row,
            "refresh_token",
            tokens.refreshToken,
          );
        row.tokenExpiresAt = tokens.expiresAt;
        if (tokens.scope) row.scopes = tokens.scope;
        row.updatedAt = new Date(now);
        this.deps.logger.info({ integrationId, rotated: tokens.refreshToken !== undefined }, "access token refreshed");
        return { sealed: row.accessTokenEncrypted };
      } catch (error) {
        if (error instanceof ProviderError && error.kind === "invalid_grant") return this.reauthorizationRequired(row);
        throw error;
      }
    });
    if ("reauthorize" in outcome) throw new ReauthorizationRequiredError(integrationId);
    return outcome.sealed;
  }

  /**
   * Re-encrypts secrets still sealed under a retired master key with the
   * current one, the first time the integration is used after a rotation, so
   * the retired key can be dropped once every row has been used.
   */
  private async resealRetiredSecrets(
    integrationId: string,
    auth: ConnectorKind,
  ): Promise<Partial<CalendarIntegration>> {
    return this.deps.orm.em.fork().transactional(async (tx) => {
      const row = await tx.findOneOrFail(
        CalendarIntegrationSchema,
        { id: integrationId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      const reseal = (value: string | null | undefined, purpose: IntegrationSecret) =>
        value && this.deps.cipher.needsReencryption(value)
          ? sealIntegrationSecret(
              this.deps.cipher,
              row,
              purpose,
              openIntegrationSecret(this.deps.cipher, row, purpose, value),
            )
          : value;
      row.accessTokenEncrypted =
        reseal(row.accessTokenEncrypted, auth === "oauth" ? "access_token" : SECRET_OF[auth]) ?? null;
      row.refreshTokenEncrypted = reseal(row.refreshTokenEncrypted, "refresh_token") ?? null;
      this.deps.logger.info({ integrationId }, "secrets re-encrypted under the current master key");
      return { accessTokenEncrypted: row.accessTokenEncrypted, refreshTokenEncrypted: row.refreshTokenEncrypted };
    });
  }

  private reauthorizationRequired(row: CalendarIntegration): { reauthorize: true } {
    row.status = "error";
    row.statusReason = REAUTHORIZATION_REQUIRED;
    row.updatedAt = this.deps.clock.now();
    this.deps.logger.warn({ integrationId: row.id, provider: row.provider }, "integration needs reauthorization");
    return { reauthorize: true };
  }

  private async markReauthorizationRequired(integrationId: string): Promise<void> {
    await this.deps.orm.em.fork().transactional(async (tx) => {
      const row = await tx.findOneOrFail(
        CalendarIntegrationSchema,
        { id: integrationId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      this.reauthorizationRequired(row);
    });
  }

  private open(integration: CalendarIntegration, sealedAccess: string): string {
    return openIntegrationSecret(this.deps.cipher, integration, "access_token", sealedAccess);
  }

  private openRefresh(row: CalendarIntegration): string {
    return openIntegrationSecret(this.deps.cipher, row, "refresh_token", row.refreshTokenEncrypted ?? "");
  }
}
