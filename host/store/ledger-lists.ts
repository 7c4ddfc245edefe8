// Lists over the ledger's tables for the API (docs/api.md "Lists"): the
// accounts of a scope with their balances, in bytewise id order, and the
// transfers of one account, in ledger (leaf index) order. Read-only and
// apart from LedgerStore: the ledger's rules (host/ledger/) never list.
import type { AccountRow, BalanceRow, TransferRow } from './ledger-store.js';
import { toAccount, toBalance, type DatabaseRow } from './ledger-rows.js';
import type { PageRequest } from './page.js';
import type { ListScope } from './party-store.js';

export interface AccountWithBalance {
  account: AccountRow;
  /** Absent until a transfer touches the account. */
  balance: BalanceRow | undefined;
}

export interface LedgerListStore {
  /** Accounts of the scope (a party: the accounts whose `party` it is) with their balances, by id. */
  accountsPage(scope: ListScope, page: PageRequest): Promise<AccountWithBalance[]>;
  /**
   * Transfers debiting or crediting the account, by leaf index, after the
   * transfer `page.after`, without those whose code is in `hiddenCodes`;
   * null when that transfer is not one of this account's shown ones (so a
   * cursor reveals nothing about other accounts' or hidden transfers).
   */
  transfersPage(accountId: string, page: PageRequest, hiddenCodes: readonly number[]): Promise<TransferRow[] | null>;
}

/** The account columns, then the balance's (null when there is no balance row yet). */
export const ACCOUNT_WITH_BALANCE_COLUMNS =
  'a.id, a.seq, a.party, a.currency, a.kind, a.flags, b.account_id, b.debits_posted, b.credits_posted, b.debits_pending, b.credits_pending';

export function accountWithBalanceOf(row: DatabaseRow): AccountWithBalance {
  return { account: toAccount(row), balance: row.account_id === null ? undefined : toBalance(row) };
}

/** The leaf index transfers follow: before the first transfer when the page starts at the beginning. */
export const TRANSFER_SEQ_BEFORE_FIRST = -1;
