// Who sees which ledger record (SPEC §5 "Permissioned"): an account and its
// balance are its party's; a transfer is visible to the parties of its debit
// and credit accounts; an energy-purchase-agreement record (kind `ppa`) only
// to its supplier and its transmission company; another generic record to
// the party its body names in `party` or lists in `parties`. Regulators read
// all; operators read all but agreement records and the transfers of their
// deliveries. Anything else answers 404, like a record that does not exist.
import type { LedgerReader } from '../store/ledger-store.js';
import type { Party } from '../store/party-store.js';
import { ACCOUNT_RECORD, TRANSFER_RECORD } from '../ledger/records.js';
import { FLOW_TRANSFER_CODES } from '../flows/ledger-bridge.js';
import { readsAll, type Readership } from './auth.js';

export const PPA_RECORD = 'ppa';

/** Transfer codes of PPA deliveries and their corrections: read like the agreement they settle. */
export const AGREEMENT_TRANSFER_CODES: readonly number[] = [FLOW_TRANSFER_CODES.ppaDelivery, FLOW_TRANSFER_CODES.ppaCorrection];

export function transferReadership(code: number): Readership {
  return AGREEMENT_TRANSFER_CODES.includes(code) ? 'agreements' : 'records';
}

async function partiesOfAccounts(reader: LedgerReader, accountIds: string[]): Promise<string[]> {
  return (await reader.readAccounts(accountIds)).map((account) => account.party);
}

export async function transferVisibleTo(caller: Party, reader: LedgerReader, transfer: { debit: string; credit: string; code: number }): Promise<boolean> {
  return readsAll(caller, transferReadership(transfer.code)) || (await partiesOfAccounts(reader, [transfer.debit, transfer.credit])).includes(caller.partyId);
}

function stringMember(object: unknown, name: string): string | null {
  if (typeof object !== 'object' || object === null) return null;
  const value = (object as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : null;
}

function stringArrayMember(object: unknown, name: string): string[] {
  if (typeof object !== 'object' || object === null) return [];
  const value = (object as Record<string, unknown>)[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Who besides its parties reads a leaf of `kind` with this record. */
function leafReadership(kind: string, record: Record<string, unknown>): Readership {
  if (kind === PPA_RECORD) return 'agreements';
  return kind === TRANSFER_RECORD && typeof record.code === 'number' ? transferReadership(record.code) : 'records';
}

/** The parties (besides read-all roles) that may read the leaf of `kind` with this record. */
async function leafReaders(reader: LedgerReader, kind: string, record: Record<string, unknown>): Promise<string[]> {
  if (kind === ACCOUNT_RECORD) return [String(record.party)];
  if (kind === TRANSFER_RECORD) return partiesOfAccounts(reader, [String(record.debit), String(record.credit)]);
  const names = kind === PPA_RECORD ? ['supplier', 'transmission'] : ['party'];
  const named = names.map((name) => stringMember(record.body, name)).filter((party): party is string => party !== null);
  return kind === PPA_RECORD ? named : [...named, ...stringArrayMember(record.body, 'parties')];
}

export async function leafVisibleTo(caller: Party, reader: LedgerReader, kind: string, leaf: Uint8Array): Promise<boolean> {
  const record = JSON.parse(Buffer.from(leaf).toString('utf8')) as Record<string, unknown>;
  return readsAll(caller, leafReadership(kind, record)) || (await leafReaders(reader, kind, record)).includes(caller.partyId);
}
