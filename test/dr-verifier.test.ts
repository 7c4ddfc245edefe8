// DR control signals (docs/flows.md "Signal format"): AES-256-GCM under the
// appliance's own key, header as associated data; the verifier refuses a
// malformed, misaddressed, tampered, expired or replayed signal with a
// stable code, and remembers accepted signals only up to its bound.
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { DrSignalVerifier, sealSignal } from '../host/index.js';
import { GridsettleError } from '../host/errors.js';
import { DR_VERIFIER_SEEN_MAX } from '../host/limits.js';

const KEY = new Uint8Array(32).fill(7);
const EXPIRES_AT_MS = 1_767_805_200_000;
const ACK_TOKEN = new Uint8Array(16).fill(3);

function u64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value));
  return bytes;
}

/** The envelope built from the documented layout alone, as a device maker's server-side test vector would be. */
function documentedEnvelope(key: Uint8Array, nonce: Buffer, eventId: string, applianceId: string, reductionW: number): Buffer {
  const header = Buffer.concat([
    Buffer.from([1]), nonce, u64(EXPIRES_AT_MS),
    Buffer.from([eventId.length]), Buffer.from(eventId), Buffer.from([applianceId.length]), Buffer.from(applianceId),
  ]);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(header);
  const plain = Buffer.concat([u64(reductionW), u64(EXPIRES_AT_MS - 3_600_000), u64(EXPIRES_AT_MS), Buffer.from(ACK_TOKEN)]);
  return Buffer.concat([header, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function sealed(eventId = 'ev-1', applianceId = 'a1', key = KEY): Uint8Array {
  return sealSignal(key, { eventId, applianceId, expiresAtMs: EXPIRES_AT_MS }, {
    reductionW: 1501, fromMs: EXPIRES_AT_MS - 3_600_000, toMs: EXPIRES_AT_MS, ackToken: ACK_TOKEN,
  });
}

function flipped(envelope: Uint8Array, index: number): Uint8Array {
  const copy = new Uint8Array(envelope);
  copy[index]! ^= 0x01;
  return copy;
}

describe('DR signal: sealed per appliance, opened once', () => {
  it('an envelope built from the documented layout opens to its command; a sealed one equals it byte for byte with the same nonce', () => {
    const nonce = randomBytes(12);
    const envelope = documentedEnvelope(KEY, nonce, 'ev-1', 'a1', 1501);
    const verdict = new DrSignalVerifier('a1', KEY).open(envelope.toString('base64url'), EXPIRES_AT_MS - 1);
    assert.deepEqual(verdict, {
      ok: true,
      command: {
        eventId: 'ev-1', applianceId: 'a1', reductionW: 1501, fromMs: EXPIRES_AT_MS - 3_600_000, toMs: EXPIRES_AT_MS,
        expiresAtMs: EXPIRES_AT_MS, ackToken: Buffer.from(ACK_TOKEN).toString('base64url'),
      },
    });
    const ours = sealSignal(KEY, { eventId: 'ev-1', applianceId: 'a1', expiresAtMs: EXPIRES_AT_MS, nonce }, {
      reductionW: 1501, fromMs: EXPIRES_AT_MS - 3_600_000, toMs: EXPIRES_AT_MS, ackToken: ACK_TOKEN,
    });
    assert.deepEqual(Buffer.from(ours), envelope);
  });

  it('every seal draws a fresh 96-bit nonce', () => {
    assert.notDeepEqual(sealed().subarray(1, 13), sealed().subarray(1, 13));
  });

  it('a replayed signal is signal_replayed; another signal of the same event (another nonce) is accepted', () => {
    const verifier = new DrSignalVerifier('a1', KEY);
    const envelope = sealed();
    assert.equal(verifier.open(envelope, 0).ok, true);
    assert.deepEqual(verifier.open(envelope, 1), { ok: false, code: 'signal_replayed' });
    assert.equal(verifier.open(sealed(), 2).ok, true);
  });

  it('a changed byte in the header (nonce, expiry, event id), the ciphertext or the tag is signal_tampered, and so is another key', () => {
    const envelope = sealed();
    const headerEnd = 1 + 12 + 8 + 1 + 4 + 1 + 2;
    for (const index of [1, 14, 23, headerEnd, headerEnd + 39, envelope.length - 1]) {
      assert.deepEqual(new DrSignalVerifier('a1', KEY).open(flipped(envelope, index), 0), { ok: false, code: 'signal_tampered' }, `byte ${index}`);
    }
    assert.deepEqual(new DrSignalVerifier('a1', new Uint8Array(32).fill(8)).open(envelope, 0), { ok: false, code: 'signal_tampered' });
  });

  it('a signal at or after its expiry is signal_expired', () => {
    assert.deepEqual(new DrSignalVerifier('a1', KEY).open(sealed(), EXPIRES_AT_MS), { ok: false, code: 'signal_expired' });
  });

  it("another appliance's signal is wrong_appliance; a truncated, mis-versioned or non-base64url one is signal_malformed", () => {
    assert.deepEqual(new DrSignalVerifier('a1', KEY).open(sealed('ev-1', 'a2'), 0), { ok: false, code: 'wrong_appliance' });
    const envelope = sealed();
    const malformed = [envelope.subarray(0, envelope.length - 1), flipped(envelope, 0), 'not base64!', new Uint8Array(0)];
    for (const signal of malformed) assert.deepEqual(new DrSignalVerifier('a1', KEY).open(signal, 0), { ok: false, code: 'signal_malformed' });
  });

  it('the seen-set holds at most seenMax unexpired signals (seen_set_full), forgets expired ones, and cannot pass DR_VERIFIER_SEEN_MAX', () => {
    const verifier = new DrSignalVerifier('a1', KEY, 2);
    assert.equal(verifier.open(sealed('e1'), 0).ok, true);
    assert.equal(verifier.open(sealed('e2'), 0).ok, true);
    assert.deepEqual(verifier.open(sealed('e3'), 0), { ok: false, code: 'seen_set_full' });
    const later = sealSignal(KEY, { eventId: 'e4', applianceId: 'a1', expiresAtMs: EXPIRES_AT_MS + 10 }, {
      reductionW: 1, fromMs: 0, toMs: 1, ackToken: ACK_TOKEN,
    });
    assert.equal(verifier.open(later, EXPIRES_AT_MS).ok, true);
    assert.equal(verifier.seenCount, 1);
    assert.throws(() => new DrSignalVerifier('a1', KEY, DR_VERIFIER_SEEN_MAX + 1), (error: unknown) => error instanceof GridsettleError && error.code === 'limit_exceeded');
  });
});
