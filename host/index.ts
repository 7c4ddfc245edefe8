// gridsettle, the library (SPEC §7): exact aggregation, pricing and
// battery-sharing compensation on a WebAssembly core.
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
export { wasmPath } from './engine/wasm.js';
export { GridsettleError } from './errors.js';
export type { ComputeErrorCode } from './errors.js';
export { roundHalfEven } from './exact.js';
export * as limits from './limits.js';
export * as merkle from './ledger/merkle.js';
export { canonicalJson } from './ledger/canonical-json.js';
