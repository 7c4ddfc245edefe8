// Gateway secrets at rest. HMAC verification needs the raw key, so it
// cannot be hashed; it is sealed with AES-256-GCM under a server key that
// lives outside the database (config/KMS), with the gateway id as associated
// data so a sealed secret cannot be moved to another gateway's row.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { GATEWAY_SECRET_BYTES_MAX, GATEWAY_SECRET_BYTES_MIN } from '../limits.js';

const SEALING_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function assertSealingKey(sealingKey: Uint8Array): void {
  if (sealingKey.byteLength !== SEALING_KEY_BYTES) {
    throw new RangeError(`the secret sealing key must be ${SEALING_KEY_BYTES} bytes, got ${sealingKey.byteLength}`);
  }
}

/** nonce ‖ tag ‖ ciphertext. */
export function sealSecret(sealingKey: Uint8Array, gatewayId: string, secret: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sealingKey, nonce);
  cipher.setAAD(Buffer.from(gatewayId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), ciphertext]);
}

/** Throws if the sealed bytes were altered or belong to another gateway. */
export function openSealedSecret(sealingKey: Uint8Array, gatewayId: string, sealed: Uint8Array): Uint8Array {
  const bytes = Buffer.from(sealed);
  const decipher = createDecipheriv('aes-256-gcm', sealingKey, bytes.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(gatewayId, 'utf8'));
  decipher.setAuthTag(bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
  return new Uint8Array(Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]));
}

/**
 * Seals and opens the small secrets other parts of the server keep (an
 * appliance's signal key, …) under the same server key; `context` names the
 * owning row and is the associated data, so a sealed secret cannot move.
 */
export interface SecretSealer {
  seal(context: string, secret: Uint8Array): Uint8Array;
  /** Throws if the sealed bytes were altered or belong to another context. */
  open(context: string, sealed: Uint8Array): Uint8Array;
}

export function secretSealer(sealingKey: Uint8Array): SecretSealer {
  assertSealingKey(sealingKey);
  return {
    seal: (context, secret) => sealSecret(sealingKey, context, secret),
    open: (context, sealed) => openSealedSecret(sealingKey, context, sealed),
  };
}

export function assertGatewaySecret(secret: Uint8Array): void {
  if (secret.byteLength < GATEWAY_SECRET_BYTES_MIN || secret.byteLength > GATEWAY_SECRET_BYTES_MAX) {
    throw new RangeError(
      `GATEWAY_SECRET_BYTES_MIN/MAX: a gateway secret must be ${GATEWAY_SECRET_BYTES_MIN} … ${GATEWAY_SECRET_BYTES_MAX} bytes, got ${secret.byteLength}`,
    );
  }
}
