// Exact integer rounding, the one `roundHalfEven` of the WASM side (SPEC §1).
// Every money formula is `rhe(a × b / c)` rounded once; products that can
// pass 2^63 take the 128-bit path below instead of wrapping.

// rhe(n / c) for n ≥ 0, c > 0. `r > c − r` avoids computing 2r, which could
// overflow when c is near 2^64.
@inline
function divHalfEvenUnsigned(n: u64, c: u64): u64 {
  const q = n / c;
  const r = n - q * c;
  const rest = c - r;
  return r > rest || (r == rest && (q & 1) != 0) ? q + 1 : q;
}

/** Round half to even, symmetric: rhe(n / c) with c > 0. */
export function roundHalfEven(n: i64, c: i64): i64 {
  assert(c > 0, "roundHalfEven: divisor must be positive");
  if (n >= 0) return <i64>divHalfEvenUnsigned(<u64>n, <u64>c);
  return -<i64>divHalfEvenUnsigned(<u64>(-n), <u64>c);
}

// (hi, lo) of the 128-bit product of two u64, by 32-bit limbs.
let productHigh: u64 = 0;

@inline
function multiplyWide(a: u64, b: u64): u64 {
  const aLow = a & 0xffffffff;
  const aHigh = a >> 32;
  const bLow = b & 0xffffffff;
  const bHigh = b >> 32;
  const lowLow = aLow * bLow;
  const highLow = aHigh * bLow;
  const lowHigh = aLow * bHigh;
  const highHigh = aHigh * bHigh;
  const middle = (lowLow >> 32) + (highLow & 0xffffffff) + (lowHigh & 0xffffffff);
  productHigh = highHigh + (highLow >> 32) + (lowHigh >> 32) + (middle >> 32);
  return (middle << 32) | (lowLow & 0xffffffff);
}

// floor((hi·2^64 + lo) / c) by shift-subtract long division, leaving the
// remainder in `wideRemainder`; the caller guarantees the quotient fits in
// 64 bits (hi < c). Only reached when a product passes 2^64, which the
// SPEC's ranges make rare.
let wideRemainder: u64 = 0;

function divideWide(hi: u64, lo: u64, c: u64): u64 {
  let remainder: u64 = 0;
  let quotient: u64 = 0;
  for (let bit = 127; bit >= 0; bit--) {
    const carry = remainder >> 63;
    const next = bit >= 64 ? (hi >> <u64>(bit - 64)) & 1 : (lo >> <u64>bit) & 1;
    remainder = (remainder << 1) | next;
    quotient <<= 1;
    if (carry != 0 || remainder >= c) {
      remainder -= c;
      quotient |= 1;
    }
  }
  wideRemainder = remainder;
  return quotient;
}

/**
 * What the exported helpers return instead of a result that does not fit in
 * i64 (or for operands outside their domain): never a valid result, since
 * |rhe(a × b / c)| ≤ i64.MAX and floors here are ≥ 0. The host maps it to
 * `limit_exceeded` (docs/wasm.md).
 */
export const MULDIV_OUT_OF_RANGE: i64 = i64.MIN_VALUE;
const I64_MAX_UNSIGNED: u64 = <u64>i64.MAX_VALUE;

/** rhe(a × b / c) exactly, or MULDIV_OUT_OF_RANGE when c ≤ 0 or the result passes i64. */
export function mulDivHalfEven(a: i64, b: i64, c: i64): i64 {
  if (c <= 0) return MULDIV_OUT_OF_RANGE;
  const negative = (a < 0) != (b < 0);
  const magnitudeA: u64 = <u64>(a < 0 ? -a : a);
  const magnitudeB: u64 = <u64>(b < 0 ? -b : b);
  let result: u64;
  if (clz(magnitudeA) + clz(magnitudeB) >= 64) {
    result = divHalfEvenUnsigned(magnitudeA * magnitudeB, <u64>c);
  } else {
    const lo = multiplyWide(magnitudeA, magnitudeB);
    const hi = productHigh;
    // hi ≥ c means a quotient of 2^64 or more, which the long division would wrap.
    if (hi >= <u64>c) return MULDIV_OUT_OF_RANGE;
    result = hi == 0 ? divHalfEvenUnsigned(lo, <u64>c) : divideWide(hi, lo, <u64>c);
    if (result > I64_MAX_UNSIGNED) return MULDIV_OUT_OF_RANGE;
    if (hi != 0) {
      const rest = <u64>c - wideRemainder;
      if (wideRemainder > rest || (wideRemainder == rest && (result & 1) != 0)) result += 1;
    }
  }
  if (result > I64_MAX_UNSIGNED) return MULDIV_OUT_OF_RANGE;
  return negative ? -<i64>result : <i64>result;
}

/** floor(a × b / c) exactly for a, b ≥ 0, c > 0, or MULDIV_OUT_OF_RANGE outside that domain or past i64. */
export function mulDivFloor(a: i64, b: i64, c: i64): i64 {
  if (a < 0 || b < 0 || c <= 0) return MULDIV_OUT_OF_RANGE;
  const q = a / c;
  const r = a - q * c;
  // q·b is the exact part; r·b < c·b is floored with the wide product when
  // needed, and that tail is < b since r < c.
  if (b != 0 && q > i64.MAX_VALUE / b) return MULDIV_OUT_OF_RANGE;
  const magnitudeR = <u64>r;
  const magnitudeB = <u64>b;
  let tail: u64;
  if (clz(magnitudeR) + clz(magnitudeB) >= 64) {
    tail = (magnitudeR * magnitudeB) / <u64>c;
  } else {
    const lo = multiplyWide(magnitudeR, magnitudeB);
    tail = divideWide(productHigh, lo, <u64>c);
  }
  const exactPart = q * b;
  if (exactPart > i64.MAX_VALUE - <i64>tail) return MULDIV_OUT_OF_RANGE;
  return exactPart + <i64>tail;
}
