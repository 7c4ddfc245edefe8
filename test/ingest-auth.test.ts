import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveIngestLimits } from '../host/ingest/ingest-limits.js';
import { signBatch, verifyBatchSignature } from '../host/ingest/signature.js';
import { assertFreshTimestamp } from '../host/ingest/timestamp.js';
import { INGEST_CLOCK_SKEW_MS } from '../host/limits.js';
import { assertBatchError, jsonBody, NOW_MS } from './ingest-helpers.js';

const SECRET = 'gw-secret-example';
const TIMESTAMP = '1767225600000';
const BODY = jsonBody('{"v":1,"seq":1,"frames":[{"m":"meter-0001","t":1767225600000,"i":1234567}]}');
// Cross-checked with `openssl dgst -sha256 -hmac`; the same vector is in docs/ingest.md.
const BODY_SIGNATURE = 'sha256=d8712e3351000307034b7da696070366f0af984cbcd9b66af5dcdcccc852ea10';

describe('SPEC §6 x-signature: sha256=<hex HMAC-SHA256(secret, x-timestamp + "." + body)>', () => {
  it('signs the documented example to its known digest', () => {
    assert.equal(signBatch(SECRET, TIMESTAMP, BODY), BODY_SIGNATURE);
  });

  it('a signature verifies against the same secret, timestamp and body', () => {
    assert.equal(verifyBatchSignature(SECRET, TIMESTAMP, BODY, BODY_SIGNATURE), true);
    assert.equal(verifyBatchSignature(Buffer.from(SECRET), TIMESTAMP, BODY, BODY_SIGNATURE), true);
  });

  it('hex digits are accepted in either case', () => {
    assert.equal(verifyBatchSignature(SECRET, TIMESTAMP, BODY, `sha256=${BODY_SIGNATURE.slice(7).toUpperCase()}`), true);
  });

  it('one flipped body byte fails', () => {
    for (const position of [0, BODY.length >> 1, BODY.length - 1]) {
      const tampered = Uint8Array.from(BODY);
      tampered[position]! ^= 0x01;
      assert.equal(verifyBatchSignature(SECRET, TIMESTAMP, tampered, BODY_SIGNATURE), false);
    }
  });

  it('another timestamp fails, so a captured body cannot be replayed later', () => {
    assert.equal(verifyBatchSignature(SECRET, '1767225600001', BODY, BODY_SIGNATURE), false);
  });

  it('another secret fails', () => {
    assert.equal(verifyBatchSignature('gw-secret-other', TIMESTAMP, BODY, BODY_SIGNATURE), false);
  });

  const malformed: Array<[string, string | string[] | undefined]> = [
    ['a missing header', undefined],
    ['a repeated header', [BODY_SIGNATURE, BODY_SIGNATURE]],
    ['an empty header', ''],
    ['no sha256= prefix', BODY_SIGNATURE.slice(7)],
    ['another algorithm name', BODY_SIGNATURE.replace('sha256=', 'sha512=')],
    ['a digest one hex digit short', BODY_SIGNATURE.slice(0, -1)],
    ['a digest one hex digit long', `${BODY_SIGNATURE}0`],
    ['a non-hex digit', `${BODY_SIGNATURE.slice(0, -1)}g`],
    ['surrounding whitespace', ` ${BODY_SIGNATURE}`],
  ];
  for (const [name, header] of malformed) {
    it(`${name} is false, not an exception`, () => {
      assert.equal(verifyBatchSignature(SECRET, TIMESTAMP, BODY, header), false);
    });
  }

  it('a missing or repeated x-timestamp is false', () => {
    assert.equal(verifyBatchSignature(SECRET, undefined, BODY, BODY_SIGNATURE), false);
    assert.equal(verifyBatchSignature(SECRET, [TIMESTAMP, TIMESTAMP], BODY, BODY_SIGNATURE), false);
  });
});

describe('SPEC §6 x-timestamp: epoch ms within ±300 s of server time, else 401 stale_timestamp', () => {
  it('exactly ±300 000 ms from now is accepted and returned', () => {
    assert.equal(assertFreshTimestamp(String(NOW_MS + INGEST_CLOCK_SKEW_MS), NOW_MS), NOW_MS + INGEST_CLOCK_SKEW_MS);
    assert.equal(assertFreshTimestamp(String(NOW_MS - INGEST_CLOCK_SKEW_MS), NOW_MS), NOW_MS - INGEST_CLOCK_SKEW_MS);
  });

  it('one millisecond further either way is stale, naming the limit', () => {
    for (const offsetMs of [INGEST_CLOCK_SKEW_MS + 1, -INGEST_CLOCK_SKEW_MS - 1]) {
      assertBatchError(() => assertFreshTimestamp(String(NOW_MS + offsetMs), NOW_MS), 'stale_timestamp', 401, /INGEST_CLOCK_SKEW_MS/);
    }
  });

  const malformed: Array<[string, string | string[] | undefined]> = [
    ['missing', undefined],
    ['repeated', [String(NOW_MS), String(NOW_MS)]],
    ['empty', ''],
    ['signed', `+${NOW_MS}`],
    ['fractional', `${NOW_MS}.0`],
    ['in seconds-with-exponent form', '1.7672256e12'],
    ['hexadecimal', '0x19b6f2b7400'],
    ['padded with a space', ` ${NOW_MS}`],
    ['17 digits long', '1'.repeat(17)],
  ];
  for (const [name, header] of malformed) {
    it(`a header that is ${name} is stale_timestamp`, () => {
      assertBatchError(() => assertFreshTimestamp(header, NOW_MS), 'stale_timestamp', 401);
    });
  }

  it('a skew configured down is enforced', () => {
    const limits = resolveIngestLimits({ clockSkewMs: 1_000 });
    assert.equal(assertFreshTimestamp(String(NOW_MS - 1_000), NOW_MS, limits), NOW_MS - 1_000);
    assertBatchError(() => assertFreshTimestamp(String(NOW_MS - 1_001), NOW_MS, limits), 'stale_timestamp', 401);
  });
});
