import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { roundHalfEven } from '../host/exact.js';
import { GridsettleError } from '../host/errors.js';
import { exactMulDiv, kernels } from '../host/engine/wasm.js';
import { EXACT_HELPER_RESULT_MAX } from '../host/limits.js';

const I64_MAX = 2n ** 63n - 1n;

describe('SPEC §1 rounding: rhe, round half to even, symmetric', () => {
  it('rounds ties to the even neighbour and is symmetric', () => {
    assert.equal(roundHalfEven(5n, 2n), 2n);
    assert.equal(roundHalfEven(7n, 2n), 4n);
    assert.equal(roundHalfEven(-5n, 2n), -2n);
    assert.equal(roundHalfEven(-7n, 2n), -4n);
    assert.equal(roundHalfEven(1_500_001n, 1_000_000n), 2n);
    assert.equal(roundHalfEven(1_499_999n, 1_000_000n), 1n);
  });

  it('the WASM roundHalfEven equals the TypeScript one on random operands', () => {
    const wasm = kernels();
    fc.assert(
      fc.property(fc.bigInt(-I64_MAX, I64_MAX), fc.bigInt(1n, I64_MAX), (n, d) => {
        assert.equal(wasm.roundHalfEven(n, d), roundHalfEven(n, d));
      }),
      { numRuns: 5_000 },
    );
  });

  it('the WASM mulDivHalfEven is exact past 2^63 intermediates', () => {
    const wasm = kernels();
    fc.assert(
      fc.property(
        fc.bigInt(-(2n ** 62n), 2n ** 62n),
        fc.bigInt(-(2n ** 40n), 2n ** 40n),
        fc.bigInt(1n, I64_MAX),
        (a, b, c) => {
          const expected = roundHalfEven(a * b, c);
          fc.pre(expected <= I64_MAX && expected >= -I64_MAX);
          assert.equal(wasm.mulDivHalfEven(a, b, c), expected);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('the WASM mulDivFloor is exact past 2^63 intermediates', () => {
    const wasm = kernels();
    fc.assert(
      fc.property(fc.bigInt(0n, I64_MAX), fc.bigInt(0n, 2n ** 40n), fc.bigInt(1n, I64_MAX), (a, b, c) => {
        const expected = (a * b) / c;
        fc.pre(expected <= I64_MAX);
        assert.equal(wasm.mulDivFloor(a, b, c), expected);
      }),
      { numRuns: 5_000 },
    );
  });

  // docs/wasm.md: past i64 (or outside the domain) the helpers return MULDIV_OUT_OF_RANGE, never a wrapped value.
  const max = EXACT_HELPER_RESULT_MAX;
  function assertExactOrOutOfRange(helper: 'mulDivHalfEven' | 'mulDivFloor', a: bigint, b: bigint, c: bigint): void {
    const expected = helper === 'mulDivHalfEven' ? roundHalfEven(a * b, c) : (a * b) / c;
    if (expected <= max && expected >= -max) {
      assert.equal(exactMulDiv(helper, a, b, c), expected);
      return;
    }
    assert.throws(() => exactMulDiv(helper, a, b, c), (error: unknown) =>
      error instanceof GridsettleError && error.code === 'limit_exceeded' && /^EXACT_HELPER_RESULT_MAX/.test(error.message));
  }

  it('mulDivHalfEven gives the largest exact result and reports the first past i64 (2^62 × 8 / 2 does not wrap to 0)', () => {
    const cases: Array<[bigint, bigint, bigint]> = [
      [max, 1n, 1n], [-max, 1n, 1n], [max, 4n, 4n], [-max, 4n, 4n], // largest: 2^63 − 1, through the 128-bit path too
      [2n ** 62n, 8n, 2n], [2n ** 62n, 2n, 1n], [-(2n ** 62n), 2n, 1n], // 2^64 and 2^63: the first past i64
      // (2^64 − 1) / 2 = 2^63 − 0.5, a tie rounded to the even 2^63: the rounding step itself passes i64.
      [2n ** 32n + 1n, 2n ** 32n - 1n, 2n],
      [2n ** 32n + 1n, 2n ** 32n - 3n, 2n], // (2^64 − 2^33 − 3)/2 stays inside
    ];
    for (const [a, b, c] of cases) assertExactOrOutOfRange('mulDivHalfEven', a, b, c);
    assert.throws(() => exactMulDiv('mulDivHalfEven', 2n ** 62n, 8n, 2n), /EXACT_HELPER_RESULT_MAX/);
    assert.throws(() => exactMulDiv('mulDivHalfEven', 1n, 1n, 0n), /EXACT_HELPER_RESULT_MAX/);
  });

  it('mulDivFloor gives the largest exact result and reports the first past i64 (2^62 × 4 / 1 does not wrap to 0)', () => {
    const cases: Array<[bigint, bigint, bigint]> = [
      [max, 1n, 1n], [max, 2n, 2n], [max, 3n, 3n], [2n ** 62n - 1n, 2n, 1n], [2n ** 62n, 2n, 1n], [2n ** 62n, 4n, 1n], [max, max, max], [max, max, max - 1n],
    ];
    for (const [a, b, c] of cases) assertExactOrOutOfRange('mulDivFloor', a, b, c);
    assert.throws(() => exactMulDiv('mulDivFloor', 2n ** 62n, 4n, 1n), /EXACT_HELPER_RESULT_MAX/);
    for (const [a, b, c] of [[-1n, 1n, 1n], [1n, -1n, 1n], [1n, 1n, 0n]] as const) {
      assert.throws(() => exactMulDiv('mulDivFloor', a, b, c), /EXACT_HELPER_RESULT_MAX/);
    }
  });

  it('both helpers are exact or report out of range, never wrap, on random operands around 2^63', () => {
    fc.assert(
      fc.property(fc.bigInt(-I64_MAX, I64_MAX), fc.bigInt(-I64_MAX, I64_MAX), fc.bigInt(1n, I64_MAX), (a, b, c) => {
        assertExactOrOutOfRange('mulDivHalfEven', a, b, c);
        if (a >= 0n && b >= 0n) assertExactOrOutOfRange('mulDivFloor', a, b, c);
      }),
      { numRuns: 5_000 },
    );
  });
});
