// gridsettle, the library (SPEC §7): exact aggregation, pricing, OCPI
// charging-session pricing and battery-sharing compensation on a WebAssembly core.
export { aggregate, aggregateColumns } from './engine/aggregate.js';
export type {
  AggregateInput,
  AggregateOutput,
  AggregationOptions,
  IntervalColumns,
  IntervalRow,
  Reading,
  ReadingColumns,
  UnassignedEntry,
} from './engine/aggregate.js';
export { price, priceColumns } from './engine/price.js';
export type { PriceInput, Statement, StatementLine, StatementTax, Tariff } from './engine/price.js';
export { shareCompensation, shareCompensation as share, shareColumns } from './engine/share.js';
export type { ShareEventColumns, ShareInput, ShareOutput, ShareResultColumns } from './engine/share.js';
export { priceOcpiCdr } from './ocpi/price.js';
export type {
  OcpiAmount, OcpiDimension, OcpiPeriodPrice, OcpiPriceInput, OcpiPriceLine, OcpiPriceResult, PriceLimit, TimezoneSource,
} from './ocpi/price.js';
export * as ocpiLimits from './ocpi/ocpi-limits.js';
export { wasmPath } from './engine/wasm.js';
export { GridsettleError } from './errors.js';
export type { ComputeErrorCode } from './errors.js';
export { roundHalfEven } from './exact.js';
export * as limits from './limits.js';
export * as merkle from './ledger/merkle.js';
export { canonicalJson } from './ledger/canonical-json.js';

// The verifiable ledger (SPEC §5) for embedders: the Ledger over a store the
// embedder opens (a better-sqlite3 Database or a postgres.js pool, migrated
// with migrateSqlite / migratePostgres), block signing keys, and verifyLedger.
// None of these load Fastify or a database driver.
export { Ledger } from './ledger/ledger.js';
export type { LedgerOptions } from './ledger/ledger.js';
export { AccountFlags } from './ledger/types.js';
export type { AccountInput, Balance, PendingTransfer, PostTransfer, SingleTransfer, TransferEvent, VoidTransfer } from './ledger/types.js';
export { ACCOUNT_RESULTS, TRANSFER_RESULTS } from './ledger/result-codes.js';
export type { AccountResult, TransferResult } from './ledger/result-codes.js';
export { verifyLedger } from './ledger/verify.js';
export type { VerifyLocation, VerifyReport } from './ledger/verify.js';
export { blockHeader, ed25519Signer, generateLedgerSigner, verifyBlockSignature } from './ledger/blocks.js';
export type { BlockHeader, LedgerSigner } from './ledger/blocks.js';
export { generateLedgerKeyText, ledgerPublicKeyFrom, ledgerSignerFromBase64, publicKeyBase64, publicKeyId, publicKeyPem } from './ledger/keys.js';
export { SqliteLedgerStore } from './store/sqlite/ledger.js';
export { PostgresLedgerStore } from './store/postgres/ledger.js';
export { migratePostgres, migrateSqlite } from './store/migrate.js';
export type { AccountRow, BalanceRow, BlockRow, LedgerStore, TransferRow } from './store/ledger-store.js';

// S10 demand response: what an appliance (or its simulator) runs to open its
// sealed control signals (docs/flows.md "Signal format").
export { DrSignalVerifier } from './flows/dr-verifier.js';
export type { DrCommand, SignalRefusal, SignalVerdict } from './flows/dr-verifier.js';
export { openSignal, parseSignal, sealSignal } from './flows/dr-signal.js';
export type { ParsedSignal, SignalCommand, SignalHeader } from './flows/dr-signal.js';
