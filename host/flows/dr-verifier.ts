// What an appliance (or its simulator) runs on a demand-response signal
// (docs/flows.md "Signal format"): open it with the appliance's own key and
// accept it once. Checks, in order: the layout, that it is addressed to this
// appliance, the GCM tag (over header and body), the expiry, and that its
// (event id, nonce) was not accepted before. The seen-set keeps an accepted
// pair until its signal expires (an expired signal is refused anyway), up to
// `seenMax` pairs; a full set refuses new signals rather than forget one.
import { limitExceeded } from '../errors.js';
import { DR_VERIFIER_SEEN_MAX } from '../limits.js';
import { openSignal, parseSignal, SIGNAL_KEY_BYTES } from './dr-signal.js';

export type SignalRefusal =
  | 'signal_malformed'
  | 'wrong_appliance'
  | 'signal_tampered'
  | 'signal_expired'
  | 'signal_replayed'
  | 'seen_set_full';

export interface DrCommand {
  eventId: string;
  applianceId: string;
  reductionW: number;
  fromMs: number;
  toMs: number;
  expiresAtMs: number;
  /** base64url; the appliance sends it back in its acknowledgement. */
  ackToken: string;
}

export type SignalVerdict = { ok: true; command: DrCommand } | { ok: false; code: SignalRefusal };

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function envelopeBytes(signal: string | Uint8Array): Uint8Array | null {
  if (typeof signal !== 'string') return signal;
  return BASE64URL.test(signal) ? new Uint8Array(Buffer.from(signal, 'base64url')) : null;
}

export class DrSignalVerifier {
  /** `${eventId}\0${nonce hex}` → expiresAtMs of the accepted signal. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly applianceId: string, private readonly key: Uint8Array, private readonly seenMax = DR_VERIFIER_SEEN_MAX) {
    if (key.length !== SIGNAL_KEY_BYTES) throw new RangeError(`an appliance key is ${SIGNAL_KEY_BYTES} bytes, got ${key.length}`);
    if (!Number.isInteger(seenMax) || seenMax < 1 || seenMax > DR_VERIFIER_SEEN_MAX) {
      throw limitExceeded('DR_VERIFIER_SEEN_MAX', `a verifier remembers 1 … ${DR_VERIFIER_SEEN_MAX} signals, got ${seenMax}`);
    }
  }

  /** Opens `signal` (the envelope, or its base64url text) at `nowMs`; accepts each signal once. */
  open(signal: string | Uint8Array, nowMs: number): SignalVerdict {
    const bytes = envelopeBytes(signal);
    const parsed = bytes === null ? null : parseSignal(bytes);
    if (parsed === null) return { ok: false, code: 'signal_malformed' };
    if (parsed.applianceId !== this.applianceId) return { ok: false, code: 'wrong_appliance' };
    const command = openSignal(this.key, parsed);
    if (command === null) return { ok: false, code: 'signal_tampered' };
    if (nowMs >= parsed.expiresAtMs) return { ok: false, code: 'signal_expired' };
    const seenKey = `${parsed.eventId}\0${Buffer.from(parsed.nonce).toString('hex')}`;
    if (this.seen.has(seenKey)) return { ok: false, code: 'signal_replayed' };
    this.forgetExpired(nowMs);
    if (this.seen.size >= this.seenMax) return { ok: false, code: 'seen_set_full' };
    this.seen.set(seenKey, parsed.expiresAtMs);
    return {
      ok: true,
      command: {
        eventId: parsed.eventId, applianceId: parsed.applianceId, reductionW: command.reductionW,
        fromMs: command.fromMs, toMs: command.toMs, expiresAtMs: parsed.expiresAtMs,
        ackToken: Buffer.from(command.ackToken).toString('base64url'),
      },
    };
  }

  /** Accepted signals still remembered. */
  get seenCount(): number {
    return this.seen.size;
  }

  private forgetExpired(nowMs: number): void {
    for (const [seenKey, expiresAtMs] of this.seen) {
      if (nowMs >= expiresAtMs) this.seen.delete(seenKey);
    }
  }
}
