// S8 rules without HTTP (host/flows/d2d-rules.ts): the delivered energy is
// the lesser of sent and received (SPEC §8), paid at the agreed price rounded
// once, half to even, to the currency's minor unit (SPEC §1); the rest of the
// export is loss, import beyond the export is flagged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkWindow, d2dFigures } from '../host/flows/d2d-rules.js';
import { GridsettleError } from '../host/errors.js';

const codeOf = (action: () => void): string | null => {
  try {
    action();
    return null;
  } catch (error) {
    return error instanceof GridsettleError ? error.code : 'other';
  }
};

describe('S8 settlement figures', () => {
  it('received below sent: the received energy is delivered and the difference is loss', () => {
    const figures = d2dFigures(1_200_000n, 1_140_000n, 250_000n, 'EUR');
    assert.deepEqual(
      [figures.deliveredMWh, figures.lossMWh, figures.excessReceivedMWh], [1_140_000n, 60_000n, 0n],
    );
  });

  it("received above sent: the sender's figure is delivered, no loss, the excess flagged", () => {
    const figures = d2dFigures(300_000n, 320_000n, 250_000n, 'EUR');
    assert.deepEqual([figures.deliveredMWh, figures.lossMWh, figures.excessReceivedMWh], [300_000n, 0n, 20_000n]);
  });

  it('the amount is rounded half to even to the cent: 28.5 cents → 28, 7.5 cents → 8', () => {
    assert.equal(d2dFigures(1_140_000n, 1_140_000n, 250_000n, 'EUR').amountMicro, 280_000n);
    assert.equal(d2dFigures(300_000n, 300_000n, 250_000n, 'EUR').amountMicro, 80_000n);
  });

  it('the amount is rounded once: 14 999.6 µ is 1 cent (rounding to µ first would make it 1.5 cents, then 2)', () => {
    assert.equal(d2dFigures(149_996n, 149_996n, 100_000n, 'EUR').amountMicro, 10_000n);
  });

  it("the minor unit follows the currency's ISO 4217 exponent: JPY rounds to whole yen, KWD to fils", () => {
    // 10 kWh at 25.5 per kWh = 255 exactly; 3 Wh at 0.5 per kWh = 0.0015 → 0.002 (half to even).
    assert.equal(d2dFigures(10_000_000n, 10_000_000n, 25_500_000n, 'JPY').amountMicro, 255_000_000n);
    assert.equal(d2dFigures(3_000n, 3_000n, 500_000n, 'KWD').amountMicro, 2_000n);
  });

  it('nothing delivered, nothing paid', () => {
    assert.equal(d2dFigures(0n, 5n, 250_000n, 'EUR').amountMicro, 0n);
  });
});

describe('S8 transfer window', () => {
  it('a window is non-empty and on the minute grid (invalid_input), at most D2D_WINDOW_MS_MAX long (limit_exceeded)', () => {
    assert.equal(codeOf(() => checkWindow(0, 60_000)), null);
    assert.equal(codeOf(() => checkWindow(0, 604_800_000)), null);
    assert.equal(codeOf(() => checkWindow(60_000, 60_000)), 'invalid_input');
    assert.equal(codeOf(() => checkWindow(1, 60_000)), 'invalid_input');
    assert.equal(codeOf(() => checkWindow(0, 90_000)), 'invalid_input');
    assert.equal(codeOf(() => checkWindow(0, 604_860_000)), 'limit_exceeded');
  });
});
