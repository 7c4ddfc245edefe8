// Prices of the contract flows (S2, S7, S9): one quantity at one price, its
// amount posted by the SPEC §5 posting rule (host/ledger/posting.ts), so both
// parties can recompute every amount from the record alone.
import { formatMinimal, parseMicro } from '../decimal.js';
import { ENERGY_PRICE_MICRO_MAX } from '../limits.js';

/** A contract price per kWh: a decimal string 0 … 100 (SPEC §1 energy price range, no negatives). */
export function parseEnergyPrice(price: unknown, field: string): bigint {
  return parseMicro(price, field, 0n, ENERGY_PRICE_MICRO_MAX);
}

/** A price per kWh in µ as the SPEC §1 decimal string of its record ("0.0853"). */
export function formatEnergyPrice(priceMicroPerKWh: bigint): string {
  return formatMinimal(priceMicroPerKWh, 6);
}

