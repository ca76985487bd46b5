import { type Buffer } from "node:buffer";
import type { EntityManager } from "@mikro-orm/postgresql";
import { LRUCache } from "lru-cache";
import { TenantDataKey } from "../../crypto/customer-data-cipher.js";
import type { KeyProvider } from "../../crypto/key-provider.js";
import type { MikroORM } from "../../db/orm.js";

/** Reads go through the caller's unit of work when given: a transaction never waits for a second pool connection. */
type Reader = Pick<EntityManager, "execute">;

interface StoredKey {
  version: number;
  wrapped: Buffer;
  masterKeyId: string;
  /** The unwrapped key's cache entry: tenant, version and wrap (made once per read of the versions, not per use). */
  cacheKey: string;
}

export interface KeyRingOptions {
  /** How long a tenant's list of key versions is trusted before it is read again. */
  versionsTtlMs?: number;
  /** How long an unwrapped key stays in memory. */
  keyTtlMs?: number;
  maxTenants?: number;
}

/**
 * Tenants' data keys (envelope encryption): each version is 32 random bytes
 * stored only wrapped by the master key (KeyProvider), with the tenant and
 * version bound to the wrap. The hot paths read keys from two bounded
 * in-memory LRU caches with TTLs (versions per tenant; unwrapped keys by
 * their wrap, so a destroyed and recreated version is never confused with
 * the old one). Keys are created outside the caller's transaction (a booking
 * that rolls back must not roll back a key already cached), so use cases
 * make sure of the tenant's key (current) before they open a transaction.
 */
export class TenantKeyRing {
  private readonly versions: LRUCache<string, StoredKey[]>;
  private readonly keys: LRUCache<string, TenantDataKey>;

  constructor(
    private readonly orm: MikroORM,
    private readonly keyProvider: KeyProvider,
    options: KeyRingOptions = {},
  ) {
    const max = options.maxTenants ?? 10_000;
    this.versions = new LRUCache({ max, ttl: options.versionsTtlMs ?? 30_000 });
    this.keys = new LRUCache({ max: max * 2, ttl: options.keyTtlMs ?? 300_000 });
  }

  /** The version new data is sealed under; the tenant's first key is made on first use. */
  async current(tenantId: string, reader?: Reader): Promise<TenantDataKey> {
    let stored = await this.storedKeys(tenantId, { reader });
    if (stored.length === 0) {
      await this.insertVersion(tenantId, 1);
      stored = await this.storedKeys(tenantId, { refresh: true });
    }
    return this.unwrap(tenantId, stored[0]!);
  }

  /** One version, or undefined when it does not exist (destroyed, or retired after a rotation). */
  async version(tenantId: string, version: number, reader?: Reader): Promise<TenantDataKey | undefined> {
    let found = (await this.storedKeys(tenantId, { reader })).find((k) => k.version === version);
    if (!found) {
      found = (await this.storedKeys(tenantId, { refresh: true, reader })).find((k) => k.version === version);
    }
    return found ? this.unwrap(tenantId, found) : undefined;
  }

  /** Every live version, newest first: a blind-index lookup must match rows of each. */
  async all(tenantId: string, reader?: Reader): Promise<TenantDataKey[]> {
    return Promise.all((await this.storedKeys(tenantId, { reader })).map((k) => this.unwrap(tenantId, k)));
  }

  /** Adds version max+1 (or 1); returns it. */
  async rotate(tenantId: string): Promise<number> {
    for (;;) {
      const stored = await this.storedKeys(tenantId, { refresh: true });
      const next = (stored[0]?.version ?? 0) + 1;
      if (await this.insertVersion(tenantId, next)) {
        this.versions.delete(tenantId);
        return next;
      }
    }
  }

  /** Drops what this instance remembers of the tenant's keys (after a retirement or destruction). */
  forget(tenantId: string): void {
    this.versions.delete(tenantId);
  }

  private async insertVersion(tenantId: string, version: number): Promise<boolean> {
    const material = TenantDataKey.generateMaterial();
    const wrapped = await this.keyProvider.wrap(material, wrapContext(tenantId, version));
    const rows = await this.orm.em.fork().execute<{ version: number }[]>(
      `insert into tenant_data_keys (tenant_id, version, wrapped_key, master_key_id) values (?, ?, ?, ?)
       on conflict do nothing returning version`,
      [tenantId, version, wrapped, this.keyProvider.currentMasterKeyId],
    );
    return rows.length > 0;
  }

  private async storedKeys(
    tenantId: string,
    options: { refresh?: boolean; reader?: Reader | undefined } = {},
  ): Promise<StoredKey[]> {
    const cached = options.refresh ? undefined : this.versions.get(tenantId);
    if (cached) return cached;
    const rows = await (options.reader ?? this.orm.em.fork()).execute<
      { version: number; wrapped_key: Buffer; master_key_id: string }[]
    >(`select version, wrapped_key, master_key_id from tenant_data_keys where tenant_id = ? order by version desc`, [
      tenantId,
    ]);
    const stored = rows.map((r) => ({
      version: r.version,
      wrapped: r.wrapped_key,
      masterKeyId: r.master_key_id,
      cacheKey: `${tenantId}\u0000${r.version}\u0000${r.wrapped_key.toString("base64")}`,
    }));
    if (stored.length > 0) this.versions.set(tenantId, stored);
    return stored;
  }

  private async unwrap(tenantId: string, stored: StoredKey): Promise<TenantDataKey> {
    const cached = this.keys.get(stored.cacheKey);
    if (cached) return cached;
    const material = await this.keyProvider.unwrap(
      stored.wrapped,
      stored.masterKeyId,
      wrapContext(tenantId, stored.version),
    );
    const key = new TenantDataKey(tenantId, stored.version, material);
    this.keys.set(stored.cacheKey, key);
    return key;
  }
}

function wrapContext(tenantId: string, version: number): string {
  return JSON.stringify(["tenant-data-key", tenantId, version]);
}
