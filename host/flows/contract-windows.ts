// Periods and settlement windows of the metered contracts (S2 PPAs, S7 P2P
// contracts). A contract's period lies on the 15-minute interval grid of
// SPEC §2, and is cut into windows of `windowMs` from its start (the last
// one ends at the period's end): a window is settled as a whole, once, after
// it has ended, so no two settlements of one contract can overlap.
import { invalidInput, limitExceeded } from '../errors.js';
import { FLOW_CONTRACT_WINDOWS_MAX, INTERVAL_MS_DEFAULT } from '../limits.js';
import { FlowError } from './errors.js';

export interface ContractPeriod {
  fromMs: number;
  toMs: number;
  windowMs: number;
}

export interface SettlementWindow {
  from: number;
  to: number;
}

/** Checks a new contract's period and window length (invalid_input, limit_exceeded). */
export function checkContractPeriod({ fromMs, toMs, windowMs }: ContractPeriod): void {
  if (toMs <= fromMs) throw invalidInput(`period.to ${toMs} must be after period.from ${fromMs}`);
  if (fromMs % INTERVAL_MS_DEFAULT !== 0 || toMs % INTERVAL_MS_DEFAULT !== 0) {
    throw invalidInput(`the period's bounds must lie on the ${INTERVAL_MS_DEFAULT} ms interval grid (SPEC §2)`);
  }
  if (windowMs <= 0 || windowMs % INTERVAL_MS_DEFAULT !== 0) {
    throw invalidInput(`windowMs ${windowMs} must be a positive multiple of the ${INTERVAL_MS_DEFAULT} ms interval`);
  }
  // Remainders of safe integers are exact; a float quotient near an integer is not.
  const spanMs = toMs - fromMs;
  const windows = (spanMs - (spanMs % windowMs)) / windowMs + (spanMs % windowMs > 0 ? 1 : 0);
  if (windows > FLOW_CONTRACT_WINDOWS_MAX) {
    throw limitExceeded('FLOW_CONTRACT_WINDOWS_MAX', `the period holds ${windows} windows of ${windowMs} ms, more than ${FLOW_CONTRACT_WINDOWS_MAX}`);
  }
}

/** Checks that `window` is one of the contract's windows and has ended by `nowMs`. */
export function checkWindow(period: ContractPeriod, window: SettlementWindow, nowMs: number): void {
  if (window.from < period.fromMs || window.to > period.toMs) {
    throw new FlowError('window_outside_period', `window [${window.from}, ${window.to}) is not inside the period [${period.fromMs}, ${period.toMs})`);
  }
  const aligned = (window.from - period.fromMs) % period.windowMs === 0;
  if (!aligned || window.to !== Math.min(window.from + period.windowMs, period.toMs)) {
    throw new FlowError('window_misaligned', `window [${window.from}, ${window.to}) is not a window of ${period.windowMs} ms from ${period.fromMs}`);
  }
  if (window.to > nowMs) throw new FlowError('window_open', `window [${window.from}, ${window.to}) has not ended yet`);
}
