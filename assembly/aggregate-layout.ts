// The aggregation kernel's flag bits, limits and parameter-block slots
// (docs/wasm-aggregate.md); internal to the kernel, not WASM exports.

export const FLAG_ESTIMATED: i32 = 1;
export const FLAG_RESET: i32 = 2;
export const FLAG_SPIKE: i32 = 4;
export const FLAG_GAP: i32 = 8;
/** Unassigned kind byte: bit 0 export channel, bit 1 spike (else gap). */
export const KIND_EXPORT: i32 = 1;
export const KIND_SPIKE: i32 = 2;

export const TIME_MS_MAX_EXCLUSIVE: u64 = 253_402_300_800_000;
export const REGISTER_MWH_MAX_EXCLUSIVE: u64 = 1 << 53;
export const DAY_MS: i64 = 86_400_000;
export const MINUTE_MS: i64 = 60_000;
export const MAX_POWER_W_MAX: i64 = 100_000_000;
export const MAX_GAP_MS_MAX: i64 = 2_678_400_000;
// Spike test d·3600 > P·Δt without a division: P·Δt ≤ 10^8 · 2 678 400 000
// < 2^58 (Δt ≤ maxGapMs when it runs), so every d ≥ 2^51 is a spike
// (2^51 > P·Δt / 3600). Clamping d to 2^51 keeps d·3600 ≤ 2^51·3600 < 2^63
// and leaves the comparison's outcome unchanged.
export const SPIKE_CLAMP_MWH: i64 = 1 << 51;

// Parameter block slots (i64 each); see docs/wasm-aggregate.md.
export const P_READINGS = 0, P_METER = 1, P_TIME = 2, P_IMPORT = 3, P_EXPORT = 4;
export const P_INTERVAL = 5, P_MAX_POWER = 6, P_MAX_GAP = 7;
export const P_ROWS = 8, P_ROW_METER = 9, P_ROW_START = 10, P_ROW_IMPORT = 11, P_ROW_EXPORT = 12, P_ROW_FLAGS = 13;
export const P_SCRATCH_ROWS = 14, P_SCRATCH_START = 15, P_SCRATCH_ENERGY = 16, P_SCRATCH_FLAGS = 17;
// Entry regions: capacity, [meter,] then from, to, energy, kind in consecutive slots.
export const P_UNASSIGNED = 18, P_UN_METER = 19, P_UN_FROM = 20, P_UN_KIND = 23;
export const P_SCRATCH_UN = 24, P_SCRATCH_UN_FROM = 25;
export const R_ROW_COUNT = 29, R_UNASSIGNED_COUNT = 30, R_SCRATCH_ROWS_NEEDED = 31, R_SCRATCH_UN_NEEDED = 32, R_ERROR_INDEX = 33;
