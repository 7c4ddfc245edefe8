// Money for metered energy in the contract flows (S2, S7, S9): one quantity
// at one price, rounded as a SPEC §3 statement line — the energy part
// rhe(e × p / 10^6) in µ, then half-even to the currency's minor unit — so
// both parties can recompute every amount from the record alone.
import { microPerMinorUnit } from '../currency.js';
import { formatMinimal, parseMicro } from '../decimal.js';
import { roundHalfEven } from '../exact.js';
import { ENERGY_PRICE_MICRO_MAX } from '../limits.js';

const MWH_PER_KWH = 1_000_000n;

/** A contract price per kWh: a decimal string 0 … 100 (SPEC §1 energy price range, no negatives). */
export function parseEnergyPrice(price: unknown, field: string): bigint {
  return parseMicro(price, field, 0n, ENERGY_PRICE_MICRO_MAX);
}

/** A price per kWh in µ as the SPEC §1 decimal string of its record ("0.0853"). */
export function formatEnergyPrice(priceMicroPerKWh: bigint): string {
  return formatMinimal(priceMicroPerKWh, 6);
}

/** The amount in µ (a whole number of minor units) for `energyMWh` at `priceMicroPerKWh`. */
export function energyChargeMicro(energyMWh: bigint, priceMicroPerKWh: bigint, currency: string): bigint {
  if (energyMWh < 0n || priceMicroPerKWh < 0n) throw new RangeError('energyChargeMicro: energy and price must not be negative');
  const partMicro = roundHalfEven(energyMWh * priceMicroPerKWh, MWH_PER_KWH);
  const perMinor = microPerMinorUnit(currency);
  return roundHalfEven(partMicro, perMinor) * perMinor;
}
