// The statement of SPEC §3 from a kernel's totals: line sums in µ rounded
// half-even to the currency's minor unit, demand and fixed, taxes in tariff
// order, total. One bigint operation per line: the per-interval work is the
// kernel's.
import { formatFixed, formatMinimal } from '../decimal.js';
import { roundHalfEven, safeNumber } from '../exact.js';
import {
  TOTAL_ESTIMATED, TOTAL_GAP, TOTAL_INTERVALS, TOTAL_PEAK_IMPORT_MWH, TOTAL_RESET, TOTAL_SPIKE,
  dynamicLineWord, energyLineWord, exportLineWord,
} from './kernel-layout.js';
import { GridsettleError } from '../errors.js';
import type { CompiledTariff, PricedStatement, SlotTable, StatementLine, StatementTax, UnassignedEnergy } from './types.js';

const MICRO_DIGITS = 6;
const MWH_PER_KWH_DIGITS = 6;

/** A statement line with its amount in minor units, for taxes and the total. */
interface MinorLine {
  line: StatementLine;
  amountMinor: bigint;
}

type Rounding = { toMinor: (micro: bigint) => bigint; money: (minor: bigint) => string };

// Built field by field (no spread): this runs for every line of every statement.
function minorLine(line: Omit<StatementLine, 'amount'>, amountMicro: bigint, rounding: Rounding): MinorLine {
  const amountMinor = rounding.toMinor(amountMicro);
  const amount = rounding.money(amountMinor);
  const { kind, period, tier, kwh, unitPrice, days } = line;
  const statementLine: StatementLine = days === undefined
    ? { kind, period, tier, kwh, unitPrice, amount }
    : { kind, period, tier, kwh, unitPrice, days, amount };
  return { line: statementLine, amountMinor };
}

export interface StatementContext {
  tariff: CompiledTariff;
  slots: SlotTable;
  fromMs: number;
  toMs: number;
  unassigned: UnassignedEnergy[];
}

export function buildStatement(context: StatementContext, totals: BigInt64Array): PricedStatement {
  const { tariff, slots } = context;
  const microPerMinor = 10n ** BigInt(MICRO_DIGITS - tariff.currencyExponent);
  const rounding: Rounding = {
    toMinor: (micro) => roundHalfEven(micro, microPerMinor),
    money: (minor) => formatFixed(minor, tariff.currencyExponent),
  };
  const minorLines = [
    ...energyLines(tariff, totals, rounding),
    ...exportLines(tariff, totals, rounding),
    ...demandLines(tariff, slots, totals, rounding),
    ...fixedLines(tariff, slots, rounding),
  ];
  const taxes = applyTaxes(tariff, minorLines, rounding);
  let totalMinor = 0n;
  for (const { amountMinor } of minorLines) totalMinor += amountMinor;
  for (const { amountMinor } of taxes) totalMinor += amountMinor;
  const intervals = safeNumber(totals[TOTAL_INTERVALS], 'TOTAL_INTERVALS');
  const statement = {
    tariff: tariff.id,
    currency: tariff.currency,
    period: { from: context.fromMs, to: context.toMs },
    lines: minorLines.map(({ line }) => line),
    taxes: taxes.map(({ tax }) => tax),
    total: rounding.money(totalMinor),
    intervals,
    missingIntervals: slots.slotCount - intervals,
    flaggedIntervals: {
      estimated: safeNumber(totals[TOTAL_ESTIMATED], 'TOTAL_ESTIMATED'),
      reset: safeNumber(totals[TOTAL_RESET], 'TOTAL_RESET'),
      spike: safeNumber(totals[TOTAL_SPIKE], 'TOTAL_SPIKE'),
      gap: safeNumber(totals[TOTAL_GAP], 'TOTAL_GAP'),
    },
    unassigned: context.unassigned,
  };
  return Object.defineProperty(statement, 'totalMicro', { value: totalMinor * microPerMinor, enumerable: false }) as PricedStatement;
}

/**
 * A priced statement's total in µ, held to [minMicro, maxMicro] with the
 * code a decimal amount outside its range gets (`invalid_amount`).
 */
export function statementTotalMicro(statement: PricedStatement, minMicro: bigint, maxMicro: bigint): bigint {
  const { totalMicro } = statement;
  if (totalMicro < minMicro || totalMicro > maxMicro) {
    throw new GridsettleError('invalid_amount', `statement total ${statement.total} is out of range ${minMicro} … ${maxMicro} µ`);
  }
  return totalMicro;
}

function kwhText(energyMWh: bigint): string {
  return formatMinimal(energyMWh, MWH_PER_KWH_DIGITS);
}

// Per period: its tiers, then its dynamic line (a null tier sorts last).
function energyLines(tariff: CompiledTariff, totals: BigInt64Array, rounding: Rounding): MinorLine[] {
  const lines: MinorLine[] = [];
  tariff.periodNames.forEach((period, periodIndex) => {
    tariff.tiers[periodIndex]!.forEach((tier, tierIndex) => {
      const word = energyLineWord(tariff.tierStart[periodIndex]! + tierIndex);
      if (totals[word]! > 0n) {
        lines.push(minorLine({ kind: 'energy', period, tier: tierIndex, kwh: kwhText(totals[word]!), unitPrice: tier.priceText }, totals[word + 1]!, rounding));
      }
    });
    const word = dynamicLineWord(tariff, periodIndex);
    if (totals[word]! > 0n) {
      lines.push(minorLine({ kind: 'energy', period, tier: null, kwh: kwhText(totals[word]!), unitPrice: null }, totals[word + 1]!, rounding));
    }
  });
  return lines;
}

function exportLines(tariff: CompiledTariff, totals: BigInt64Array, rounding: Rounding): MinorLine[] {
  const lines: MinorLine[] = [];
  tariff.periodNames.forEach((period, periodIndex) => {
    const word = exportLineWord(tariff, periodIndex);
    const exportPrice = tariff.exportPrices[periodIndex];
    if (exportPrice !== null && exportPrice !== undefined && totals[word]! > 0n) {
      lines.push(minorLine({ kind: 'export', period, tier: null, kwh: kwhText(totals[word]!), unitPrice: exportPrice.priceText }, totals[word + 1]!, rounding));
    }
  });
  return lines;
}

// rhe(peak × 3600 × pricePerKW / (I × 1000)) in bigint: with I = 1 min the
// result can pass i64, so demand is the host's (once per statement).
function demandLines(tariff: CompiledTariff, slots: SlotTable, totals: BigInt64Array, rounding: Rounding): MinorLine[] {
  if (tariff.demand === null) return [];
  const peakMWh = totals[TOTAL_PEAK_IMPORT_MWH]!;
  const demandMicro = roundHalfEven(peakMWh * 3600n * tariff.demand.pricePerKWMicro, BigInt(slots.intervalMs) * 1000n);
  return [minorLine({ kind: 'demand', period: null, tier: null, kwh: kwhText(peakMWh), unitPrice: tariff.demand.priceText }, demandMicro, rounding)];
}

function fixedLines(tariff: CompiledTariff, slots: SlotTable, rounding: Rounding): MinorLine[] {
  if (tariff.fixed === null) return [];
  const line = { kind: 'fixed', period: null, tier: null, kwh: null, unitPrice: tariff.fixed.priceText, days: slots.fixedDays } as const;
  return [minorLine(line, BigInt(slots.fixedDays) * tariff.fixed.perDayMicro, rounding)];
}

interface MinorTax {
  tax: StatementTax;
  amountMinor: bigint;
}

// base = Σ minor amounts of the lines of the kinds in `on`; amount = rhe(base × rate).
function applyTaxes(tariff: CompiledTariff, lines: MinorLine[], rounding: Rounding): MinorTax[] {
  return tariff.taxes.map((tax) => {
    let baseMinor = 0n;
    for (const { line, amountMinor } of lines) if (tax.on.has(line.kind)) baseMinor += amountMinor;
    const amountMinor = roundHalfEven(baseMinor * tax.ratePpm, 1_000_000n);
    return { tax: { name: tax.name, rate: tax.rateText, base: rounding.money(baseMinor), amount: rounding.money(amountMinor) }, amountMinor };
  });
}
