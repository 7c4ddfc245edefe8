// The shapes of SPEC §3: the tariff JSON, its compiled numeric form, the
// per-slot tables of a billing period and the statement.

/** One tier of an energy price: every tier but the last has a cumulative bound. */
export interface TariffTier {
  upToKWh?: string;
  price: string;
}

export interface TariffDayTables {
  weekday: number[];
  weekend: number[];
}

export interface TariffSchedule extends TariffDayTables {
  months?: Record<string, TariffDayTables>;
  holidays?: string[];
}

/** A tariff as JSON (SPEC §3). Without `periods`, `energy` is a bare tier array and `export` a bare `{price}`. */
export interface Tariff {
  id: string;
  currency: string;
  timezone: string;
  periods?: string[];
  schedule?: TariffSchedule;
  energy?: Record<string, TariffTier[]> | TariffTier[];
  dynamic?: Array<{ from: number; price: string }>;
  export?: Record<string, { price: string }> | { price: string };
  demand?: { pricePerKW: string };
  fixedPerDay?: string;
  taxes?: Array<{ name: string; rate: string; on: LineKind[] }>;
}

export type LineKind = 'energy' | 'export' | 'demand' | 'fixed';

export interface CompiledTier {
  /** Cumulative bound in mWh (kWh × 10^6); null for the last tier. */
  boundMWh: bigint | null;
  priceMicroPerKWh: bigint;
  /** The price in minimal form, as printed in `unitPrice`. */
  priceText: string;
}

export interface CompiledTax {
  name: string;
  ratePpm: bigint;
  rateText: string;
  on: ReadonlySet<LineKind>;
}

/** Local day tables: 24 period indexes each. */
export interface CompiledDayTables {
  weekday: Uint8Array;
  weekend: Uint8Array;
}

export interface CompiledSchedule {
  tables: CompiledDayTables;
  /** Month 1…12 → the tables that replace `tables` for that local month. */
  months: ReadonlyMap<number, CompiledDayTables>;
  /** Holidays as local day numbers (days since 1970-01-01). */
  holidays: ReadonlySet<number>;
}

/** A dynamic series: `priceMicroPerKWh[j]` is in force from `fromMs[j]` until `fromMs[j + 1]`. */
export interface CompiledDynamic {
  fromMs: number[];
  priceMicroPerKWh: bigint[];
}

/** A tariff validated once into numbers (cached per tariff object). */
export interface CompiledTariff {
  id: string;
  currency: string;
  currencyExponent: number;
  timezone: string;
  /** Period names by index; `[null]` for the implicit single period. */
  periodNames: Array<string | null>;
  /** null when every slot is period 0. */
  schedule: CompiledSchedule | null;
  /** Tiers by period index; an empty array means the period has no energy price. */
  tiers: CompiledTier[][];
  /** Index of each period's first tier among all tiers (the kernel's tier numbering). */
  tierStart: number[];
  tierTotal: number;
  /** Export price by period index, null where there is none. */
  exportPrices: Array<{ priceMicroPerKWh: bigint; priceText: string } | null>;
  dynamic: CompiledDynamic | null;
  demand: { pricePerKWMicro: bigint; priceText: string } | null;
  fixed: { perDayMicro: bigint; priceText: string } | null;
  taxes: CompiledTax[];
  /** The kernel's tariff table (docs/wasm-tariff.md). */
  kernelTable: BigInt64Array;
}

/** What the grid of one billing period looks like under one tariff. */
export interface SlotTable {
  /** Slot k of the table is the grid interval starting at (firstSlot + k) × intervalMs. */
  firstSlot: number;
  slotCount: number;
  intervalMs: number;
  periodBySlot: Uint8Array;
  /** Dynamic price in force at each slot's start, or NO_DYNAMIC_PRICE; null without a series. */
  dynamicBySlot: BigInt64Array | null;
  /** Local calendar days the period touches. */
  fixedDays: number;
}

/** Columns of one meter's intervals (SPEC §7). */
export interface IntervalPriceColumns {
  start: BigInt64Array;
  imp: BigInt64Array;
  exp?: BigInt64Array;
  flags?: Uint8Array;
}

export interface BillingPeriod {
  from: number | bigint;
  to: number | bigint;
}

export interface UnassignedEnergy {
  m?: string;
  channel: string;
  from: number;
  to: number;
  mwh: number;
  reason: string;
}

export interface PriceColumnsOptions {
  intervalMs?: number;
  unassigned?: unknown[];
}

/** The JSON form of `gridsettle price` (SPEC §7). */
export interface PriceInput {
  tariff: Tariff;
  intervalMs?: number;
  period?: { from: number; to: number };
  intervals: Array<{ start: number; imp: number; exp?: number; flags?: number }>;
  unassigned?: UnassignedEnergy[];
}

export interface StatementLine {
  kind: LineKind;
  period: string | null;
  tier: number | null;
  kwh: string | null;
  unitPrice: string | null;
  days?: number;
  amount: string;
}

export interface StatementTax {
  name: string;
  rate: string;
  base: string;
  amount: string;
}

export interface FlaggedIntervals {
  estimated: number;
  reset: number;
  spike: number;
  gap: number;
}

export interface Statement {
  tariff: string;
  currency: string;
  period: { from: number; to: number };
  lines: StatementLine[];
  taxes: StatementTax[];
  total: string;
  intervals: number;
  missingIntervals: number;
  flaggedIntervals: FlaggedIntervals;
  unassigned: UnassignedEnergy[];
}

/**
 * A statement fresh from pricing: its total also as an integer in µ, so
 * that settlement and flows never re-parse the decimal string. The field is
 * non-enumerable, so JSON output (and deep equality) is SPEC §3's alone.
 */
export interface PricedStatement extends Statement {
  readonly totalMicro: bigint;
}
