// The ledger's Ed25519 key pair as configuration text (docs/ledger.md "Keys"):
// the private key is base64 of PKCS#8 DER (what `openssl genpkey -algorithm
// ed25519 -outform DER | base64` prints), the public key base64 of SPKI DER.
// One line each, so both fit an environment variable.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ed25519Signer, type LedgerSigner } from './blocks.js';

const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;

function derOf(base64: string, what: string): Buffer {
  const text = base64.trim();
  if (!BASE64_PATTERN.test(text)) throw new TypeError(`${what} must be base64 (DER)`);
  return Buffer.from(text, 'base64');
}

function requireEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`${what} must be an Ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

/** A signer from base64 PKCS#8 DER; the public key is derived from it. */
export function ledgerSignerFromBase64(privateKeyBase64: string): LedgerSigner {
  const what = 'the ledger private key';
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: derOf(privateKeyBase64, what), format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new TypeError(`${what} is not PKCS#8 DER: ${(error as Error).message}`);
  }
  requireEd25519(privateKey, what);
  return ed25519Signer(privateKey, createPublicKey(privateKey));
}

/** A public key from base64 SPKI DER, or from PEM text (`-----BEGIN PUBLIC KEY-----`). */
export function ledgerPublicKeyFrom(text: string): KeyObject {
  const what = 'the ledger public key';
  let publicKey: KeyObject;
  try {
    publicKey = text.includes('-----BEGIN')
      ? createPublicKey({ key: text, format: 'pem' })
      : createPublicKey({ key: derOf(text, what), format: 'der', type: 'spki' });
  } catch (error) {
    throw new TypeError(`${what} is not SPKI DER or PEM: ${(error as Error).message}`);
  }
  return requireEd25519(publicKey, what);
}

export function publicKeyBase64(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}

export function publicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** Names the key in block listings: lowercase hex SHA-256 of its SPKI DER. */
export function publicKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** A fresh key pair as configuration text (`gridsettle init`). */
export function generateLedgerKeyText(): { privateKeyBase64: string; publicKeyBase64: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKeyBase64: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'), publicKeyBase64: publicKeyBase64(publicKey) };
}
