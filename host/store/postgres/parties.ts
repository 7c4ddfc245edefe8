// PartyStore on PostgreSQL (postgres.js pool). Lists compare and order ids
// with COLLATE "C" (bytewise, as SQLite), whatever the database's collation.
import type { PostgresSql } from '../postgres.js';
import { afterIdOf, type PageRequest } from '../page.js';
import {
  rethrowDuplicate, revocationOf, type ApiKeySummary, type GatewaySummary, type KeyRevocation, type ListScope, type NewApiKey,
  type OwnedMeter, type Party, type PartyRole, type PartyStore,
} from '../party-store.js';
import { keyOf, METER_COLUMNS, meterOf, partyOf } from '../sqlite/parties.js';
import { GATEWAY_COLUMNS, gatewayOf } from '../gateway-rows.js';

export class PostgresPartyStore implements PartyStore {
  constructor(private readonly sql: PostgresSql) {}

  async createParty(party: Party): Promise<void> {
    await rethrowDuplicate(`party ${party.partyId}`, () => this.sql`
      INSERT INTO parties (id, name, role, created_at_ms) VALUES (${party.partyId}, ${party.name}, ${party.role}, ${party.createdAtMs})`);
  }

  async party(partyId: string): Promise<Party | null> {
    const [row] = await this.sql`SELECT id, name, role, created_at_ms FROM parties WHERE id = ${partyId}`;
    return row === undefined ? null : partyOf(row);
  }

  async listParties(scope: ListScope, page: PageRequest): Promise<Party[]> {
    const rows = await this.sql`SELECT id, name, role, created_at_ms FROM parties
      WHERE ${scope.kind === 'all' ? this.sql`TRUE` : this.sql`id = ${scope.partyId}`} AND id > ${afterIdOf(page)} COLLATE "C"
      ORDER BY id COLLATE "C" LIMIT ${page.limit}`;
    return rows.map(partyOf);
  }

  async countParties(role: PartyRole): Promise<number> {
    const [row] = await this.sql`SELECT count(*) AS n FROM parties WHERE role = ${role}`;
    return Number(row!.n);
  }

  async createApiKey(key: NewApiKey): Promise<void> {
    await rethrowDuplicate(`key ${key.keyId}`, () => this.sql`
      INSERT INTO api_keys (id, party_id, key_sha256, created_at_ms)
      VALUES (${key.keyId}, ${key.partyId}, ${Buffer.from(key.keySha256)}, ${key.createdAtMs})`);
  }

  async partyByKeySha256(keySha256: Uint8Array): Promise<Party | null> {
    const [row] = await this.sql`
      SELECT p.id, p.name, p.role, p.created_at_ms FROM api_keys k JOIN parties p ON p.id = k.party_id
      WHERE k.key_sha256 = ${Buffer.from(keySha256)} AND k.revoked_at_ms IS NULL`;
    return row === undefined ? null : partyOf(row);
  }

  async listApiKeys(partyId: string, page: PageRequest): Promise<ApiKeySummary[]> {
    const rows = await this.sql`SELECT id, party_id, created_at_ms, revoked_at_ms FROM api_keys
      WHERE party_id = ${partyId} AND id > ${afterIdOf(page)} COLLATE "C" ORDER BY id COLLATE "C" LIMIT ${page.limit}`;
    return rows.map(keyOf);
  }

  /** The party row's lock serialises revocations of one party's keys across hosts, so two cannot both remove its last valid key. */
  async revokeApiKey(partyId: string, keyId: string, nowMs: number): Promise<KeyRevocation> {
    return this.sql.begin(async (transaction) => {
      const [party] = await transaction`SELECT role FROM parties WHERE id = ${partyId} FOR UPDATE`;
      const [row] = await transaction`SELECT id, party_id, created_at_ms, revoked_at_ms FROM api_keys WHERE party_id = ${partyId} AND id = ${keyId}`;
      const [others] = await transaction`SELECT count(*) AS n FROM api_keys WHERE party_id = ${partyId} AND id <> ${keyId} AND revoked_at_ms IS NULL`;
      const decision = revocationOf(row === undefined ? null : keyOf(row), (party?.role ?? null) as PartyRole | null, Number(others!.n));
      if (decision !== 'revoke') return decision;
      const [revoked] = await transaction`UPDATE api_keys SET revoked_at_ms = ${nowMs} WHERE id = ${keyId}
        RETURNING id, party_id, created_at_ms, revoked_at_ms`;
      return { outcome: 'revoked', key: keyOf(revoked!) };
    });
  }

  async listGateways(scope: ListScope, page: PageRequest): Promise<GatewaySummary[]> {
    const rows = await this.sql`SELECT ${this.sql.unsafe(GATEWAY_COLUMNS)} FROM gateways
      WHERE ${scope.kind === 'all' ? this.sql`TRUE` : this.sql`owner_party_id = ${scope.partyId}`} AND id > ${afterIdOf(page)} COLLATE "C"
      ORDER BY id COLLATE "C" LIMIT ${page.limit}`;
    return rows.map(gatewayOf);
  }

  async createOwnedMeter(meter: OwnedMeter): Promise<void> {
    await rethrowDuplicate(`meter ${meter.meterId}`, () => this.sql.begin(async (transaction) => {
      await transaction`INSERT INTO meters (id, gateway_id, account_id, max_power_w, interval_ms)
        VALUES (${meter.meterId}, ${meter.gatewayId}, ${meter.accountId}, ${meter.maxPowerW}, ${meter.intervalMs})`;
      if (meter.partyId !== null) await transaction`INSERT INTO meter_owners (meter_id, party_id) VALUES (${meter.meterId}, ${meter.partyId})`;
    }));
  }

  async meter(meterId: string): Promise<OwnedMeter | null> {
    const [row] = await this.sql`
      SELECT ${this.sql.unsafe(METER_COLUMNS)}
      FROM meters m LEFT JOIN meter_owners o ON o.meter_id = m.id WHERE m.id = ${meterId}`;
    return row === undefined ? null : meterOf(row);
  }

  async listMeters(scope: ListScope, page: PageRequest): Promise<OwnedMeter[]> {
    const visible = scope.kind === 'all'
      ? this.sql`TRUE`
      : this.sql`(o.party_id = ${scope.partyId} OR m.gateway_id IN (SELECT id FROM gateways WHERE owner_party_id = ${scope.partyId}))`;
    const rows = await this.sql`
      SELECT ${this.sql.unsafe(METER_COLUMNS)}
      FROM meters m LEFT JOIN meter_owners o ON o.meter_id = m.id
      WHERE ${visible} AND m.id > ${afterIdOf(page)} COLLATE "C" ORDER BY m.id COLLATE "C" LIMIT ${page.limit}`;
    return rows.map(meterOf);
  }
}
