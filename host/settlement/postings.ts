// Statements → ledger (SPEC §5). What an (account, period) owes is the
// signed sum of its claimed postings; a run posts only the difference
// between the new statement total and that sum, as the next revision.
// Revision 0 is the original transfer, later revisions are adjustments whose
// `refs` name the transfers they correct. Ids are derived from (account,
// period, revision), and a claim row (unique by the same) is written before
// the transfer, so re-runs post nothing and concurrent runs cannot both post
// a revision. An unposted claim (a run that stopped between claim and
// ledger) is posted by whichever run sees it next, with the same body. The
// total is SPEC §3's statement total, already rounded to the minor unit by
// §3's per-line rule; the posting rule takes it as it is (posting.ts).
import { createHash } from 'node:crypto';
import type { Ledger } from '../ledger/ledger.js';
import { minorUnitOf, wholePostingAmount } from '../ledger/posting.js';
import type { SingleTransfer } from '../ledger/types.js';
import { LEDGER_BATCH_EVENTS_MAX, LEDGER_REFS_MAX } from '../limits.js';
import type { BillingAccount, PostingRow, SettlementStore } from '../store/settlement-store.js';
import { SETTLEMENT_CLAIM_ATTEMPTS_MAX } from './settlement-limits.js';

/** Ledger transfer codes of settlement. */
export const SETTLEMENT_TRANSFER_CODE = 1001;
export const SETTLEMENT_ADJUSTMENT_CODE = 1002;

export interface SettlementDue {
  account: BillingAccount;
  /** The statement total, µ; negative is a credit to the account (export). */
  totalMicro: bigint;
}

export interface PostingPeriod {
  runId: string;
  fromMs: number;
  toMs: number;
  nowMs: number;
}

export function customerLedgerAccountId(accountId: string): string {
  return `bill:${accountId}`;
}

export function supplierRevenueAccountId(supplierPartyId: string, currency: string): string {
  return `revenue:${supplierPartyId}:${currency}`;
}

/** `stl-<128-bit hash of (account, from, to)>-r<revision>`: fixed length, whatever the account id. */
export function settlementTransferId(accountId: string, fromMs: number, toMs: number, revision: number): string {
  const key = createHash('sha256').update(JSON.stringify([accountId, fromMs, toMs])).digest('hex').slice(0, 32);
  return `stl-${key}-r${revision}`;
}

function nextClaim(due: SettlementDue, earlier: readonly PostingRow[], period: PostingPeriod): PostingRow | null {
  const postedMicro = earlier.reduce((sum, posting) => sum + posting.deltaMicro, 0n);
  const deltaMicro = wholePostingAmount(due.totalMicro, minorUnitOf(due.account.currency)) - postedMicro;
  if (deltaMicro === 0n) return null;
  const { accountId, supplierPartyId, currency } = due.account;
  const customer = customerLedgerAccountId(accountId);
  const revenue = supplierRevenueAccountId(supplierPartyId, currency);
  const revision = earlier.length;
  return {
    accountId, fromMs: period.fromMs, toMs: period.toMs, revision,
    transferId: settlementTransferId(accountId, period.fromMs, period.toMs, revision),
    deltaMicro, currency,
    debitAccount: deltaMicro > 0n ? customer : revenue,
    creditAccount: deltaMicro > 0n ? revenue : customer,
    // The ledger takes at most LEDGER_REFS_MAX refs: the most recent ones.
    refs: earlier.slice(-LEDGER_REFS_MAX).map((posting) => posting.transferId),
    runId: period.runId, posted: false,
  };
}

/** The ledger transfer of a claim; every field comes from the claim row, so a re-post has the same body. */
export function claimTransfer(claim: PostingRow): SingleTransfer {
  return {
    type: 'single', id: claim.transferId, debit: claim.debitAccount, credit: claim.creditAccount,
    amountMicro: claim.deltaMicro < 0n ? -claim.deltaMicro : claim.deltaMicro, currency: claim.currency,
    code: claim.revision === 0 ? SETTLEMENT_TRANSFER_CODE : SETTLEMENT_ADJUSTMENT_CODE,
    ts: claim.toMs, refs: claim.refs,
  };
}

async function ensureLedgerAccounts(ledger: Ledger, dues: readonly SettlementDue[], nowMs: number): Promise<void> {
  const accounts = new Map<string, { id: string; party: string; currency: string; kind: string; flags: number }>();
  for (const { account } of dues) {
    const customer = customerLedgerAccountId(account.accountId);
    const revenue = supplierRevenueAccountId(account.supplierPartyId, account.currency);
    accounts.set(customer, { id: customer, party: account.ownerPartyId, currency: account.currency, kind: 'receivable', flags: 0 });
    accounts.set(revenue, { id: revenue, party: account.supplierPartyId, currency: account.currency, kind: 'revenue', flags: 0 });
  }
  const inputs = [...accounts.values()];
  const results = await ledger.createAccounts(inputs, nowMs);
  results.forEach((result, index) => {
    if (result !== 'ok' && result !== 'exists') throw new Error(`ledger account ${inputs[index]!.id}: ${result}`);
  });
}

async function postClaims(deps: { settlement: SettlementStore; ledger: Ledger }, claims: readonly PostingRow[], nowMs: number): Promise<number> {
  let appended = 0;
  for (let start = 0; start < claims.length; start += LEDGER_BATCH_EVENTS_MAX) {
    const slice = claims.slice(start, start + LEDGER_BATCH_EVENTS_MAX);
    const results = await deps.ledger.createTransfers(slice.map(claimTransfer), nowMs);
    results.forEach((result, index) => {
      if (result !== 'ok' && result !== 'exists') throw new Error(`ledger refused settlement transfer ${slice[index]!.transferId}: ${result}`);
      if (result === 'ok') appended++;
    });
    await deps.settlement.markPosted(slice.map((claim) => claim.transferId));
  }
  return appended;
}

function byAccount(postings: readonly PostingRow[]): Map<string, PostingRow[]> {
  const grouped = new Map<string, PostingRow[]>();
  for (const posting of postings) {
    const list = grouped.get(posting.accountId);
    if (list === undefined) grouped.set(posting.accountId, [posting]);
    else list.push(posting);
  }
  return grouped;
}

/**
 * Posts what each due account still owes for the period (or is owed);
 * returns the number of transfers appended to the ledger. Accounts whose
 * claim another run took first are re-evaluated against that run's claim.
 */
export async function postDues(
  deps: { settlement: SettlementStore; ledger: Ledger }, dues: readonly SettlementDue[], period: PostingPeriod,
): Promise<number> {
  let remaining = dues;
  let appended = 0;
  for (let attempt = 0; attempt < SETTLEMENT_CLAIM_ATTEMPTS_MAX && remaining.length > 0; attempt++) {
    const ids = remaining.map((due) => due.account.accountId);
    const earlier = byAccount(await deps.settlement.postings(ids, period.fromMs, period.toMs));
    const unposted = [...earlier.values()].flat().filter((posting) => !posting.posted);
    const claims = remaining.map((due) => nextClaim(due, earlier.get(due.account.accountId) ?? [], period));
    const wanted = claims.filter((claim): claim is PostingRow => claim !== null);
    const inserted = await deps.settlement.claimPostings(wanted);
    const won = wanted.filter((_, index) => inserted[index]);
    const lost = new Set(wanted.filter((_, index) => !inserted[index]).map((claim) => claim.accountId));
    const toPost = [...unposted, ...won].sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : a.revision - b.revision));
    if (toPost.length > 0) {
      const posting = new Set(toPost.map((claim) => claim.accountId));
      await ensureLedgerAccounts(deps.ledger, remaining.filter((due) => posting.has(due.account.accountId)), period.nowMs);
      appended += await postClaims(deps, toPost, period.nowMs);
    }
    remaining = remaining.filter((due) => lost.has(due.account.accountId));
  }
  if (remaining.length > 0) throw new Error(`settlement claims kept racing for ${remaining.length} account(s); retry the run`);
  return appended;
}
