// Readings → statements for one batch of accounts: their meters' readings
// are read in chunks, aggregated (SPEC §2, each meter at its own rating),
// summed per account and interval, and priced under the account's tariff
// (SPEC §3). A computation error
// (GridsettleError) fails only the accounts it concerns; anything else
// (the database) is thrown and fails the run.
import type { IntervalColumns } from '../engine/aggregate.js';
import { aggregateRatedColumns, type RatedAggregationOptions } from '../engine/aggregate-rated.js';
import { priceColumns, type Statement } from '../engine/price.js';
import { GridsettleError } from '../errors.js';
import { LEDGER_AMOUNT_MICRO_MAX, READINGS_METERS_PER_CHUNK_MAX } from '../limits.js';
import { statementTotalMicro } from '../tariff/statement.js';
import type { ReadingChunk, ReadingStore } from '../store/reading-store.js';
import type { AccountMeters } from '../store/settlement-store.js';
import { AccountIntervals, type PeriodGrid } from './accumulate.js';
import { safeNumber } from '../exact.js';

export interface AccountError {
  code: string;
  message: string;
}

export interface AccountOutcome {
  account: AccountMeters;
  statement: Statement | null;
  /** The statement's total in µ (minor units × 10^(6 − exponent)). */
  totalMicro: bigint | null;
  error: AccountError | null;
}

/**
 * Tariffs by id, each parsed once for the whole run (priceColumns caches per
 * object). Tariffs are immutable (docs/settlement.md), so an id names one text.
 */
export class TariffCache {
  private readonly texts = new Map<string, string>();
  private readonly tariffs = new Map<string, unknown>();

  constructor(private readonly loadJson: (tariffId: string) => Promise<string | null>) {}

  async tariffJson(tariffId: string): Promise<string> {
    let text = this.texts.get(tariffId);
    if (text === undefined) {
      const loaded = await this.loadJson(tariffId);
      if (loaded === null) throw new Error(`tariff ${JSON.stringify(tariffId)} of a billing account is not stored`);
      text = loaded;
      this.texts.set(tariffId, text);
    }
    return text;
  }

  async tariff(tariffId: string): Promise<unknown> {
    let tariff = this.tariffs.get(tariffId);
    if (tariff === undefined) {
      tariff = JSON.parse(await this.tariffJson(tariffId)) as unknown;
      this.tariffs.set(tariffId, tariff);
    }
    return tariff;
  }
}

function computationError(error: unknown): AccountError {
  if (error instanceof GridsettleError) return { code: error.code, message: error.message };
  throw error;
}

/** Adds one aggregated chunk to the accounts' intervals; rows are sorted by meter index, then start. */
function addChunk(chunk: ReadingChunk, aggregated: IntervalColumns, intervalsByMeter: ReadonlyMap<string, AccountIntervals>): void {
  const rowCount = aggregated.meter.length;
  let runStart = 0;
  while (runStart < rowCount) {
    const meterIndex = aggregated.meter[runStart]!;
    let runEnd = runStart + 1;
    while (runEnd < rowCount && aggregated.meter[runEnd] === meterIndex) runEnd++;
    intervalsByMeter.get(chunk.meterIds[meterIndex]!)!.addRows(aggregated, runStart, runEnd);
    runStart = runEnd;
  }
  for (const entry of aggregated.unassigned) {
    const meterId = chunk.meterIds[entry.meter]!;
    intervalsByMeter.get(meterId)!.addUnassigned({
      m: meterId, channel: entry.channel, from: safeNumber(entry.from, 'from'), to: safeNumber(entry.to, 'to'), mwh: safeNumber(entry.mwh, 'mwh'), reason: entry.reason,
    });
  }
}

export interface PricedBatch {
  outcomes: AccountOutcome[];
  /** Raw readings read, boundary readings included. */
  readings: number;
}

/** Reads, aggregates and prices `accounts` over `grid`; never holds more than one chunk of readings. */
export async function priceAccounts(
  readings: Pick<ReadingStore, 'readingsForMeters'>, tariffs: TariffCache, accounts: readonly AccountMeters[], grid: PeriodGrid, aggregation: RatedAggregationOptions,
): Promise<PricedBatch> {
  const intervalsByAccount = new Map(accounts.map((account) => [account.accountId, new AccountIntervals(grid)]));
  const intervalsByMeter = new Map<string, AccountIntervals>();
  const accountOfMeter = new Map<string, string>();
  for (const account of accounts) {
    for (const meterId of account.meterIds) {
      intervalsByMeter.set(meterId, intervalsByAccount.get(account.accountId)!);
      accountOfMeter.set(meterId, account.accountId);
    }
  }
  const chunkErrors = new Map<string, AccountError>();
  let readingCount = 0;
  const meterIds = [...intervalsByMeter.keys()];
  // One chunk per batch, unless one account alone has more meters than a chunk may hold (its sums span chunks).
  const metersPerChunk = Math.min(Math.max(1, meterIds.length), READINGS_METERS_PER_CHUNK_MAX);
  const query = { meterIds, fromMs: BigInt(grid.fromMs), toMs: BigInt(grid.toMs), metersPerChunk };
  for await (const chunk of readings.readingsForMeters(query)) {
    readingCount += chunk.columns.t.length;
    try {
      addChunk(chunk, aggregateRatedColumns(chunk.columns, chunk.maxPowerW, aggregation), intervalsByMeter);
    } catch (error) {
      const failure = computationError(error);
      for (const meterId of chunk.meterIds) chunkErrors.set(accountOfMeter.get(meterId)!, failure);
    }
  }
  const outcomes: AccountOutcome[] = [];
  for (const account of accounts) {
    const chunkError = chunkErrors.get(account.accountId);
    if (chunkError !== undefined) {
      outcomes.push({ account, statement: null, totalMicro: null, error: chunkError });
      continue;
    }
    outcomes.push(await priceAccount(tariffs, account, intervalsByAccount.get(account.accountId)!, grid));
  }
  return { outcomes, readings: readingCount };
}

async function priceAccount(tariffs: TariffCache, account: AccountMeters, intervals: AccountIntervals, grid: PeriodGrid): Promise<AccountOutcome> {
  const tariff = await tariffs.tariff(account.tariffId);
  try {
    const statement = priceColumns(tariff, { from: grid.fromMs, to: grid.toMs }, intervals.columns(), {
      intervalMs: grid.intervalMs, unassigned: intervals.unassigned,
    });
    const totalMicro = statementTotalMicro(statement, -LEDGER_AMOUNT_MICRO_MAX, LEDGER_AMOUNT_MICRO_MAX);
    return { account, statement, totalMicro, error: null };
  } catch (error) {
    return { account, statement: null, totalMicro: null, error: computationError(error) };
  }
}
