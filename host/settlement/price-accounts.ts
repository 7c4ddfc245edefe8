// Readings → statements for one batch of accounts: their meters' readings
// are read in chunks, aggregated (SPEC §2, each meter at its own rating),
// summed per account and interval, and priced under the account's tariff
// (SPEC §3). A computation error (GridsettleError) fails only the accounts
// it concerns: a chunk the aggregation refuses is aggregated again meter by
// meter, so a bad meter fails its own account (`meter_failed`, with a meter
// failure naming the meter and its code) and the rest of the chunk settles.
// Anything else (the database) is thrown and fails the run.
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

/** A meter whose readings the aggregation refused: its account fails `meter_failed`. */
export interface MeterFailure {
  meterId: string;
  accountId: string;
  code: string;
  message: string;
}

/** The code of an account one of whose meters failed (docs/settlement.md "Result codes"). */
export const METER_FAILED_CODE = 'meter_failed';

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

/** The chunk's rows of one meter, as a chunk of that meter alone (meter index 0). */
function meterChunk(chunk: ReadingChunk, meterIndex: number, rows: readonly number[]): ReadingChunk {
  const pick = (column: BigInt64Array) => BigInt64Array.from(rows, (row) => column[row]!);
  return {
    meterIds: [chunk.meterIds[meterIndex]!],
    maxPowerW: Uint32Array.of(chunk.maxPowerW[meterIndex]!),
    columns: { meter: new Uint32Array(rows.length), t: pick(chunk.columns.t), i: pick(chunk.columns.i), x: pick(chunk.columns.x) },
  };
}

/** Row indexes by meter index, for the chunk's meters in order (a meter without rows gets none). */
function rowsByMeter(chunk: ReadingChunk): number[][] {
  const rows: number[][] = chunk.meterIds.map(() => []);
  chunk.columns.meter.forEach((meterIndex, row) => rows[meterIndex]?.push(row));
  return rows;
}

/**
 * Aggregates the chunk into the accounts' intervals. When the aggregation
 * refuses the chunk, each meter is aggregated alone: the meters it refuses
 * are returned and add nothing; the others add their rows.
 */
function addChunkIsolatingMeters(
  chunk: ReadingChunk, aggregation: RatedAggregationOptions, intervalsByMeter: ReadonlyMap<string, AccountIntervals>,
): Array<{ meterId: string; error: AccountError }> {
  try {
    addChunk(chunk, aggregateRatedColumns(chunk.columns, chunk.maxPowerW, aggregation), intervalsByMeter);
    return [];
  } catch (error) {
    computationError(error);
  }
  const failures: Array<{ meterId: string; error: AccountError }> = [];
  rowsByMeter(chunk).forEach((rows, meterIndex) => {
    const single = meterChunk(chunk, meterIndex, rows);
    try {
      addChunk(single, aggregateRatedColumns(single.columns, single.maxPowerW, aggregation), intervalsByMeter);
    } catch (error) {
      failures.push({ meterId: single.meterIds[0]!, error: computationError(error) });
    }
  });
  return failures;
}

export interface PricedBatch {
  outcomes: AccountOutcome[];
  /** The meters that failed on their own, in read order. */
  meterFailures: MeterFailure[];
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
  const meterFailures: MeterFailure[] = [];
  let readingCount = 0;
  const meterIds = [...intervalsByMeter.keys()];
  // One chunk per batch, unless one account alone has more meters than a chunk may hold (its sums span chunks).
  const metersPerChunk = Math.min(Math.max(1, meterIds.length), READINGS_METERS_PER_CHUNK_MAX);
  const query = { meterIds, fromMs: BigInt(grid.fromMs), toMs: BigInt(grid.toMs), metersPerChunk };
  for await (const chunk of readings.readingsForMeters(query)) {
    readingCount += chunk.columns.t.length;
    for (const { meterId, error } of addChunkIsolatingMeters(chunk, aggregation, intervalsByMeter)) {
      meterFailures.push({ meterId, accountId: accountOfMeter.get(meterId)!, ...error });
    }
  }
  const failedMeters = new Map<string, MeterFailure[]>();
  for (const failure of meterFailures) failedMeters.set(failure.accountId, [...(failedMeters.get(failure.accountId) ?? []), failure]);
  const outcomes: AccountOutcome[] = [];
  for (const account of accounts) {
    const failed = failedMeters.get(account.accountId);
    if (failed !== undefined) {
      const message = `${failed.length} meter(s) failed, first ${failed[0]!.meterId}: ${failed[0]!.code}; the run's statements list each`;
      outcomes.push({ account, statement: null, totalMicro: null, error: { code: METER_FAILED_CODE, message } });
      continue;
    }
    outcomes.push(await priceAccount(tariffs, account, intervalsByAccount.get(account.accountId)!, grid));
  }
  return { outcomes, meterFailures, readings: readingCount };
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
