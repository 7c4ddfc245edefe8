// LedgerListStore on SQLite. Every read goes through the connection's
// queue: a ledger write transaction stays open across awaits on this one
// connection, and a read between its statements would see its rows before
// they commit.
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../sqlite.js';
import { afterIdOf, type PageRequest } from '../page.js';
import type { ListScope } from '../party-store.js';
import type { TransferRow } from '../ledger-store.js';
import { toTransfer, type DatabaseRow } from '../ledger-rows.js';
import {
  accountWithBalanceOf, ACCOUNT_WITH_BALANCE_COLUMNS, TRANSFER_SEQ_BEFORE_FIRST, type AccountWithBalance, type LedgerListStore,
} from '../ledger-lists.js';

type Exclusive = <T>(work: () => Promise<T>) => Promise<T>;

const ACCOUNTS_FROM = 'FROM ledger_accounts a LEFT JOIN ledger_balances b ON b.account_id = a.id';
const SHOWN_CODE = 'AND code NOT IN (SELECT value FROM json_each(?))';

function prepareStatements(database: SqliteDatabase) {
  // Amounts and balances are BIGINT: every integer is read as bigint, never a lossy Number.
  const prepare = (text: string): Statement<unknown[], DatabaseRow> => database.prepare(text).safeIntegers(true) as Statement<unknown[], DatabaseRow>;
  return {
    allAccounts: prepare(`SELECT ${ACCOUNT_WITH_BALANCE_COLUMNS} ${ACCOUNTS_FROM} WHERE a.id > ? ORDER BY a.id LIMIT ?`),
    partyAccounts: prepare(`SELECT ${ACCOUNT_WITH_BALANCE_COLUMNS} ${ACCOUNTS_FROM} WHERE a.party = ? AND a.id > ? ORDER BY a.id LIMIT ?`),
    // Hidden codes come as one JSON array parameter.
    transferSeq: prepare(`SELECT seq FROM ledger_transfers WHERE id = ? AND (debit = ? OR credit = ?) ${SHOWN_CODE}`),
    transfers: prepare(`SELECT * FROM (SELECT * FROM ledger_transfers WHERE debit = ? AND seq > ? ${SHOWN_CODE} ORDER BY seq LIMIT ?) AS d
      UNION SELECT * FROM (SELECT * FROM ledger_transfers WHERE credit = ? AND seq > ? ${SHOWN_CODE} ORDER BY seq LIMIT ?) AS c ORDER BY seq LIMIT ?`),
  };
}

export class SqliteLedgerListStore implements LedgerListStore {
  private readonly statements: ReturnType<typeof prepareStatements>;

  constructor(database: SqliteDatabase, private readonly exclusive: Exclusive) {
    this.statements = prepareStatements(database);
  }

  accountsPage(scope: ListScope, page: PageRequest): Promise<AccountWithBalance[]> {
    return this.exclusive(async () => {
      const rows = scope.kind === 'all'
        ? this.statements.allAccounts.all(afterIdOf(page), page.limit)
        : this.statements.partyAccounts.all(scope.partyId, afterIdOf(page), page.limit);
      return rows.map(accountWithBalanceOf);
    });
  }

  transfersPage(accountId: string, page: PageRequest, hiddenCodes: readonly number[]): Promise<TransferRow[] | null> {
    const hidden = JSON.stringify(hiddenCodes);
    return this.exclusive(async () => {
      const after = page.after === null ? TRANSFER_SEQ_BEFORE_FIRST : this.statements.transferSeq.get(page.after, accountId, accountId, hidden)?.seq;
      if (after === undefined) return null;
      const { limit } = page;
      return this.statements.transfers.all(accountId, after, hidden, limit, accountId, after, hidden, limit, limit).map(toTransfer);
    });
  }
}
