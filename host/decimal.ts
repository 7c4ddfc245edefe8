// Decimal strings at the edge (SPEC §1): parsed into integers scaled by
// 10^6 (µ, ppm) and printed back, exactly. Nothing is ever rounded here.
import { GridsettleError } from './errors.js';

/** SPEC §1 decimal strings: at most 6 decimals, no exponent, sign, whitespace or bare point. */
export const DECIMAL_PATTERN = /^-?[0-9]+(\.[0-9]{1,6})?$/;
export const MICRO_PER_UNIT = 1_000_000n;

/**
 * Parses `value` as a decimal string into units of 10^-6 and checks
 * `min ≤ result ≤ max`; anything else is `invalid_amount`.
 */
export function parseMicro(value: unknown, field: string, min: bigint, max: bigint): bigint {
  if (typeof value !== 'string') {
    throw new GridsettleError('invalid_amount', `${field} must be a decimal string like "0.2534", got ${describe(value)}`);
  }
  if (!DECIMAL_PATTERN.test(value)) {
    throw new GridsettleError('invalid_amount', `${field} "${value}" is not a decimal string with at most 6 decimals`);
  }
  const micro = microOfDecimal(value);
  if (micro < min || micro > max) {
    throw new GridsettleError(
      'invalid_amount',
      `${field} "${value}" is out of range ${formatMinimal(min, 6)} … ${formatMinimal(max, 6)}`,
    );
  }
  return micro;
}

/** A string already matching DECIMAL_PATTERN, in units of 10^-6, exactly. */
export function microOfDecimal(value: string): bigint {
  const negative = value.startsWith('-');
  const [whole, fraction = ''] = (negative ? value.slice(1) : value).split('.');
  const magnitude = BigInt(whole!) * MICRO_PER_UNIT + BigInt(fraction.padEnd(6, '0'));
  return negative ? -magnitude : magnitude;
}

function describe(value: unknown): string {
  if (typeof value === 'number') return `the JSON number ${value}`;
  return value === undefined ? 'nothing' : JSON.stringify(value) ?? typeof value;
}

/** `value / 10^scale` with exactly `scale` decimals ("12.340000", "-0.16", "1234"). */
export function formatFixed(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  const text = scale === 0 ? whole : `${whole}.${fraction}`;
  return negative ? `-${text}` : text;
}

/** A µ amount: exactly 6 decimals. */
export function formatMicro(micro: bigint): string {
  return formatFixed(micro, 6);
}

/** `value / 10^scale` in minimal form ("1.5", "0.000123", "22"). */
export function formatMinimal(value: bigint, scale: number): string {
  const text = formatFixed(value, scale);
  return scale === 0 ? text : text.replace(/\.?0+$/, '');
}
