// LedgerListStore on PostgreSQL. Ids compare and order with COLLATE "C"
// (bytewise, as on SQLite); ledger rows are append-only, so the cursor
// lookup and the page need no common snapshot.
import type { PostgresSql } from '../postgres.js';
import { afterIdOf, type PageRequest } from '../page.js';
import type { ListScope } from '../party-store.js';
import type { TransferRow } from '../ledger-store.js';
import { toTransfer } from '../ledger-rows.js';
import {
  accountWithBalanceOf, ACCOUNT_WITH_BALANCE_COLUMNS, TRANSFER_SEQ_BEFORE_FIRST, type AccountWithBalance, type LedgerListStore,
} from '../ledger-lists.js';

export class PostgresLedgerListStore implements LedgerListStore {
  constructor(private readonly sql: PostgresSql) {}

  async accountsPage(scope: ListScope, page: PageRequest): Promise<AccountWithBalance[]> {
    const ofScope = scope.kind === 'all' ? this.sql`TRUE` : this.sql`a.party = ${scope.partyId}`;
    const rows = await this.sql`SELECT ${this.sql.unsafe(ACCOUNT_WITH_BALANCE_COLUMNS)}
      FROM ledger_accounts a LEFT JOIN ledger_balances b ON b.account_id = a.id
      WHERE ${ofScope} AND a.id > ${afterIdOf(page)} COLLATE "C" ORDER BY a.id COLLATE "C" LIMIT ${page.limit}`;
    return rows.map(accountWithBalanceOf);
  }

  async transfersPage(accountId: string, page: PageRequest, hiddenCodes: readonly number[]): Promise<TransferRow[] | null> {
    const shown = this.sql`code <> ALL(${[...hiddenCodes]}::integer[])`;
    let after = TRANSFER_SEQ_BEFORE_FIRST;
    if (page.after !== null) {
      const [row] = await this.sql`SELECT seq FROM ledger_transfers WHERE id = ${page.after} AND (debit = ${accountId} OR credit = ${accountId}) AND ${shown}`;
      if (row === undefined) return null;
      after = Number(row.seq);
    }
    const rows = await this.sql`
      SELECT * FROM (SELECT * FROM ledger_transfers WHERE debit = ${accountId} AND seq > ${after} AND ${shown} ORDER BY seq LIMIT ${page.limit}) AS d
      UNION SELECT * FROM (SELECT * FROM ledger_transfers WHERE credit = ${accountId} AND seq > ${after} AND ${shown} ORDER BY seq LIMIT ${page.limit}) AS c
      ORDER BY seq LIMIT ${page.limit}`;
    return rows.map(toTransfer);
  }
}
