// Bearer API keys (docs/api.md "Authentication"). A key is shown once, when
// created; only its SHA-256 is stored. Callers are parties with one role.
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ListScope, Party, PartyRole, PartyStore } from '../store/party-store.js';
import { ApiError } from './errors.js';

const API_KEY_PREFIX = 'gsk_';
const API_KEY_RANDOM_BYTES = 32;
const KEY_ID_RANDOM_BYTES = 8;
/** Longest Authorization header value considered; longer is not a key of ours. */
const AUTHORIZATION_LENGTH_MAX = 256;

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated party; set by `bearerAuth`, null on public routes. */
    caller: Party | null;
  }
}

export interface IssuedApiKey {
  keyId: string;
  /** The bearer token; shown to the caller once. */
  apiKey: string;
  keySha256: Uint8Array;
}

export function keySha256Of(apiKey: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(apiKey, 'utf8').digest());
}

export function issueApiKey(): IssuedApiKey {
  const apiKey = API_KEY_PREFIX + randomBytes(API_KEY_RANDOM_BYTES).toString('base64url');
  return { keyId: `key_${randomBytes(KEY_ID_RANDOM_BYTES).toString('hex')}`, apiKey, keySha256: keySha256Of(apiKey) };
}

/** Creates a key for a party; returns the bearer token (the only time it exists outside the caller). */
export async function createApiKey(parties: PartyStore, partyId: string, nowMs: number): Promise<{ keyId: string; apiKey: string }> {
  const issued = issueApiKey();
  await parties.createApiKey({ keyId: issued.keyId, partyId, keySha256: issued.keySha256, createdAtMs: nowMs });
  return { keyId: issued.keyId, apiKey: issued.apiKey };
}

function bearerToken(header: string | undefined): string | null {
  if (header === undefined || header.length > AUTHORIZATION_LENGTH_MAX) return null;
  const match = /^Bearer (gsk_[A-Za-z0-9_-]+)$/.exec(header);
  return match === null ? null : match[1]!;
}

/** An onRequest hook: sets `request.caller` or refuses with 401 unauthorized. */
export function bearerAuth(parties: PartyStore) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request.headers.authorization);
    if (token === null) throw new ApiError('unauthorized', 'authorization: Bearer <api key> is required');
    const party = await parties.partyByKeySha256(keySha256Of(token));
    if (party === null) throw new ApiError('unauthorized', 'the API key is not valid');
    request.caller = party;
  };
}

export function callerOf(request: FastifyRequest): Party {
  if (request.caller === null) throw new Error('route without bearerAuth asked for its caller');
  return request.caller;
}

/**
 * Who reads beyond their own: `records` are provisioning and ledger records
 * in general; `agreements` are energy-purchase-agreement records, their
 * deliveries and transfers, which SPEC §5 shows only to their supplier, their
 * transmission company and regulators — not to operators.
 */
export type Readership = 'records' | 'agreements';

const READS_ALL: Readonly<Record<Readership, ReadonlySet<PartyRole>>> = {
  records: new Set(['operator', 'regulator']),
  agreements: new Set(['regulator']),
};

export function readsAll(party: Party, readership: Readership = 'records'): boolean {
  return READS_ALL[readership].has(party.role);
}

/** What a list shows the caller: everything for read-all roles, else what the caller owns. */
export function listScopeOf(request: FastifyRequest): ListScope {
  const caller = callerOf(request);
  return readsAll(caller) ? { kind: 'all' } : { kind: 'party', partyId: caller.partyId };
}

/** Writes of provisioning records are the operator's. */
export function requireOperator(request: FastifyRequest): Party {
  const caller = callerOf(request);
  if (caller.role !== 'operator') throw new ApiError('forbidden', `role ${caller.role} may not do this; it needs role operator`);
  return caller;
}

/** `caller`, if its role is one of `roles`; else 403 naming them and what it may not do. */
export function requireRoleOf(caller: Party, roles: readonly PartyRole[], action = 'do this'): Party {
  if (!roles.includes(caller.role)) throw new ApiError('forbidden', `role ${caller.role} may not ${action}; it needs role ${roles.join(' or ')}`);
  return caller;
}

/** The request's caller, if its role is one of `roles`; else 403. */
export function requireRole(request: FastifyRequest, roles: readonly PartyRole[], action = 'do this'): Party {
  return requireRoleOf(callerOf(request), roles, action);
}

/** A read of one resource: its owner and read-all roles see it; to anyone else it does not exist (404, so existence does not leak). */
export function notFoundUnlessVisible(caller: Party, ownerPartyIds: ReadonlyArray<string | null>, what: string, readership: Readership = 'records'): void {
  if (readsAll(caller, readership) || ownerPartyIds.includes(caller.partyId)) return;
  throw new ApiError('not_found', `${what} not found`);
}
