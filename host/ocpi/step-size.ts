// Dimension accounting: one line per measured dimension per period, FLAT
// once per session, and OCPI's step_size. The step rounds up the session
// total of a dimension (ENERGY in Wh, TIME and PARKING_TIME in seconds);
// the volume it adds is billed on the last period that priced that
// dimension, at that period's component. While PARKING_TIME is billed in
// the session, charging TIME is not rounded: the session did not end when
// charging did.
import type { PeriodComponents } from './elements.js';
import type { OcpiDimension, PriceComponent, SessionPeriod } from './types.js';

export interface DimensionLine {
  dimension: OcpiDimension;
  /** mWh (ENERGY), ms (TIME, PARKING_TIME) or 1 (FLAT), as the CDR gives it. */
  quantity: bigint;
  /** `quantity` plus this line's share of the step-size round-up. */
  billedQuantity: bigint;
  /** null: no element prices this dimension in this period, so it is free. */
  component: PriceComponent | null;
}

export interface SessionQuantities {
  energyMWh: bigint;
  billedEnergyMWh: bigint;
  chargingTimeMs: bigint;
  billedChargingTimeMs: bigint;
  parkingTimeMs: bigint;
  billedParkingTimeMs: bigint;
  reservationTimeMs: bigint;
}

type MeasuredDimension = 'ENERGY' | 'TIME' | 'PARKING_TIME';

const MEASURED: ReadonlyArray<[MeasuredDimension, (period: SessionPeriod) => bigint | null]> = [
  ['ENERGY', (period) => period.energyMWh],
  ['TIME', (period) => period.chargingTimeMs],
  ['PARKING_TIME', (period) => period.parkingTimeMs],
];

/** A step of `step_size` Wh is 1 000 mWh; one of `step_size` seconds is 1 000 ms. */
const INTERNAL_UNITS_PER_STEP_UNIT = 1_000n;

/** The lines of every period (in period order) and the session's quantities. */
export function accountDimensions(periods: readonly PeriodComponents[]): { lines: DimensionLine[][]; quantities: SessionQuantities } {
  let flatCharged = false;
  const lines = periods.map(({ period, components }) => {
    const periodLines: DimensionLine[] = [];
    for (const [dimension, volumeOf] of MEASURED) {
      const volume = volumeOf(period);
      if (volume !== null) periodLines.push({ dimension, quantity: volume, billedQuantity: volume, component: components[dimension] ?? null });
    }
    if (components.FLAT !== undefined && !flatCharged) {
      flatCharged = true;
      periodLines.push({ dimension: 'FLAT', quantity: 1n, billedQuantity: 1n, component: components.FLAT });
    }
    return periodLines;
  });
  const all = lines.flat();
  const parkingBilled = all.some((line) => line.dimension === 'PARKING_TIME' && line.component !== null);
  const [energy, time, parking] = MEASURED.map(([dimension]) =>
    roundUpToStep(all.filter((line) => line.dimension === dimension), dimension !== 'TIME' || !parkingBilled));
  return {
    lines,
    quantities: {
      energyMWh: energy!.total,
      billedEnergyMWh: energy!.billed,
      chargingTimeMs: time!.total,
      billedChargingTimeMs: time!.billed,
      parkingTimeMs: parking!.total,
      billedParkingTimeMs: parking!.billed,
      reservationTimeMs: periods.reduce((total, { period }) => total + (period.reservationTimeMs ?? 0n), 0n),
    },
  };
}

/** Rounds the dimension's session total up to the step of its last priced line, adding the difference to that line. */
function roundUpToStep(lines: readonly DimensionLine[], stepApplies: boolean): { total: bigint; billed: bigint } {
  const total = lines.reduce((sum, line) => sum + line.quantity, 0n);
  const last = lastPriced(lines);
  if (!stepApplies || last === null || last.component.stepSize === 0) return { total, billed: total };
  const step = BigInt(last.component.stepSize) * INTERNAL_UNITS_PER_STEP_UNIT;
  const billed = ((total + step - 1n) / step) * step;
  last.billedQuantity += billed - total;
  return { total, billed };
}

function lastPriced(lines: readonly DimensionLine[]): (DimensionLine & { component: PriceComponent }) | null {
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const line = lines[index]!;
    if (line.component !== null) return line as DimensionLine & { component: PriceComponent };
  }
  return null;
}
