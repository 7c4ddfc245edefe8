// Store-backed settlement (docs/settlement.md): the entry points the server calls.
export { registerBillingAccount, registerTariff } from './catalog.js';
export { runSettlement, type SettlementDeps, type SettlementProgress, type SettlementRunOptions } from './run.js';
export {
  accountStatements, runStatements, settlementRun, statementsCsv, STATEMENT_CSV_COLUMNS, type StoredStatement,
} from './reads.js';
export {
  customerLedgerAccountId, settlementTransferId, supplierRevenueAccountId, SETTLEMENT_ADJUSTMENT_CODE, SETTLEMENT_TRANSFER_CODE,
} from './postings.js';
export { SqliteSettlementStore } from '../store/sqlite/settlement.js';
export { PostgresSettlementStore } from '../store/postgres/settlement.js';
export type { BillingAccount, SettlementRunRecord, SettlementStore } from '../store/settlement-store.js';
