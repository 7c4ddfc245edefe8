// Every limit of SPEC §1 and §4 in one place. A limit can be configured
// down, never up; exceeding one is `limit_exceeded` naming the constant.

export const REGISTER_MWH_MAX_EXCLUSIVE = 2n ** 53n;
export const READING_TIME_MS_MAX_EXCLUSIVE = 253_402_300_800_000n;

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;
export const INTERVAL_MS_DEFAULT = 900_000;

export const MAX_POWER_W_MIN = 1;
export const MAX_POWER_W_MAX = 100_000_000;
export const MAX_POWER_W_DEFAULT = 250_000;

export const MAX_GAP_MS_MIN = 1;
export const MAX_GAP_MS_MAX = 2_678_400_000;
export const MAX_GAP_MS_DEFAULT = MAX_GAP_MS_MAX;

/** Energy, dynamic and export prices, in µ per kWh (±100 per kWh). */
export const ENERGY_PRICE_MICRO_MAX = 100_000_000n;
/** `pricePerKW` and `fixedPerDay`, in µ (0 … 10 000). */
export const DEMAND_FIXED_PRICE_MICRO_MAX = 10_000_000_000n;
/** Tax rates, in ppm (0 … 1). */
export const TAX_RATE_PPM_MAX = 1_000_000n;

/** Readings per aggregation call (JSON or columns). */
export const AGGREGATION_READINGS_MAX = 50_000_000;
/** Intervals in one billing period: a leap year of 1-minute intervals. */
export const BILLING_PERIOD_SLOTS_MAX = 527_040;
/** Tiers per period, periods per tariff, entries of a dynamic series, taxes per tariff. */
export const TARIFF_TIERS_MAX = 16;
export const TARIFF_PERIODS_MAX = 32;
export const TARIFF_DYNAMIC_PRICES_MAX = 100_000;
export const TARIFF_TAXES_MAX = 16;
export const TARIFF_HOLIDAYS_MAX = 1_000;

// Battery sharing (SPEC §4).
export const SHARE_ENERGY_MWH_MAX = 1_000_000_000n;
export const SHARE_DURATION_MS_MIN = 1_000n;
export const SHARE_DURATION_MS_MAX = 2_678_400_000n;
export const SHARE_CAPACITY_MWH_MAX = 1_000_000_000_000n;
export const SHARE_PRICE_MICRO_MAX = 100_000_000n;
export const SHARE_ALPHA_BETA_PPM_MAX = 10_000_000n;
export const SHARE_CREF_PPM_MAX = 1_000_000_000n;
export const SHARE_OCCUPANTS_MAX = 64;
export const SHARE_OCCUPANT_SHARE_MAX = 1_000_000n;
export const SHARE_CRATE_PPM_MAX = 1_000_000_000n;
export const SHARE_DOD_PPM_MAX = 10_000_000n;

/** CLI stdin, bytes. */
export const CLI_INPUT_BYTES_MAX = 512 * 1024 * 1024;
