// Small tariffs and interval builders shared by the pricing tests. Times are
// built from UTC calendar fields so each test's arithmetic reads plainly.
import assert from 'node:assert/strict';
import { GridsettleError } from '../host/errors.js';
import type { PriceInput, Statement, StatementLine, Tariff } from '../host/engine/price.js';

export const QUARTER_HOUR_MS = 900_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Epoch ms of a UTC wall-clock time (month 1…12). */
export function utc(year: number, month: number, day: number, hour = 0, minute = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute);
}

/** A one-period tariff in UTC with one flat price; `extra` overrides or adds keys. */
export function flatTariff(extra: Record<string, unknown> = {}): Tariff {
  return { id: 'flat', currency: 'EUR', timezone: 'UTC', energy: [{ price: '0.20' }], ...extra } as Tariff;
}

/** Two periods in Europe/Berlin: peak 08:00–20:00 local on weekdays, offpeak otherwise. */
export function berlinTouTariff(extra: Record<string, unknown> = {}): Tariff {
  const weekday = Array.from({ length: 24 }, (_, hour) => (hour >= 8 && hour < 20 ? 1 : 0));
  return {
    id: 'tou', currency: 'EUR', timezone: 'Europe/Berlin', periods: ['offpeak', 'peak'],
    schedule: { weekday, weekend: new Array(24).fill(0) },
    energy: { offpeak: [{ price: '0.10' }], peak: [{ price: '0.30' }] },
    ...extra,
  } as Tariff;
}

export interface IntervalRow {
  start: number;
  imp: number;
  exp?: number;
  flags?: number;
}

/** `count` consecutive quarter-hours from `startMs`, each with `impMWh` import. */
export function quarterHours(startMs: number, count: number, impMWh: number): IntervalRow[] {
  return Array.from({ length: count }, (_, index) => ({ start: startMs + index * QUARTER_HOUR_MS, imp: impMWh }));
}

export function lineOf(statement: Statement, kind: string, period: string | null = null, tier: number | null = null): StatementLine | undefined {
  return statement.lines.find((line) => line.kind === kind && line.period === period && line.tier === tier);
}

/** Asserts that `run` throws a GridsettleError with `code`. */
export function assertRejects(run: () => unknown, code: string, messagePart?: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof GridsettleError, `expected a GridsettleError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (messagePart !== undefined) assert.match(error.message, new RegExp(messagePart));
    return true;
  });
}

export type { PriceInput };
