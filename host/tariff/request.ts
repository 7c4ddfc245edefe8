// Checks the arguments of `priceColumns` other than the tariff: the billing
// period, `intervalMs`, the column shapes and the echoed unassigned energy.
// Per-interval checks (grid, period, uniqueness, ranges) are the kernel's.
import { invalidInput } from '../errors.js';
import { DAY_MS, INTERVAL_MS_DEFAULT, MINUTE_MS, READING_TIME_MS_MAX_EXCLUSIVE } from '../limits.js';
import { expectInteger, expectKeys, expectObject, expectString } from './fields.js';
import type { IntervalPriceColumns, UnassignedEnergy } from './types.js';
import { safeNumber } from '../exact.js';

const TIME_MS_MAX = safeNumber(READING_TIME_MS_MAX_EXCLUSIVE, 'READING_TIME_MS_MAX_EXCLUSIVE') - 1;

export function checkIntervalMs(value: unknown): number {
  if (value === undefined) return INTERVAL_MS_DEFAULT;
  const intervalMs = expectInteger(value, 'intervalMs', MINUTE_MS, DAY_MS);
  if (intervalMs % MINUTE_MS !== 0 || DAY_MS % intervalMs !== 0) {
    throw invalidInput(`intervalMs must be a multiple of 60000 that divides 86400000, got ${intervalMs}`);
  }
  return intervalMs;
}

/** [fromMs, toMs) with 0 ≤ from < to ≤ year 10000. */
export function checkPeriod(value: unknown): { fromMs: number; toMs: number } {
  const period = expectObject(value, 'period');
  expectKeys(period, ['from', 'to'], 'period');
  const fromMs = expectInteger(period.from, 'period.from', 0, TIME_MS_MAX);
  const toMs = expectInteger(period.to, 'period.to', 0, TIME_MS_MAX + 1);
  if (toMs <= fromMs) throw invalidInput(`period.to (${toMs}) must be after period.from (${fromMs})`);
  return { fromMs, toMs };
}

export function checkColumns(value: unknown): IntervalPriceColumns {
  const columns = expectObject(value, 'columns');
  if (!(columns.start instanceof BigInt64Array) || !(columns.imp instanceof BigInt64Array)) {
    throw invalidInput('columns.start and columns.imp must be BigInt64Arrays');
  }
  const length = columns.start.length;
  if (columns.imp.length !== length) throw invalidInput('columns.imp must have the length of columns.start');
  if (columns.exp !== undefined && !(columns.exp instanceof BigInt64Array && columns.exp.length === length)) {
    throw invalidInput('columns.exp must be a BigInt64Array of the length of columns.start');
  }
  if (columns.flags !== undefined && !(columns.flags instanceof Uint8Array && columns.flags.length === length)) {
    throw invalidInput('columns.flags must be a Uint8Array of the length of columns.start');
  }
  return columns as unknown as IntervalPriceColumns;
}

const CHANNELS = ['import', 'export'];
const REASONS = ['gap', 'spike'];

/** The §2 unassigned entries whose span meets the billing period, in input order. */
export function checkUnassigned(value: unknown, fromMs: number, toMs: number): UnassignedEnergy[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidInput('unassigned must be an array');
  const entries: UnassignedEnergy[] = [];
  value.forEach((entryValue, index) => {
    const field = `unassigned[${index}]`;
    const entry = expectObject(entryValue, field);
    expectKeys(entry, ['m', 'channel', 'from', 'to', 'mwh', 'reason'], field);
    const checked: UnassignedEnergy = {
      channel: oneOf(entry.channel, CHANNELS, `${field}.channel`),
      from: expectInteger(entry.from, `${field}.from`, 0, TIME_MS_MAX),
      to: expectInteger(entry.to, `${field}.to`, 0, TIME_MS_MAX),
      mwh: expectInteger(entry.mwh, `${field}.mwh`, 0, Number.MAX_SAFE_INTEGER),
      reason: oneOf(entry.reason, REASONS, `${field}.reason`),
    };
    if (checked.to <= checked.from) throw invalidInput(`${field}.to must be after ${field}.from`);
    const echoed = entry.m === undefined ? checked : { m: expectString(entry.m, `${field}.m`), ...checked };
    if (checked.from < toMs && checked.to > fromMs) entries.push(echoed);
  });
  return entries;
}

function oneOf(value: unknown, allowed: string[], field: string): string {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalidInput(`${field} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value;
}
