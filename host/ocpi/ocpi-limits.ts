// OCPI pricing limits (docs/ocpi.md), in one place like host/limits.ts.
// Counts over a limit are `limit_exceeded` naming the constant; a single
// value outside its range is `invalid_amount` (SPEC §1's rule for decimals).

/** Elements of one tariff (a day-ahead tariff of hourly elements over two days has 48). */
export const OCPI_TARIFF_ELEMENTS_MAX = 1_000;
/** Price components of one element: one per dimension type (ENERGY, FLAT, PARKING_TIME, TIME). */
export const OCPI_PRICE_COMPONENTS_MAX = 4;
/** Tariffs embedded in one CDR. */
export const OCPI_CDR_TARIFFS_MAX = 100;
/** Charging periods of one session (a week of one-minute periods is 10 080). */
export const OCPI_CHARGING_PERIODS_MAX = 100_000;
/** Dimensions of one charging period: one per OCPI CDR dimension type. */
export const OCPI_PERIOD_DIMENSIONS_MAX = 13;
/** A component's `step_size`: seconds for TIME and PARKING_TIME, Wh for ENERGY. */
export const OCPI_STEP_SIZE_MAX = 10_000_000;

/** Session span, period durations and `min/max_duration`, ms (366 days). */
export const OCPI_DURATION_MS_MAX = 31_622_400_000n;
/** Energy of a period, of the session and `min/max_kwh`, mWh (1 GWh). */
export const OCPI_ENERGY_MWH_MAX = 1_000_000_000_000n;
/** Currents (µA) and powers (mW) of periods and restrictions: 10 000 A, 10 000 kW. */
export const OCPI_CURRENT_MICRO_A_MAX = 10_000_000_000n;
export const OCPI_POWER_MILLI_W_MAX = 10_000_000_000n;
/** A component's price and `min/max_price`, µ (10 000 per kWh, per hour or per session). */
export const OCPI_PRICE_MICRO_MAX = 10_000_000_000n;
/** VAT and state of charge, in millionths of a percent (0 … 100 %). */
export const OCPI_PERCENT_MICRO_MAX = 100_000_000n;
/** Any total the pricing produces, µ: keeps every µ figure a safe integer in JSON. */
export const OCPI_COST_MICRO_MAX = 1_000_000_000_000_000n;
