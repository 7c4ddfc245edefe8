// The one `roundHalfEven` of the TypeScript side (SPEC §1), on bigint.
// Tests hold it against the WASM one; the references and the host use it.
// Also the one checked way from bigint to number (safeNumber).
import { limitExceeded } from './errors.js';
import { SAFE_INTEGER_MAX } from './limits.js';

/** rhe(n / d), round half to even, symmetric; d > 0. */
export function roundHalfEven(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('roundHalfEven: divisor must be positive');
  const magnitude = n < 0n ? -n : n;
  let quotient = magnitude / d;
  const remainder = magnitude - quotient * d;
  const twice = remainder * 2n;
  if (twice > d || (twice === d && (quotient & 1n) === 1n)) quotient += 1n;
  return n < 0n ? -quotient : quotient;
}

/** floor(n / d) for d > 0 (bigint division truncates toward zero). */
export function floorDiv(n: bigint, d: bigint): bigint {
  const quotient = n / d;
  return n < 0n && quotient * d !== n ? quotient - 1n : quotient;
}

/**
 * A bigint as a JS number, exactly: `limit_exceeded` (SAFE_INTEGER_MAX)
 * outside ±(2^53 − 1), where a number could no longer hold it. `name` says
 * which quantity, for the message.
 */
export function safeNumber(value: bigint, name: string): number {
  if (value > SAFE_INTEGER_MAX || value < -SAFE_INTEGER_MAX) {
    throw limitExceeded('SAFE_INTEGER_MAX', `${name} ${value} is outside ±${SAFE_INTEGER_MAX}, beyond what a number holds exactly`);
  }
  return Number(value);
}
