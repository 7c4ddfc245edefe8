// The one `roundHalfEven` of the TypeScript side (SPEC §1), on bigint.
// Tests hold it against the WASM one; the references and the host use it.

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
