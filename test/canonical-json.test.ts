import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson } from '../host/ledger/canonical-json.js';

describe('SPEC §5 ledger leaves: RFC 8785 canonical JSON', () => {
  it('sorts keys by UTF-16 code units at every depth and drops whitespace (RFC 8785 §3.2.3)', () => {
    // RFC 8785 §3.2.3 sorting example: "\r" < "1" < "\u0080" < "ö" < "€" < "😀" < "ﬂ".
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    const text = canonicalJson(input);
    const positions = ['\\r', '"1"', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'].map((key) => text.indexOf(key));
    assert.ok(positions.every((position) => position > 0));
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
    assert.equal(canonicalJson({ b: [1, { d: true, c: null }], a: 'x' }), '{"a":"x","b":[1,{"c":null,"d":true}]}');
  });

  it('writes numbers in the ECMAScript shortest form (RFC 8785 §3.2.2.3)', () => {
    assert.equal(canonicalJson([1e30, 4.5, 0.002, 1e-7, -0, 333333333.3333333]), '[1e+30,4.5,0.002,1e-7,0,333333333.3333333]');
  });

  it('escapes strings minimally (RFC 8785 §3.2.2.2)', () => {
    assert.equal(canonicalJson('\u20ac$\u000f\nA\'B"\\\\"/'), '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"');
  });

  it('refuses what has no canonical form: lone surrogates, NaN, undefined, bigint', () => {
    assert.throws(() => canonicalJson('\ud800'), TypeError);
    assert.throws(() => canonicalJson(Number.NaN), TypeError);
    assert.throws(() => canonicalJson(undefined), TypeError);
    assert.throws(() => canonicalJson(1n), TypeError);
  });

  it('is stable under key order: two orderings of one record give one canonical form', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        assert.equal(canonicalJson(reversed), canonicalJson(record));
        assert.deepEqual(JSON.parse(canonicalJson(record)), JSON.parse(JSON.stringify(record)));
      }),
    );
  });
});
