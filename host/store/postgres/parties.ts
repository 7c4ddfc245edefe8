// PartyStore on PostgreSQL (postgres.js pool).
import type { PostgresSql } from '../postgres.js';
import {
  rethrowDuplicate, type ApiKeySummary, type GatewaySummary, type ListScope, type NewApiKey, type OwnedMeter,
  type Party, type PartyRole, type PartyStore,
} from '../party-store.js';
import { gatewayOf, meterOf, partyOf } from '../sqlite/parties.js';

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

  async listParties(limit: number): Promise<Party[]> {
    const rows = await this.sql`SELECT id, name, role, created_at_ms FROM parties ORDER BY id LIMIT ${limit}`;
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
      WHERE k.key_sha256 = ${Buffer.from(keySha256)}`;
    return row === undefined ? null : partyOf(row);
  }

  async listApiKeys(partyId: string): Promise<ApiKeySummary[]> {
    const rows = await this.sql`SELECT id, party_id, created_at_ms FROM api_keys WHERE party_id = ${partyId} ORDER BY id`;
    return rows.map((row) => ({ keyId: String(row.id), partyId: String(row.party_id), createdAtMs: Number(row.created_at_ms) }));
  }

  async listGateways(scope: ListScope, limit: number): Promise<GatewaySummary[]> {
    const rows = scope.kind === 'all'
      ? await this.sql`SELECT id, owner_party_id, created_at_ms FROM gateways ORDER BY id LIMIT ${limit}`
      : await this.sql`SELECT id, owner_party_id, created_at_ms FROM gateways WHERE owner_party_id = ${scope.partyId} ORDER BY id LIMIT ${limit}`;
    return rows.map(gatewayOf);
  }

  async createOwnedMeter(meter: OwnedMeter): Promise<void> {
    await rethrowDuplicate(`meter ${meter.meterId}`, () => this.sql.begin(async (transaction) => {
      await transaction`INSERT INTO meters (id, gateway_id, account_id) VALUES (${meter.meterId}, ${meter.gatewayId}, ${meter.accountId})`;
      if (meter.partyId !== null) await transaction`INSERT INTO meter_owners (meter_id, party_id) VALUES (${meter.meterId}, ${meter.partyId})`;
    }));
  }

  async meter(meterId: string): Promise<OwnedMeter | null> {
    const [row] = await this.sql`
      SELECT m.id AS meter_id, m.gateway_id, m.account_id, o.party_id
      FROM meters m LEFT JOIN meter_owners o ON o.meter_id = m.id WHERE m.id = ${meterId}`;
    return row === undefined ? null : meterOf(row);
  }

  async listMeters(scope: ListScope, limit: number): Promise<OwnedMeter[]> {
    const rows = scope.kind === 'all'
      ? await this.sql`
          SELECT m.id AS meter_id, m.gateway_id, m.account_id, o.party_id
          FROM meters m LEFT JOIN meter_owners o ON o.meter_id = m.id ORDER BY m.id LIMIT ${limit}`
      : await this.sql`
          SELECT m.id AS meter_id, m.gateway_id, m.account_id, o.party_id
          FROM meters m LEFT JOIN meter_owners o ON o.meter_id = m.id
          WHERE o.party_id = ${scope.partyId} OR m.gateway_id IN (SELECT id FROM gateways WHERE owner_party_id = ${scope.partyId})
          ORDER BY m.id LIMIT ${limit}`;
    return rows.map(meterOf);
  }
}
