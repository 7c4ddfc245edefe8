// S1 offer rules (docs/flows.md "S1"), independent of HTTP: a supplier's
// price series and its checks, the energy a battery takes or gives at
// constant power, pricing energy at an offer's slots (SPEC §5 posting rule),
// and the ranking of offers for one vehicle.
import { formatMinorAmount } from '../../currency.js';
import { formatMinimal, parseMicro } from '../../decimal.js';
import { GridsettleError, invalidInput, limitExceeded } from '../../errors.js';
import { energyValue, minorUnitOf, postingAmount, sumExact, type ExactMicro } from '../../ledger/posting.js';
import { ENERGY_PRICE_MICRO_MAX, EV_OFFER_SLOT_GRID_MS, EV_OFFER_SLOTS_MAX, EV_OFFER_SPAN_MS_MAX } from '../../limits.js';
import { FlowError } from '../errors.js';

/** `sell`: the supplier sells to the vehicle (charging); `buy`: it buys from the vehicle (V2G discharge). */
export type OfferDirection = 'sell' | 'buy';
export type SessionMode = 'charge' | 'discharge';

export interface OfferSlot {
  fromMs: number;
  toMs: number;
  /** Currency units per kWh, minimal decimal form ("0.3127"). */
  price: string;
}

/** What pricing needs of an offer. */
export interface OfferTerms {
  id: string;
  currency: string;
  slots: readonly OfferSlot[];
}

export interface Battery {
  capacityWh: number;
  stateOfChargePpm: number;
  maxChargePowerW: number;
  maxDischargePowerW: number;
}

/** Energy per grid interval: `energyMWh[k]` flows in the interval starting at `start[k]`. */
export interface EnergyIntervals {
  start: BigInt64Array;
  energyMWh: BigInt64Array;
}

export interface PricedEnergy {
  energyMWh: bigint;
  /** Σ energy × price, rounded once, half to even, to the currency's minor unit (SPEC §5 posting rule). */
  amountMicro: bigint;
  /** The same as a statement amount ("5.63"). */
  amount: string;
}

export interface Quote extends PricedEnergy {
  offerId: string;
  coversDesiredEnergy: boolean;
}

const PPM = 1_000_000n;
/** W × ms = mJ, and 1 mWh = 3 600 mJ. */
const MILLIJOULES_PER_MWH = 3_600n;

export function modeOf(direction: OfferDirection): SessionMode {
  return direction === 'sell' ? 'charge' : 'discharge';
}

export function directionOf(mode: SessionMode): OfferDirection {
  return mode === 'charge' ? 'sell' : 'buy';
}

/**
 * Checks a price series against its validity window and returns it with
 * prices in minimal form. Slots lie on the 15-minute grid, sorted and
 * contiguous (no overlap, no gap), and cover the whole window; prices are
 * 0 … 100 per kWh.
 */
export function checkOfferSeries(slots: readonly OfferSlot[], validFromMs: number, validToMs: number): OfferSlot[] {
  if (slots.length === 0) throw invalidInput('slots must hold at least one slot');
  if (slots.length > EV_OFFER_SLOTS_MAX) throw limitExceeded('EV_OFFER_SLOTS_MAX', `${slots.length} slots, at most ${EV_OFFER_SLOTS_MAX}`);
  const checked = slots.map((slot, index) => {
    checkSlotOrder(slots, index);
    const priceMicro = parseMicro(slot.price, `slots[${index}].price`, 0n, ENERGY_PRICE_MICRO_MAX);
    return { fromMs: slot.fromMs, toMs: slot.toMs, price: formatMinimal(priceMicro, 6) };
  });
  const seriesFromMs = checked[0]!.fromMs;
  const seriesToMs = checked[checked.length - 1]!.toMs;
  if (seriesToMs - seriesFromMs > EV_OFFER_SPAN_MS_MAX) {
    throw limitExceeded('EV_OFFER_SPAN_MS_MAX', `the slots span ${seriesToMs - seriesFromMs} ms, at most ${EV_OFFER_SPAN_MS_MAX}`);
  }
  if (validToMs <= validFromMs) throw invalidInput('validToMs must be after validFromMs');
  if (validFromMs < seriesFromMs || validToMs > seriesToMs) {
    throw invalidInput(`the validity window [${validFromMs}, ${validToMs}) must lie inside the slots [${seriesFromMs}, ${seriesToMs})`);
  }
  return checked;
}

function checkSlotOrder(slots: readonly OfferSlot[], index: number): void {
  const slot = slots[index]!;
  const where = `slots[${index}]`;
  if (slot.fromMs % EV_OFFER_SLOT_GRID_MS !== 0 || slot.toMs % EV_OFFER_SLOT_GRID_MS !== 0) {
    throw invalidInput(`${where} must start and end on the ${EV_OFFER_SLOT_GRID_MS} ms grid`);
  }
  if (slot.toMs <= slot.fromMs) throw invalidInput(`${where}.toMs must be after its fromMs`);
  if (index === 0) return;
  const previous = slots[index - 1]!;
  if (slot.fromMs < previous.fromMs) throw invalidInput(`${where} starts before slots[${index - 1}]: slots must be sorted`);
  if (slot.fromMs < previous.toMs) throw invalidInput(`${where} overlaps slots[${index - 1}]`);
  if (slot.fromMs > previous.toMs) throw invalidInput(`${where} leaves a gap after slots[${index - 1}]: slots must be contiguous`);
}

/**
 * The energy the battery can still take (charge) or give (discharge), mWh:
 * stored = floor(capacity × state of charge).
 */
export function batteryHeadroomMWh(battery: Battery, mode: SessionMode): bigint {
  const capacityMWh = BigInt(battery.capacityWh) * 1_000n;
  const storedMWh = (capacityMWh * BigInt(battery.stateOfChargePpm)) / PPM;
  return mode === 'charge' ? capacityMWh - storedMWh : storedMWh;
}

/** The desired energy in mWh, or `desired_energy_exceeds_battery` when the battery cannot take or give it. */
export function checkDesiredEnergy(battery: Battery, mode: SessionMode, desiredEnergyWh: number): bigint {
  const desiredMWh = BigInt(desiredEnergyWh) * 1_000n;
  const headroomMWh = batteryHeadroomMWh(battery, mode);
  if (desiredMWh > headroomMWh) {
    const verb = mode === 'charge' ? 'take' : 'give';
    throw new FlowError('desired_energy_exceeds_battery', `the battery can ${verb} ${headroomMWh} mWh, ${desiredMWh} mWh were asked for`);
  }
  return desiredMWh;
}

/**
 * Energy at constant `powerW` from `startMs` until `targetMWh` is reached
 * or `untilMs`, per grid interval. Delivered energy at instant u is
 * floor(P × (u − start) / 3600) mWh (capped at the target), so the parts
 * are integers and add up exactly.
 */
export function constantPowerProfile(startMs: number, powerW: number, targetMWh: bigint, untilMs: number, intervalMs = EV_OFFER_SLOT_GRID_MS): EnergyIntervals {
  const deliveredAt = (atMs: number): bigint => {
    const energyMWh = (BigInt(powerW) * BigInt(atMs - startMs)) / MILLIJOULES_PER_MWH;
    return energyMWh < targetMWh ? energyMWh : targetMWh;
  };
  const starts: bigint[] = [];
  const energies: bigint[] = [];
  let deliveredMWh = 0n;
  for (let intervalStartMs = startMs - (startMs % intervalMs); deliveredMWh < targetMWh && intervalStartMs < untilMs; intervalStartMs += intervalMs) {
    const reachedMWh = deliveredAt(Math.min(intervalStartMs + intervalMs, untilMs));
    starts.push(BigInt(intervalStartMs));
    energies.push(reachedMWh - deliveredMWh);
    deliveredMWh = reachedMWh;
  }
  return { start: BigInt64Array.from(starts), energyMWh: BigInt64Array.from(energies) };
}

/**
 * Prices `intervals` at the offer's slot prices, each interval at the slot
 * it starts in: Σ energy × price, rounded once to the currency's minor unit
 * (SPEC §5 posting rule). Energy outside the slots is `no_price`, never
 * priced at zero.
 */
export function priceAtOffer(offer: OfferTerms, intervals: EnergyIntervals): PricedEnergy {
  const slotStartsMs = offer.slots.map((slot) => BigInt(slot.fromMs));
  const slotPricesMicro = offer.slots.map((slot, index) => parseMicro(slot.price, `slots[${index}].price`, 0n, ENERGY_PRICE_MICRO_MAX));
  const seriesToMs = BigInt(offer.slots[offer.slots.length - 1]!.toMs);
  const values: ExactMicro[] = [];
  let totalMWh = 0n;
  intervals.energyMWh.forEach((energy, index) => {
    if (energy === 0n) return;
    const intervalStartMs = intervals.start[index]!;
    // Slots are sorted and contiguous: the last one starting at or before the interval holds it.
    const slot = slotStartsMs.filter((fromMs) => fromMs <= intervalStartMs).length - 1;
    if (slot < 0 || intervalStartMs >= seriesToMs) {
      throw new GridsettleError('no_price', `energy in the interval starting ${intervalStartMs} lies outside offer ${offer.id}'s slots [${slotStartsMs[0]}, ${seriesToMs})`);
    }
    values.push(energyValue(energy, slotPricesMicro[slot]!));
    totalMWh += energy;
  });
  const amountMicro = postingAmount({ ...sumExact(values), unit: minorUnitOf(offer.currency) });
  return { energyMWh: totalMWh, amountMicro, amount: formatMinorAmount(amountMicro, offer.currency) };
}

/**
 * Offers for one vehicle, best first: offers whose slots deliver the whole
 * desired energy before those that cannot; then, charging, the lowest
 * expected cost, discharging, the highest expected revenue; ties by offer
 * id in ascending (bytewise) order.
 */
export function rankQuotes<T extends Quote>(quotes: readonly T[], mode: SessionMode): T[] {
  const cheaperFirst = mode === 'charge' ? 1 : -1;
  return [...quotes].sort((a, b) => {
    if (a.coversDesiredEnergy !== b.coversDesiredEnergy) return a.coversDesiredEnergy ? -1 : 1;
    if (a.amountMicro !== b.amountMicro) return (a.amountMicro < b.amountMicro ? -1 : 1) * cheaperFirst;
    return a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0;
  });
}
