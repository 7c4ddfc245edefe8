// The demand-response control signal (docs/flows.md "Signal format"): one
// AES-256-GCM envelope per appliance under that appliance's own 32-byte key.
// The header travels in the clear and is the associated data; the command is
// the ciphertext. All integers are unsigned big-endian.
//
//   header  version u8 (1) ‖ nonce 12 B ‖ expiresAtMs u64 ‖ eventIdLength u8 ‖ eventId
//           ‖ applianceIdLength u8 ‖ applianceId          (ids: UTF-8, 1…48 bytes)
//   body    AES-256-GCM(key, nonce, aad = header) of
//           reductionW u64 ‖ fromMs u64 ‖ toMs u64 ‖ ackToken 16 B   (40 bytes)
//           followed by the 16-byte tag
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DR_ID_LENGTH_MAX } from '../limits.js';
import { safeNumber } from '../exact.js';

export const SIGNAL_VERSION = 1;
export const SIGNAL_KEY_BYTES = 32;
export const SIGNAL_NONCE_BYTES = 12;
export const SIGNAL_TAG_BYTES = 16;
export const SIGNAL_ACK_TOKEN_BYTES = 16;
const COMMAND_BYTES = 8 + 8 + 8 + SIGNAL_ACK_TOKEN_BYTES;

export interface SignalCommand {
  reductionW: number;
  /** The event window [fromMs, toMs) during which the appliance reduces. */
  fromMs: number;
  toMs: number;
  /** Returned in the acknowledgement: proves the appliance opened the signal. */
  ackToken: Uint8Array;
}

export interface SignalHeader {
  nonce: Uint8Array;
  expiresAtMs: number;
  eventId: string;
  applianceId: string;
}

export interface ParsedSignal extends SignalHeader {
  headerBytes: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

function idBytes(id: string): Buffer {
  const bytes = Buffer.from(id, 'utf8');
  if (bytes.length < 1 || bytes.length > DR_ID_LENGTH_MAX) throw new RangeError(`signal ids hold 1 … ${DR_ID_LENGTH_MAX} bytes`);
  return bytes;
}

function headerOf(header: SignalHeader): Buffer {
  const eventId = idBytes(header.eventId);
  const applianceId = idBytes(header.applianceId);
  const expires = Buffer.alloc(8);
  expires.writeBigUInt64BE(BigInt(header.expiresAtMs));
  return Buffer.concat([
    Buffer.from([SIGNAL_VERSION]), header.nonce, expires,
    Buffer.from([eventId.length]), eventId, Buffer.from([applianceId.length]), applianceId,
  ]);
}

function commandBytes(command: SignalCommand): Buffer {
  const bytes = Buffer.alloc(COMMAND_BYTES);
  bytes.writeBigUInt64BE(BigInt(command.reductionW), 0);
  bytes.writeBigUInt64BE(BigInt(command.fromMs), 8);
  bytes.writeBigUInt64BE(BigInt(command.toMs), 16);
  Buffer.from(command.ackToken).copy(bytes, 24);
  return bytes;
}

/** The envelope of `command` for the appliance holding `key`; a fresh random nonce unless one is given (tests). */
export function sealSignal(key: Uint8Array, header: Omit<SignalHeader, 'nonce'> & { nonce?: Uint8Array }, command: SignalCommand): Uint8Array {
  const nonce = header.nonce ?? randomBytes(SIGNAL_NONCE_BYTES);
  if (nonce.length !== SIGNAL_NONCE_BYTES || command.ackToken.length !== SIGNAL_ACK_TOKEN_BYTES) throw new RangeError('signal nonce or ack token of the wrong length');
  const headerBytes = headerOf({ ...header, nonce });
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: SIGNAL_TAG_BYTES });
  cipher.setAAD(headerBytes);
  const ciphertext = Buffer.concat([cipher.update(commandBytes(command)), cipher.final()]);
  return new Uint8Array(Buffer.concat([headerBytes, ciphertext, cipher.getAuthTag()]));
}

function readId(bytes: Buffer, offset: number): { id: string; next: number } | null {
  if (offset >= bytes.length) return null;
  const length = bytes[offset]!;
  const next = offset + 1 + length;
  if (length < 1 || length > DR_ID_LENGTH_MAX || next > bytes.length) return null;
  const id = bytes.toString('utf8', offset + 1, next);
  return Buffer.byteLength(id) === length ? { id, next } : null;
}

/** The envelope's parts, or null when its layout is not the one above. */
export function parseSignal(envelope: Uint8Array): ParsedSignal | null {
  const bytes = Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
  const fixedBytes = 1 + SIGNAL_NONCE_BYTES + 8;
  if (bytes.length < fixedBytes || bytes[0] !== SIGNAL_VERSION) return null;
  const expires = bytes.readBigUInt64BE(1 + SIGNAL_NONCE_BYTES);
  if (expires > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  const event = readId(bytes, fixedBytes);
  const appliance = event === null ? null : readId(bytes, event.next);
  if (event === null || appliance === null || bytes.length !== appliance.next + COMMAND_BYTES + SIGNAL_TAG_BYTES) return null;
  return {
    nonce: new Uint8Array(bytes.subarray(1, 1 + SIGNAL_NONCE_BYTES)),
    expiresAtMs: safeNumber(expires, 'expiresAtMs'),
    eventId: event.id,
    applianceId: appliance.id,
    headerBytes: new Uint8Array(bytes.subarray(0, appliance.next)),
    ciphertext: new Uint8Array(bytes.subarray(appliance.next, appliance.next + COMMAND_BYTES)),
    tag: new Uint8Array(bytes.subarray(appliance.next + COMMAND_BYTES)),
  };
}

/** The command, or null when the tag does not verify (wrong key, or any byte of header or body changed). */
export function openSignal(key: Uint8Array, parsed: ParsedSignal): SignalCommand | null {
  if (key.length !== SIGNAL_KEY_BYTES) throw new RangeError(`an appliance key is ${SIGNAL_KEY_BYTES} bytes`);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, parsed.nonce, { authTagLength: SIGNAL_TAG_BYTES });
    decipher.setAAD(parsed.headerBytes);
    decipher.setAuthTag(parsed.tag);
    plain = Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]);
  } catch {
    return null;
  }
  return {
    reductionW: safeNumber(plain.readBigUInt64BE(0), 'reductionW'),
    fromMs: safeNumber(plain.readBigUInt64BE(8), 'fromMs'),
    toMs: safeNumber(plain.readBigUInt64BE(16), 'toMs'),
    ackToken: new Uint8Array(plain.subarray(24)),
  };
}

export function freshAckToken(): Uint8Array {
  return new Uint8Array(randomBytes(SIGNAL_ACK_TOKEN_BYTES));
}
