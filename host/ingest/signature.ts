// SPEC §6 request signature: `x-signature: sha256=<hex>` where hex is
// HMAC-SHA256(gateway secret, x-timestamp + "." + body) over the raw body bytes.
import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE_PREFIX = 'sha256=';
const SHA256_HEX_PATTERN = /^[0-9a-fA-F]{64}$/;

export type GatewaySecret = string | Uint8Array;
/** A header as Node hands it over: absent, once, or repeated. */
export type HeaderValue = string | string[] | undefined;

function hmacSha256(secret: GatewaySecret, timestampHeader: string, body: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(timestampHeader, 'utf8').update('.', 'utf8').update(body).digest();
}

/** The `x-signature` value a gateway sends: `"sha256=" + lowercase hex`. */
export function signBatch(secret: GatewaySecret, timestampHeader: string, body: Uint8Array): string {
  return SIGNATURE_PREFIX + hmacSha256(secret, timestampHeader, body).toString('hex');
}

/**
 * True only for a well-formed `sha256=<64 hex>` header that matches. Never
 * throws: a missing, repeated or malformed header, or a non-string
 * timestamp, is simply false. The digest comparison is constant-time.
 */
export function verifyBatchSignature(
  secret: GatewaySecret,
  timestampHeader: HeaderValue,
  body: Uint8Array,
  signatureHeader: HeaderValue,
): boolean {
  if (typeof timestampHeader !== 'string' || typeof signatureHeader !== 'string') return false;
  if (!(body instanceof Uint8Array)) return false;
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) return false;
  if (!signatureHeader.startsWith(SIGNATURE_PREFIX)) return false;
  const hex = signatureHeader.slice(SIGNATURE_PREFIX.length);
  // Buffer.from(hex) silently stops at the first bad digit: validate first.
  if (!SHA256_HEX_PATTERN.test(hex)) return false;
  const claimedDigest = Buffer.from(hex, 'hex');
  return timingSafeEqual(claimedDigest, hmacSha256(secret, timestampHeader, body));
}
