// The meter-reading part of the store (SPEC §2, §6): provisioning of
// gateways and meters, the one-transaction ingest primitives the ingest
// service composes, and chunked reads for settlement. SQLite and PostgreSQL
// implement it (host/store/sqlite/readings.ts, host/store/postgres/readings.ts);
// a composite `Store` can extend it.
import type { GatewaySummary } from './party-store.js';

/** Outcome of one row handed to `insertReadings`. */
export const READING_STORED = 0;
export const READING_DUPLICATE = 1;
export const READING_CONFLICT = 2;
export type ReadingOutcome = typeof READING_STORED | typeof READING_DUPLICATE | typeof READING_CONFLICT;

/** SPEC §7: `x = −1` marks a reading without an export register. */
export const NO_EXPORT_MWH = -1n;

export interface GatewayRecord extends GatewaySummary {
  /** The HMAC key (SPEC §6), unsealed. */
  secret: Uint8Array;
  /** The key the last rotation replaced, unsealed; it verifies before `previousSecretExpiresAtMs`. */
  previousSecret: Uint8Array | null;
}

/** A new secret; the current one stays valid before `previousSecretExpiresAtMs` (docs/api.md "Gateway lifecycle"). */
export interface GatewayRotation {
  gatewayId: string;
  secret: Uint8Array;
  previousSecretExpiresAtMs: number;
}

/** What a rotation did: a revoked gateway keeps its secrets. */
export type GatewayRotationOutcome =
  | { outcome: 'rotated'; gateway: GatewaySummary }
  | { outcome: 'revoked'; gateway: GatewaySummary }
  | { outcome: 'not_found' };

export interface NewGateway {
  gatewayId: string;
  secret: Uint8Array;
  ownerPartyId: string;
  createdAtMs: number;
}

export interface MeterBinding {
  /** The compact integer key readings rows carry. */
  meterKey: number;
  gatewayId: string;
  accountId: string | null;
}

export interface MeterAssignment {
  meterId: string;
  gatewayId: string;
  accountId?: string | null;
  /** The meter's power rating, W (default MAX_POWER_W_DEFAULT); only `createMeter` sets it. */
  maxPowerW?: number;
  /** The register's reading interval, ms (default INTERVAL_MS_DEFAULT); only `createMeter` sets it. */
  intervalMs?: number;
}

/** Rows to insert: unique by (meterKey, t) and sorted by it (lock order on PostgreSQL, page locality on SQLite). */
export interface ReadingRows {
  meterKey: Uint32Array;
  t: BigInt64Array;
  i: BigInt64Array;
  /** −1: no export register (stored as NULL). */
  x: BigInt64Array;
}

export type BatchClaim =
  | { kind: 'claimed' }
  | { kind: 'seen'; bodySha256: Uint8Array; responseJson: string };

/** The steps of one ingest, all inside one database transaction. */
export interface IngestTransaction {
  /** Claims (gateway, seq) for this transaction, or returns what an earlier committed batch stored under it. */
  claimBatch(gatewayId: string, seq: number, bodySha256: Uint8Array, nowMs: number): Promise<BatchClaim>;
  /** Bindings of the given meter ids, null where unknown; same order. */
  resolveMeters(meterIds: readonly string[]): Promise<Array<MeterBinding | null>>;
  /** Inserts without overwriting; per row: stored, duplicate (same i and x stored) or conflict. */
  insertReadings(rows: ReadingRows): Promise<Uint8Array>;
  /** Stores the response of the claimed (gateway, seq). May be queued and sent with the commit; if it fails, the commit fails. */
  recordBatchResponse(gatewayId: string, seq: number, responseJson: string): Promise<void>;
}

export interface ReadingsQuery {
  meterIds: readonly string[];
  /** Settlement period [fromMs, toMs), epoch ms. */
  fromMs: bigint;
  toMs: bigint;
  /** Meters per chunk (default READINGS_METERS_PER_CHUNK_DEFAULT). */
  metersPerChunk?: number;
  /**
   * Also return, per meter, the last reading before fromMs and the first at
   * or after toMs, so the pairs spanning the period edges are apportioned
   * (default true; docs/storage.md).
   */
  boundaryReadings?: boolean;
}

/** SPEC §7 aggregateColumns input for one chunk of meters. */
export interface ReadingChunk {
  /** The chunk's meters in ordinal order; `columns.meter[k]` indexes this list. */
  meterIds: string[];
  /** Each meter's power rating (SPEC §1 `maxPowerW`, W), same order; MAX_POWER_W_DEFAULT for an unknown meter. */
  maxPowerW: Uint32Array;
  columns: { meter: Uint32Array; t: BigInt64Array; i: BigInt64Array; x: BigInt64Array };
}

/** A PostgreSQL database and schema, as a worker thread reopens it. */
export interface PostgresLocation {
  postgresUrl: string;
  schema?: string;
}

export interface ReadingStore {
  readonly kind: 'sqlite' | 'postgres';
  /** SQLite: the database file, which settlement read workers open read-only beside this connection (WAL); null in memory and on PostgreSQL. */
  readonly sqliteFile: string | null;
  /** PostgreSQL: where settlement read workers open their own connection; null on SQLite and for a pool opened without a URL (tests). */
  readonly postgresLocation: PostgresLocation | null;
  createGateway(gateway: NewGateway): Promise<void>;
  /** Read from the database on every call: ingest sees a revocation or rotation made on any host at once. */
  gateway(gatewayId: string): Promise<GatewayRecord | null>;
  /**
   * Revokes the gateway at `nowMs` and drops its previous secret; a revoked
   * gateway keeps its first revocation time. null when unknown.
   */
  revokeGateway(gatewayId: string, nowMs: number): Promise<GatewaySummary | null>;
  /** The current secret becomes the previous one (an older previous one is dropped at once), `rotation.secret` the current one. */
  rotateGatewaySecret(rotation: GatewayRotation): Promise<GatewayRotationOutcome>;
  /** Registers a meter bound to a gateway; returns its key. */
  createMeter(assignment: MeterAssignment): Promise<number>;
  /** Rebinds an existing meter to a gateway and account. */
  bindMeter(assignment: MeterAssignment): Promise<void>;
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  withIngestTransaction<T>(work: (transaction: IngestTransaction) => Promise<T>): Promise<T>;
  /** Readings of the meters in [fromMs, toMs), chunked by meters, sorted by (meter, t). */
  readingsForMeters(query: ReadingsQuery): AsyncIterable<ReadingChunk>;
  /** Rows in the readings table (tests, benchmarks). */
  countReadings(): Promise<number>;
}
