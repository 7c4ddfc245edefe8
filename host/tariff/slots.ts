// Per-slot tables of one billing period: for every grid slot k with
// from ≤ k·I < to, the period in force at its start (local wall-clock hour,
// weekday, holiday, month in the tariff's zone) and the dynamic price in
// force. Cached per (compiled tariff, from, to, intervalMs): 1 000 meters
// priced for the same month share one table.
import { limitExceeded } from '../errors.js';
import { BILLING_PERIOD_SLOTS_MAX } from '../limits.js';
import { DAY_MS, HOUR_MS, floorDivide, monthOfDay, weekdayOfDay } from './calendar.js';
import { NO_PRICE_MICRO } from './kernel-layout.js';
import { localDayNumber, offsetSchedule } from './timezone.js';
import type { CompiledDynamic, CompiledSchedule, CompiledTariff, SlotTable } from './types.js';

const SLOT_TABLES_PER_TARIFF_MAX = 64;
const slotTables = new WeakMap<CompiledTariff, Map<string, SlotTable>>();

export function slotTable(tariff: CompiledTariff, fromMs: number, toMs: number, intervalMs: number): SlotTable {
  let tables = slotTables.get(tariff);
  if (tables === undefined) {
    tables = new Map();
    slotTables.set(tariff, tables);
  }
  const key = `${fromMs}:${toMs}:${intervalMs}`;
  let table = tables.get(key);
  if (table === undefined) {
    table = buildSlotTable(tariff, fromMs, toMs, intervalMs);
    // Drop the oldest entry: a long-running server prices many months.
    if (tables.size >= SLOT_TABLES_PER_TARIFF_MAX) tables.delete(tables.keys().next().value!);
    tables.set(key, table);
  }
  return table;
}

function buildSlotTable(tariff: CompiledTariff, fromMs: number, toMs: number, intervalMs: number): SlotTable {
  const firstSlot = Math.ceil(fromMs / intervalMs);
  const slotCount = Math.ceil(toMs / intervalMs) - firstSlot;
  if (slotCount > BILLING_PERIOD_SLOTS_MAX) {
    throw limitExceeded('BILLING_PERIOD_SLOTS_MAX', `the billing period holds ${slotCount} intervals, at most ${BILLING_PERIOD_SLOTS_MAX}`);
  }
  const periodBySlot = new Uint8Array(slotCount);
  if (tariff.schedule !== null && slotCount > 0) {
    fillPeriods(periodBySlot, tariff.schedule, tariff.timezone, firstSlot, intervalMs);
  }
  return {
    firstSlot, slotCount, intervalMs, periodBySlot,
    dynamicBySlot: tariff.dynamic === null ? null : dynamicPrices(tariff.dynamic, firstSlot, slotCount, intervalMs),
    fixedDays: localDayNumber(tariff.timezone, toMs - 1) - localDayNumber(tariff.timezone, fromMs) + 1,
  };
}

// Each slot's period by its start instant's local hour; the day's table is
// chosen once per local day (months override, then weekend or holiday).
function fillPeriods(periodBySlot: Uint8Array, schedule: CompiledSchedule, timezone: string, firstSlot: number, intervalMs: number): void {
  const firstStartMs = firstSlot * intervalMs;
  const lastStartMs = (firstSlot + periodBySlot.length - 1) * intervalMs;
  const offsets = offsetSchedule(timezone, firstStartMs, lastStartMs + 1, intervalMs);
  let change = 0;
  let currentDay = Number.NaN;
  let hourTable = schedule.tables.weekday;
  for (let k = 0; k < periodBySlot.length; k++) {
    const startMs = firstStartMs + k * intervalMs;
    while (change + 1 < offsets.changeAtMs.length && offsets.changeAtMs[change + 1]! <= startMs) change++;
    const localMs = startMs + offsets.offsetMs[change]!;
    const day = floorDivide(localMs, DAY_MS);
    if (day !== currentDay) {
      currentDay = day;
      hourTable = dayHourTable(schedule, day);
    }
    periodBySlot[k] = hourTable[floorDivide(localMs - day * DAY_MS, HOUR_MS)]!;
  }
}

function dayHourTable(schedule: CompiledSchedule, day: number): Uint8Array {
  const tables = schedule.months.get(monthOfDay(day)) ?? schedule.tables;
  const weekday = weekdayOfDay(day);
  const weekend = weekday === 0 || weekday === 6 || schedule.holidays.has(day);
  return weekend ? tables.weekend : tables.weekday;
}

// The entry in force at a slot's start is the last with from ≤ start.
function dynamicPrices(dynamic: CompiledDynamic, firstSlot: number, slotCount: number, intervalMs: number): BigInt64Array {
  const prices = new BigInt64Array(slotCount);
  let next = 0;
  for (let k = 0; k < slotCount; k++) {
    const startMs = (firstSlot + k) * intervalMs;
    while (next < dynamic.fromMs.length && dynamic.fromMs[next]! <= startMs) next++;
    prices[k] = next === 0 ? NO_PRICE_MICRO : dynamic.priceMicroPerKWh[next - 1]!;
  }
  return prices;
}
