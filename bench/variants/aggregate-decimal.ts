// A straightforward decimal.js aggregation (SPEC §2): the kind of code the
// WASM kernel replaces, for the wasm/decimal.js ratio. Readings come in as
// Decimals prepared outside the timed part; output is in the reference's
// row order.
import { Decimal } from 'decimal.js';

export interface DecimalReading {
  meter: number;
  t: Decimal;
  i: Decimal;
  /** null: no export register. */
  x: Decimal | null;
}
export interface DecimalOptions {
  intervalMs: number;
  maxPowerW: number;
  maxGapMs: number;
}
export interface DecimalRow {
  meter: number;
  start: Decimal;
  imp: Decimal;
  exp: Decimal;
  flags: number;
}
export interface DecimalUnassigned {
  meter: number;
  channel: 'import' | 'export';
  from: Decimal;
  to: Decimal;
  mwh: Decimal;
  reason: 'gap' | 'spike';
}

// 40 significant digits hold d·x < 2^53 · 2^32 exactly.
const Exact = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_FLOOR });

export function aggregateDecimal(readings: DecimalReading[], options: DecimalOptions): { rows: DecimalRow[]; unassigned: DecimalUnassigned[] } {
  const intervalMs = new Exact(options.intervalMs);
  const maxPowerW = new Exact(options.maxPowerW);
  const maxGapMs = new Exact(options.maxGapMs);
  const rows: DecimalRow[] = [];
  const unassigned: DecimalUnassigned[] = [];
  const byMeter = new Map<number, DecimalReading[]>();
  for (const reading of readings) {
    if (!byMeter.has(reading.meter)) byMeter.set(reading.meter, []);
    byMeter.get(reading.meter)!.push(reading);
  }
  for (const [meter, meterReadings] of byMeter) {
    const meterRows = new Map<string, DecimalRow>();
    const meterUnassigned: DecimalUnassigned[] = [];
    const rowAt = (k: Decimal): DecimalRow => {
      const key = k.toFixed(0);
      if (!meterRows.has(key)) meterRows.set(key, { meter, start: k.times(intervalMs), imp: new Exact(0), exp: new Exact(0), flags: 0 });
      return meterRows.get(key)!;
    };
    for (const channel of ['import', 'export'] as const) {
      const points = meterReadings
        .map((reading) => ({ t: reading.t, v: channel === 'import' ? reading.i : reading.x }))
        .filter((point, index, all): point is { t: Decimal; v: Decimal } => point.v !== null && (index === 0 || !all[index - 1]!.t.eq(point.t)));
      for (let p = 1; p < points.length; p++) {
        const a = points[p - 1]!;
        const b = points[p]!;
        const dt = b.t.minus(a.t);
        const d = b.v.minus(a.v);
        const lastK = b.t.minus(1).div(intervalMs).floor();
        if (d.isNegative()) {
          rowAt(lastK).flags |= 2;
        } else if (dt.gt(maxGapMs) || d.times(3600).gt(maxPowerW.times(dt))) {
          const reason = dt.gt(maxGapMs) ? 'gap' : 'spike';
          rowAt(lastK).flags |= reason === 'gap' ? 8 : 4;
          meterUnassigned.push({ meter, channel, from: a.t, to: b.t, mwh: d, reason });
        } else {
          const energyAt = (u: Decimal): Decimal => d.times(u.minus(a.t)).div(dt).floor();
          for (let k = a.t.div(intervalMs).floor(); k.lte(lastK); k = k.plus(1)) {
            const from = Decimal.max(a.t, k.times(intervalMs));
            const to = Decimal.min(b.t, k.plus(1).times(intervalMs));
            const row = rowAt(k);
            const energy = energyAt(to).minus(energyAt(from));
            if (channel === 'import') row.imp = row.imp.plus(energy);
            else row.exp = row.exp.plus(energy);
            if (dt.gt(intervalMs)) row.flags |= 1;
          }
        }
      }
    }
    rows.push(...[...meterRows.values()].sort((p, q) => p.start.comparedTo(q.start)));
    unassigned.push(...meterUnassigned.sort((p, q) => p.from.comparedTo(q.from) || (p.channel === 'import' ? -1 : 1)));
  }
  return { rows, unassigned };
}
