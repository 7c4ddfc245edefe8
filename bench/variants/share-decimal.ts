// SPEC §4 written straightforwardly with decimal.js, for the benchmark only:
// what a billing system without integer kernels would do. 60 significant
// digits keep every quotient exact enough to round: values stay below
// 10^22 and a non-tie quotient sits at least 1/(2·10^12) from a tie.
import DecimalModule from 'decimal.js';
import type { ShareEventColumns, ShareResultColumns } from '../../host/engine/share.js';

// decimal.js's types describe its CommonJS build; its ESM default export is the class itself.
const Decimal = DecimalModule as unknown as typeof DecimalModule.Decimal;
type Decimal = InstanceType<typeof Decimal>;
const Exact = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN });
const PPM = new Exact(1_000_000);
const MILLIWATT_MS_PER_MWH = new Exact(3_600_000);

function roundHalfEven(value: Decimal): Decimal {
  return value.toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN);
}

function splitLargestRemainder(compensation: Decimal, shares: Decimal[]): Decimal[] {
  const shareSum = shares.reduce((sum, share) => sum.add(share), new Exact(0));
  const amounts = shares.map((share) => compensation.mul(share).div(shareSum).floor());
  const remainders = shares.map((share) => compensation.mul(share).mod(shareSum));
  let leftover = amounts.reduce((rest, amount) => rest.sub(amount), compensation).toNumber();
  const order = shares.map((_, index) => index);
  order.sort((a, b) => remainders[b]!.cmp(remainders[a]!) || a - b);
  for (let rank = 0; leftover > 0; rank++, leftover--) amounts[order[rank]!] = amounts[order[rank]!]!.add(1);
  return amounts;
}

export function decimalShareColumns(events: ShareEventColumns): ShareResultColumns {
  const eventCount = events.energyMWh.length;
  const column = (): BigInt64Array => new BigInt64Array(eventCount);
  const results: ShareResultColumns = {
    avgPowerMilliW: column(), cRatePpm: column(), dodPpm: column(), weightPpm: column(),
    base: column(), compensation: column(), occupantAmount: new BigInt64Array(events.occupantShare.length),
  };
  const decimal = (values: BigInt64Array, index: number): Decimal => new Exact(values[index]!.toString());
  const integer = (value: Decimal): bigint => BigInt(value.toFixed(0));
  for (let event = 0; event < eventCount; event++) {
    const energy = decimal(events.energyMWh, event);
    const capacity = decimal(events.capacityMWh, event);
    const avgPower = roundHalfEven(energy.mul(MILLIWATT_MS_PER_MWH).div(decimal(events.durationMs, event)));
    const cRate = roundHalfEven(avgPower.mul(PPM).div(capacity));
    const dod = roundHalfEven(energy.mul(PPM).div(capacity));
    if (cRate.gt(1e9) || dod.gt(1e7)) throw new Error(`event ${event}: cRatePpm or dodPpm over its limit`);
    const excess = Decimal.max(0, cRate.sub(decimal(events.cRefPpm, event)));
    const weight = PPM.add(roundHalfEven(decimal(events.alphaPpm, event).mul(excess).div(PPM)))
      .add(roundHalfEven(decimal(events.betaPpm, event).mul(dod).div(PPM)));
    const base = roundHalfEven(energy.mul(decimal(events.priceMicroPerKWh, event)).div(PPM));
    const compensation = roundHalfEven(base.mul(weight).div(PPM));
    const first = events.occupantStart[event]!;
    const shares = Array.from(events.occupantShare.subarray(first, events.occupantStart[event + 1]!), (share) => new Exact(share.toString()));
    results.avgPowerMilliW[event] = integer(avgPower);
    results.cRatePpm[event] = integer(cRate);
    results.dodPpm[event] = integer(dod);
    results.weightPpm[event] = integer(weight);
    results.base[event] = integer(base);
    results.compensation[event] = integer(compensation);
    splitLargestRemainder(compensation, shares).forEach((amount, index) => (results.occupantAmount[first + index] = integer(amount)));
  }
  return results;
}
