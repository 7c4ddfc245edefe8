// Ledger test plumbing: a Ledger over a fresh backend of store-backends.ts,
// raw SQL for tampering, and small builders.
import type { FreshBackend } from './store-backends.js';
import type { LedgerStore } from '../host/store/ledger-store.js';
import { SqliteLedgerStore } from '../host/store/sqlite/ledger.js';
import { PostgresLedgerStore } from '../host/store/postgres/ledger.js';
import { Ledger } from '../host/ledger/ledger.js';
import { generateLedgerSigner, type LedgerSigner } from '../host/ledger/blocks.js';
import type { AccountInput, SingleTransfer } from '../host/ledger/types.js';

export const SIGNER: LedgerSigner = generateLedgerSigner();

export function ledgerStoreOf(fresh: FreshBackend): LedgerStore {
  return fresh.kind === 'sqlite' ? new SqliteLedgerStore(fresh.database) : new PostgresLedgerStore(fresh.sql);
}

export interface LedgerFixture {
  fresh: FreshBackend;
  store: LedgerStore;
  ledger: Ledger;
  /** Runs raw SQL on the backend (tampering, inspection). */
  raw(text: string): Promise<void>;
  rows(text: string): Promise<Array<Record<string, unknown>>>;
}

export function ledgerFixture(fresh: FreshBackend, recordsPerBlock?: number): LedgerFixture {
  const store = ledgerStoreOf(fresh);
  const ledger = new Ledger(store, SIGNER, recordsPerBlock === undefined ? {} : { recordsPerBlock });
  return {
    fresh, store, ledger,
    raw: async (text) => {
      if (fresh.kind === 'sqlite') fresh.database.exec(text);
      else await fresh.sql.unsafe(text);
    },
    rows: async (text) => (fresh.kind === 'sqlite'
      ? fresh.database.prepare(text).safeIntegers(true).all() as Array<Record<string, unknown>>
      : [...await fresh.sql.unsafe(text)] as Array<Record<string, unknown>>),
  };
}

export function account(id: string, flags = 0, currency = 'EUR'): AccountInput {
  return { id, party: `party-${id}`, currency, kind: 'asset', flags };
}

export function single(id: string, debit: string, credit: string, amountMicro: bigint, refs: string[] = []): SingleTransfer {
  return { type: 'single', id, debit, credit, amountMicro, currency: 'EUR', code: 1, ts: 1_767_225_600_000, refs };
}

/** A deterministic PRNG (mulberry32), so a failing random test can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
