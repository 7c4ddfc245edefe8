// `gridsettle init`: the first operator party and its API key, so that the
// operator API can create everything else. Refuses when an operator exists.
import { createApiKey } from '../api/auth.js';
import type { Store } from '../store/open-store.js';

export const FIRST_OPERATOR_ID = 'operator';

export interface InitResult {
  partyId: string;
  keyId: string;
  /** Shown once. */
  apiKey: string;
}

export class AlreadyInitialisedError extends Error {
  constructor() {
    super('an operator party exists already; issue more keys with POST /v1/parties/{partyId}/keys');
    this.name = 'AlreadyInitialisedError';
  }
}

export async function initOperator(store: Store, nowMs: number, partyId = FIRST_OPERATOR_ID): Promise<InitResult> {
  if ((await store.parties.countParties('operator')) > 0) throw new AlreadyInitialisedError();
  await store.parties.createParty({ partyId, name: 'Operator', role: 'operator', createdAtMs: nowMs });
  const { keyId, apiKey } = await createApiKey(store.parties, partyId, nowMs);
  return { partyId, keyId, apiKey };
}
