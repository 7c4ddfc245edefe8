// Configuration shared by buildApp, `gridsettle serve` and `gridsettle init`:
// where the store is and the key that seals gateway secrets (docs/api.md).
import type { KeyObject } from 'node:crypto';
import type { LedgerSigner } from '../ledger/blocks.js';
import { ledgerPublicKeyFrom, ledgerSignerFromBase64 } from '../ledger/keys.js';
import type { StoreLocation } from '../store/open-store.js';
import { LEDGER_SEAL_AFTER_MS, LEDGER_SEAL_AFTER_MS_MAX } from '../limits.js';

export const SQLITE_PATH_DEFAULT = './data/gridsettle.db';
export const SECRET_KEY_ENV = 'GRIDSETTLE_SECRET_KEY';
export const PG_URL_ENV = 'GRIDSETTLE_PG_URL';
export const LEDGER_KEY_ENV = 'GRIDSETTLE_LEDGER_KEY';
export const LEDGER_PUBLIC_KEY_ENV = 'GRIDSETTLE_LEDGER_PUBLIC_KEY';
/** The party that holds the S6 market's clearing account (docs/api.md "Configuration"). */
export const MARKET_AUTHORITY_ENV = 'GRIDSETTLE_MARKET_AUTHORITY';
/** How long records may wait unsealed, ms (docs/ledger.md "Trusted heads"). */
export const LEDGER_SEAL_AFTER_MS_ENV = 'GRIDSETTLE_LEDGER_SEAL_AFTER_MS';
const SEALING_KEY_HEX_PATTERN = /^[0-9a-fA-F]{64}$/;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** 32 bytes from 64 hex digits. */
export function sealingKeyFromHex(hex: string | undefined, source = SECRET_KEY_ENV): Uint8Array {
  if (hex === undefined || hex === '') throw new ConfigError(`${source} is not set: 32 bytes as 64 hex digits (gridsettle init prints a fresh one)`);
  if (!SEALING_KEY_HEX_PATTERN.test(hex)) throw new ConfigError(`${source} must be 64 hex digits (32 bytes)`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export interface LocationOptions {
  sqlitePath?: string;
  postgresUrl?: string;
}

/** PostgreSQL when a URL is given, else the SQLite file (default ./data/gridsettle.db). */
export function storeLocationOf(options: LocationOptions): StoreLocation {
  if (options.postgresUrl !== undefined && options.postgresUrl !== '') return { postgresUrl: options.postgresUrl };
  return { sqlitePath: options.sqlitePath ?? SQLITE_PATH_DEFAULT };
}

/** The block signer from GRIDSETTLE_LEDGER_KEY (base64 PKCS#8 DER of an Ed25519 key). */
export function ledgerSignerFromEnv(text = process.env[LEDGER_KEY_ENV], source = LEDGER_KEY_ENV): LedgerSigner {
  if (text === undefined || text === '') throw new ConfigError(`${source} is not set: base64 PKCS#8 DER of an Ed25519 key (gridsettle init prints a fresh one)`);
  try {
    return ledgerSignerFromBase64(text);
  } catch (error) {
    throw new ConfigError(`${source}: ${(error as Error).message}`);
  }
}

/** The key that checks block signatures: GRIDSETTLE_LEDGER_PUBLIC_KEY (SPKI DER base64 or PEM), else derived from GRIDSETTLE_LEDGER_KEY. */
export function ledgerPublicKeyFromEnv(publicText = process.env[LEDGER_PUBLIC_KEY_ENV], source = LEDGER_PUBLIC_KEY_ENV): KeyObject {
  if (publicText === undefined || publicText === '') return ledgerSignerFromEnv().publicKey;
  try {
    return ledgerPublicKeyFrom(publicText);
  } catch (error) {
    throw new ConfigError(`${source}: ${(error as Error).message}`);
  }
}

/** GRIDSETTLE_LEDGER_SEAL_AFTER_MS: 0 … LEDGER_SEAL_AFTER_MS_MAX (0: seal only every N records); unset: LEDGER_SEAL_AFTER_MS. */
export function ledgerSealAfterMsFromEnv(text = process.env[LEDGER_SEAL_AFTER_MS_ENV]): number {
  if (text === undefined || text === '') return LEDGER_SEAL_AFTER_MS;
  const sealAfterMs = Number(text);
  if (!Number.isInteger(sealAfterMs) || sealAfterMs < 0 || sealAfterMs > LEDGER_SEAL_AFTER_MS_MAX) {
    throw new ConfigError(`${LEDGER_SEAL_AFTER_MS_ENV} must be an integer 0 … ${LEDGER_SEAL_AFTER_MS_MAX} (LEDGER_SEAL_AFTER_MS_MAX), got ${text}`);
  }
  return sealAfterMs;
}
