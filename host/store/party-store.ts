// SPEC §5 parties and API access, and the provisioning views the operator
// API needs (gateways and meters with their owners). SQLite and PostgreSQL
// implement it (host/store/sqlite/parties.ts, host/store/postgres/parties.ts).
// Lists are pages in bytewise id order (page.ts).
import type { PageRequest } from './page.js';

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
  /** When the key was revoked (it no longer authenticates); null while it is valid. */
  revokedAtMs: number | null;
}

/** What revoking a key did: `revoked` also when it was revoked before (its first revocation time stays). */
export type KeyRevocation =
  | { outcome: 'revoked'; key: ApiKeySummary }
  | { outcome: 'not_found' }
  | { outcome: 'last_operator_key' };

export interface GatewaySummary {
  gatewayId: string;
  ownerPartyId: string;
  createdAtMs: number;
  /** When the gateway was revoked (its batches answer 401 gateway_revoked since); null while active. */
  revokedAtMs: number | null;
  /** Until when the secret the last rotation replaced still verifies (exclusive); null when there is none. */
  previousSecretExpiresAtMs: number | null;
}

export interface OwnedMeter {
  meterId: string;
  gatewayId: string;
  /** The owning party; null for meters provisioned without one (bench, older rows). */
  partyId: string | null;
  accountId: string | null;
  /** The meter's power rating (SPEC §1 `maxPowerW`, W): the SPIKE bound its readings are aggregated with. */
  maxPowerW: number;
  /** The register's reading interval (SPEC §1 `intervalMs` rules), ms. */
  intervalMs: number;
}

/** Which rows a list returns: all, or those visible to one party. */
export type ListScope = { kind: 'all' } | { kind: 'party'; partyId: string };

export interface PartyStore {
  /** Throws `DuplicateKeyError` when the id is taken. */
  createParty(party: Party): Promise<void>;
  party(partyId: string): Promise<Party | null>;
  /** Parties of the scope: a party sees itself. */
  listParties(scope: ListScope, page: PageRequest): Promise<Party[]>;
  /** Throws `DuplicateKeyError` when the key id is taken. */
  createApiKey(key: NewApiKey): Promise<void>;
  /** The party holding the unrevoked key with this SHA-256, or null; read from the database on every call (no cache outlives a revocation). */
  partyByKeySha256(keySha256: Uint8Array): Promise<Party | null>;
  /** The party's keys, revoked ones included. */
  listApiKeys(partyId: string, page: PageRequest): Promise<ApiKeySummary[]>;
  /**
   * Revokes the party's key at `nowMs`, atomically with the check that an
   * operator party keeps one valid key (else `last_operator_key`): nobody
   * could issue an operator key again.
   */
  revokeApiKey(partyId: string, keyId: string, nowMs: number): Promise<KeyRevocation>;
  /** Gateways of the scope: a party sees the gateways it owns. */
  listGateways(scope: ListScope, page: PageRequest): Promise<GatewaySummary[]>;
  /** Registers a meter on a gateway, owned by a party, in one transaction; throws `DuplicateKeyError` when taken. */
  createOwnedMeter(meter: OwnedMeter): Promise<void>;
  meter(meterId: string): Promise<OwnedMeter | null>;
  /** Meters of the scope: a party sees the meters it owns and those bound to gateways it owns. */
  listMeters(scope: ListScope, page: PageRequest): Promise<OwnedMeter[]>;
  countParties(role: PartyRole): Promise<number>;
}

/** The revocation decision both stores take inside their transaction, from the key, its party's role and the party's other valid keys. */
export function revocationOf(key: ApiKeySummary | null, role: PartyRole | null, otherValidKeys: number): KeyRevocation | 'revoke' {
  if (key === null) return { outcome: 'not_found' };
  if (key.revokedAtMs !== null) return { outcome: 'revoked', key };
  if (role === 'operator' && otherValidKeys === 0) return { outcome: 'last_operator_key' };
  return 'revoke';
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
