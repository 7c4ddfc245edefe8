// PartyStore on SQLite. Writes go through the reading store's queue on the
// same connection (a write must not land inside an open ingest transaction);
// reads are single synchronous statements and need no queue.
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../sqlite.js';
import { afterIdOf, type PageRequest } from '../page.js';
import { GATEWAY_COLUMNS, gatewayOf } from '../gateway-rows.js';
import {
  rethrowDuplicate, revocationOf, type ApiKeySummary, type GatewaySummary, type KeyRevocation, type ListScope, type NewApiKey,
  type OwnedMeter, type Party, type PartyRole, type PartyStore,
} from '../party-store.js';

type SqlRow = Record<string, unknown>;
export type Serialise = <T>(work: () => Promise<T>) => Promise<T>;

export const METER_COLUMNS = 'm.id AS meter_id, m.gateway_id, m.account_id, m.max_power_w, m.interval_ms, o.party_id';
const KEY_COLUMNS = 'id, party_id, created_at_ms, revoked_at_ms';

function prepareStatements(database: SqliteDatabase) {
  const prepare = (text: string): Statement<unknown[], SqlRow> => database.prepare(text);
  return {
    insertParty: prepare('INSERT INTO parties (id, name, role, created_at_ms) VALUES (?, ?, ?, ?)'),
    selectParty: prepare('SELECT id, name, role, created_at_ms FROM parties WHERE id = ?'),
    listParties: prepare('SELECT id, name, role, created_at_ms FROM parties WHERE id > ? ORDER BY id LIMIT ?'),
    listOwnParty: prepare('SELECT id, name, role, created_at_ms FROM parties WHERE id = ? AND id > ? LIMIT ?'),
    countParties: prepare('SELECT count(*) AS n FROM parties WHERE role = ?'),
    insertKey: prepare('INSERT INTO api_keys (id, party_id, key_sha256, created_at_ms) VALUES (?, ?, ?, ?)'),
    partyByKey: prepare(
      `SELECT p.id, p.name, p.role, p.created_at_ms FROM api_keys k JOIN parties p ON p.id = k.party_id
       WHERE k.key_sha256 = ? AND k.revoked_at_ms IS NULL`,
    ),
    listKeys: prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE party_id = ? AND id > ? ORDER BY id LIMIT ?`),
    selectKey: prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE party_id = ? AND id = ?`),
    countOtherValidKeys: prepare('SELECT count(*) AS n FROM api_keys WHERE party_id = ? AND id <> ? AND revoked_at_ms IS NULL'),
    revokeKey: prepare('UPDATE api_keys SET revoked_at_ms = ? WHERE id = ?'),
    listAllGateways: prepare(`SELECT ${GATEWAY_COLUMNS} FROM gateways WHERE id > ? ORDER BY id LIMIT ?`),
    listOwnGateways: prepare(`SELECT ${GATEWAY_COLUMNS} FROM gateways WHERE owner_party_id = ? AND id > ? ORDER BY id LIMIT ?`),
    insertMeter: prepare('INSERT INTO meters (id, gateway_id, account_id, max_power_w, interval_ms) VALUES (?, ?, ?, ?, ?)'),
    insertOwner: prepare('INSERT INTO meter_owners (meter_id, party_id) VALUES (?, ?)'),
    selectMeter: prepare(`SELECT ${METER_COLUMNS} FROM meters m LEFT JOIN meter_owners o ON o.meter_id = m.id WHERE m.id = ?`),
    listAllMeters: prepare(`SELECT ${METER_COLUMNS} FROM meters m LEFT JOIN meter_owners o ON o.meter_id = m.id WHERE m.id > ? ORDER BY m.id LIMIT ?`),
    listOwnMeters: prepare(
      `SELECT ${METER_COLUMNS} FROM meters m LEFT JOIN meter_owners o ON o.meter_id = m.id
       WHERE (o.party_id = ? OR m.gateway_id IN (SELECT id FROM gateways WHERE owner_party_id = ?)) AND m.id > ? ORDER BY m.id LIMIT ?`,
    ),
  };
}

export function partyOf(row: SqlRow): Party {
  return { partyId: String(row.id), name: String(row.name), role: row.role as PartyRole, createdAtMs: Number(row.created_at_ms) };
}

export function keyOf(row: SqlRow): ApiKeySummary {
  const revokedAtMs = row.revoked_at_ms as number | bigint | null;
  return {
    keyId: String(row.id), partyId: String(row.party_id), createdAtMs: Number(row.created_at_ms),
    revokedAtMs: revokedAtMs === null ? null : Number(revokedAtMs),
  };
}

export function meterOf(row: SqlRow): OwnedMeter {
  return {
    meterId: String(row.meter_id),
    gatewayId: String(row.gateway_id),
    partyId: (row.party_id as string | null) ?? null,
    accountId: (row.account_id as string | null) ?? null,
    maxPowerW: Number(row.max_power_w),
    intervalMs: Number(row.interval_ms),
  };
}

export class SqlitePartyStore implements PartyStore {
  private readonly statements: ReturnType<typeof prepareStatements>;

  constructor(private readonly database: SqliteDatabase, private readonly serialise: Serialise) {
    this.statements = prepareStatements(database);
  }

  createParty(party: Party): Promise<void> {
    return rethrowDuplicate(`party ${party.partyId}`, () => this.serialise(async () => {
      this.statements.insertParty.run(party.partyId, party.name, party.role, party.createdAtMs);
    }));
  }

  async party(partyId: string): Promise<Party | null> {
    const row = this.statements.selectParty.get(partyId);
    return row === undefined ? null : partyOf(row);
  }

  async listParties(scope: ListScope, page: PageRequest): Promise<Party[]> {
    const rows = scope.kind === 'all'
      ? this.statements.listParties.all(afterIdOf(page), page.limit)
      : this.statements.listOwnParty.all(scope.partyId, afterIdOf(page), page.limit);
    return rows.map(partyOf);
  }

  async countParties(role: PartyRole): Promise<number> {
    return Number(this.statements.countParties.get(role)!.n);
  }

  createApiKey(key: NewApiKey): Promise<void> {
    return rethrowDuplicate(`key ${key.keyId}`, () => this.serialise(async () => {
      this.statements.insertKey.run(key.keyId, key.partyId, key.keySha256, key.createdAtMs);
    }));
  }

  async partyByKeySha256(keySha256: Uint8Array): Promise<Party | null> {
    const row = this.statements.partyByKey.get(keySha256);
    return row === undefined ? null : partyOf(row);
  }

  async listApiKeys(partyId: string, page: PageRequest): Promise<ApiKeySummary[]> {
    return this.statements.listKeys.all(partyId, afterIdOf(page), page.limit).map(keyOf);
  }

  revokeApiKey(partyId: string, keyId: string, nowMs: number): Promise<KeyRevocation> {
    return this.serialise(async () => this.database.transaction((): KeyRevocation => {
      const row = this.statements.selectKey.get(partyId, keyId);
      const role = (this.statements.selectParty.get(partyId)?.role ?? null) as PartyRole | null;
      const otherValidKeys = Number(this.statements.countOtherValidKeys.get(partyId, keyId)!.n);
      const decision = revocationOf(row === undefined ? null : keyOf(row), role, otherValidKeys);
      if (decision !== 'revoke') return decision;
      this.statements.revokeKey.run(nowMs, keyId);
      return { outcome: 'revoked', key: keyOf(this.statements.selectKey.get(partyId, keyId)!) };
    }).immediate());
  }

  async listGateways(scope: ListScope, page: PageRequest): Promise<GatewaySummary[]> {
    const rows = scope.kind === 'all'
      ? this.statements.listAllGateways.all(afterIdOf(page), page.limit)
      : this.statements.listOwnGateways.all(scope.partyId, afterIdOf(page), page.limit);
    return rows.map(gatewayOf);
  }

  createOwnedMeter(meter: OwnedMeter): Promise<void> {
    return rethrowDuplicate(`meter ${meter.meterId}`, () => this.serialise(async () => {
      this.database.transaction(() => {
        this.statements.insertMeter.run(meter.meterId, meter.gatewayId, meter.accountId, meter.maxPowerW, meter.intervalMs);
        if (meter.partyId !== null) this.statements.insertOwner.run(meter.meterId, meter.partyId);
      }).immediate();
    }));
  }

  async meter(meterId: string): Promise<OwnedMeter | null> {
    const row = this.statements.selectMeter.get(meterId);
    return row === undefined ? null : meterOf(row);
  }

  async listMeters(scope: ListScope, page: PageRequest): Promise<OwnedMeter[]> {
    const rows = scope.kind === 'all'
      ? this.statements.listAllMeters.all(afterIdOf(page), page.limit)
      : this.statements.listOwnMeters.all(scope.partyId, scope.partyId, afterIdOf(page), page.limit);
    return rows.map(meterOf);
  }
}
