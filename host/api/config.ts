// Configuration shared by buildApp, `gridsettle serve` and `gridsettle init`:
// where the store is and the key that seals gateway secrets (docs/api.md).
import type { StoreLocation } from '../store/open-store.js';

export const SQLITE_PATH_DEFAULT = './data/gridsettle.db';
export const SECRET_KEY_ENV = 'GRIDSETTLE_SECRET_KEY';
export const PG_URL_ENV = 'GRIDSETTLE_PG_URL';
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
