// The tariff kernel's status codes (assembly/tariff.ts) and the error each
// becomes. The reference and the benchmark variants return the same codes.
import { GridsettleError, invalidInput, limitExceeded } from '../errors.js';
import { READING_TIME_MS_MAX_EXCLUSIVE } from '../limits.js';

export const PRICE_OK = 0;
export const PRICE_MISALIGNED = 1;
export const PRICE_OUTSIDE_PERIOD = 2;
export const PRICE_DUPLICATE = 3;
export const PRICE_NEGATIVE_ENERGY = 4;
export const PRICE_ENERGY_TOO_LARGE = 5;
export const PRICE_BAD_FLAGS = 6;
export const PRICE_PERIOD_ENERGY_LIMIT = 7;
export const PRICE_NO_PRICE = 8;

/** The error for a failed status; `intervalIndex` is the offending interval in input order. */
export function pricingError(status: number, intervalIndex: number, startMs: bigint): GridsettleError {
  const which = `interval ${intervalIndex} (start ${startMs})`;
  switch (status) {
    case PRICE_MISALIGNED:
      return invalidInput(`${which} does not start on the intervalMs grid`);
    case PRICE_OUTSIDE_PERIOD:
      // A start past year 10000 is outside any period, but first an integer out of its range (SPEC §1).
      if (startMs >= READING_TIME_MS_MAX_EXCLUSIVE) return limitExceeded('READING_TIME_MS_MAX_EXCLUSIVE', `${which} starts at or after year 10000`);
      return invalidInput(`${which} does not start inside the billing period [from, to)`);
    case PRICE_DUPLICATE:
      return invalidInput(`${which} repeats an earlier interval's start`);
    case PRICE_NEGATIVE_ENERGY:
      return invalidInput(`${which} has negative energy`);
    case PRICE_ENERGY_TOO_LARGE:
      return limitExceeded('INTERVAL_ENERGY_MWH_MAX_EXCLUSIVE', `${which} has energy ≥ 2^53 mWh`);
    case PRICE_BAD_FLAGS:
      return invalidInput(`${which} has flags outside the bitset 0 … 15`);
    case PRICE_PERIOD_ENERGY_LIMIT:
      return limitExceeded('BILLING_PERIOD_ENERGY_MWH_MAX', `import or export of the billing period reaches 2^56 mWh at ${which}`);
    case PRICE_NO_PRICE:
      return new GridsettleError('no_price', `${which} has import but no energy or dynamic price in force`);
    default:
      throw new Error(`tariff kernel returned unknown status ${status}`);
  }
}
