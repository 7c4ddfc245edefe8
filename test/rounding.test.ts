import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { roundHalfEven } from '../host/exact.js';
import { kernels } from '../host/engine/wasm.js';

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
});
