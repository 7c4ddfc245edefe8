// SPEC §5 parties and API access, and the provisioning views the operator
// API needs (gateways and meters with their owners). SQLite and PostgreSQL
// implement it (host/store/sqlite/parties.ts, host/store/postgres/parties.ts).

export const PARTY_ROLES = ['operator', 'supplier', 'transmission', 'regulator', 'participant', 'gateway', 'authority'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];

export interface Party {
  partyId: string;
  name: string;
  role: PartyRole;
  createdAtMs: number;
}

export interface NewApiKey {
  keyId: string;
  partyId: string;
  /** SHA-256 of the whole key; the key itself is never stored. */
  keySha256: Uint8Array;
  createdAtMs: number;
}

export interface ApiKeySummary {
  keyId: string;
  partyId: string;
  createdAtMs: number;
}

export interface GatewaySummary {
  gatewayId: string;
  ownerPartyId: string;
  createdAtMs: number;
}

export interface OwnedMeter {
  meterId: string;
  gatewayId: string;
  /** The owning party; null for meters provisioned without one (bench, older rows). */
  partyId: string | null;
  accountId: string | null;
}

/** Which rows a list returns: all, or those visible to one party. */
export type ListScope = { kind: 'all' } | { kind: 'party'; partyId: string };

export interface PartyStore {
  /** Throws `DuplicateKeyError` when the id is taken. */
  createParty(party: Party): Promise<void>;
  party(partyId: string): Promise<Party | null>;
  listParties(limit: number): Promise<Party[]>;
  /** Throws `DuplicateKeyError` when the key id is taken. */
  createApiKey(key: NewApiKey): Promise<void>;
  /** The party holding the key with this SHA-256, or null. */
  partyByKeySha256(keySha256: Uint8Array): Promise<Party | null>;
  listApiKeys(partyId: string): Promise<ApiKeySummary[]>;
  /** Gateways of the scope: a party sees the gateways it owns. */
  listGateways(scope: ListScope, limit: number): Promise<GatewaySummary[]>;
  /** Registers a meter on a gateway, owned by a party, in one transaction; throws `DuplicateKeyError` when taken. */
  createOwnedMeter(meter: OwnedMeter): Promise<void>;
  meter(meterId: string): Promise<OwnedMeter | null>;
  /** Meters of the scope: a party sees the meters it owns and those bound to gateways it owns. */
  listMeters(scope: ListScope, limit: number): Promise<OwnedMeter[]>;
  countParties(role: PartyRole): Promise<number>;
}

/** A unique key was already taken (either backend). */
export class DuplicateKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DuplicateKeyError';
  }
}

/** SQLite SQLITE_CONSTRAINT_PRIMARYKEY/UNIQUE, PostgreSQL 23505. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

export async function rethrowDuplicate<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateKeyError(`${what} already exists`);
    throw error;
  }
}
