// The working state of the seed-system flows (docs/flows.md): versioned JSON
// objects keyed by (kind, id), each owned by one party and optionally in one
// group. A flow changes its objects inside `transact`, which serialises
// writers of one lock key across hosts; what must be verifiable goes to the
// ledger, with ids derived from the object so a retried step never posts twice.
import { canonicalJson } from '../ledger/canonical-json.js';
import { openSealedSecret, sealSecret } from './secret-seal.js';
import { limitExceeded } from '../errors.js';
import { FLOW_LIST_LIMIT_MAX, FLOW_OBJECT_BYTES_MAX } from '../limits.js';

/** Bodies are plain JSON: money and energy as integer strings or decimal strings, never floats. */
export type FlowBody = Record<string, unknown>;

export interface FlowObject<T extends FlowBody = FlowBody> {
  kind: string;
  id: string;
  ownerPartyId: string;
  groupKey: string | null;
  body: T;
  /** 1 on insert, +1 on every update. */
  version: number;
  updatedAtMs: number;
}

export interface NewFlowObject<T extends FlowBody = FlowBody> {
  kind: string;
  id: string;
  ownerPartyId: string;
  groupKey?: string | null;
  body: T;
}

/** Objects of one kind in id order (bytewise), filtered by owner and/or group, after `afterId`. */
export interface FlowListQuery {
  ownerPartyId?: string;
  groupKey?: string;
  afterId?: string;
  limit: number;
}

export interface FlowReader {
  get<T extends FlowBody>(kind: string, id: string): Promise<FlowObject<T> | null>;
  list<T extends FlowBody>(kind: string, query: FlowListQuery): Promise<Array<FlowObject<T>>>;
}

export interface FlowTransaction extends FlowReader {
  /** Inserts a new object (version 1); false, and nothing written, when (kind, id) exists. */
  insert<T extends FlowBody>(object: NewFlowObject<T>, nowMs: number): Promise<boolean>;
  /** Replaces the body (and group) of `current`; fails if it changed since it was read. */
  update<T extends FlowBody>(current: FlowObject<T>, body: T, nowMs: number, groupKey?: string | null): Promise<FlowObject<T>>;
}

export interface FlowStore extends FlowReader {
  /**
   * Seals a flow's secret (a webhook or appliance key) for storing in a flow
   * object body: AES-256-GCM under the server's sealing key, bound to
   * `label` (e.g. `webhook:<id>`) so it cannot be moved to another object.
   * Base64 of nonce ‖ tag ‖ ciphertext.
   */
  sealSecret(label: string, secret: Uint8Array): string;
  /** Opens what `sealSecret` sealed under the same label; throws if it was altered or moved. */
  openSecret(label: string, sealed: string): Uint8Array;
  /**
   * Runs `work` in one transaction. Writers that pass the same `lockKey`
   * run one at a time on every host (PostgreSQL: a transaction-scoped
   * advisory lock; SQLite: one writer anyway).
   */
  transact<T>(lockKey: string, work: (transaction: FlowTransaction) => Promise<T>): Promise<T>;
}

/** Thrown by `update` when another writer changed the object first. */
export class FlowVersionConflict extends Error {
  constructor(kind: string, id: string) {
    super(`flow object ${kind}/${id} changed while it was being updated`);
    this.name = 'FlowVersionConflict';
  }
}

export function flowBodyText(body: FlowBody): string {
  const text = canonicalJson(body);
  if (Buffer.byteLength(text) > FLOW_OBJECT_BYTES_MAX) {
    throw limitExceeded('FLOW_OBJECT_BYTES_MAX', `a flow object holds at most ${FLOW_OBJECT_BYTES_MAX} bytes of JSON`);
  }
  return text;
}

export function checkFlowListLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > FLOW_LIST_LIMIT_MAX) {
    throw limitExceeded('FLOW_LIST_LIMIT_MAX', `a flow list reads 1 to ${FLOW_LIST_LIMIT_MAX} objects, got ${limit}`);
  }
}

export interface FlowSqlRow {
  kind: string;
  id: string;
  owner_party_id: string;
  group_key: string | null;
  body: string;
  version: number | bigint;
  updated_at_ms: number | bigint;
}

export function flowObjectOf<T extends FlowBody>(row: FlowSqlRow): FlowObject<T> {
  return {
    kind: row.kind, id: row.id, ownerPartyId: row.owner_party_id, groupKey: row.group_key,
    body: JSON.parse(row.body) as T, version: Number(row.version), updatedAtMs: Number(row.updated_at_ms),
  };
}

export const FLOW_COLUMNS = 'kind, id, owner_party_id, group_key, body, version, updated_at_ms';

/**
 * The SELECT of `list` for either dialect; `placeholder(n)` writes the n-th
 * parameter (1-based) and `collate` makes id order bytewise (PostgreSQL's
 * default collation is not).
 */
export function flowListSql(
  kind: string, query: FlowListQuery, placeholder: (n: number) => string, collate = '',
): { text: string; values: unknown[] } {
  checkFlowListLimit(query.limit);
  const filters: Array<[string, unknown]> = [['kind', kind]];
  if (query.ownerPartyId !== undefined) filters.push(['owner_party_id', query.ownerPartyId]);
  if (query.groupKey !== undefined) filters.push(['group_key', query.groupKey]);
  const conditions = filters.map(([column], index) => `${column} = ${placeholder(index + 1)}`);
  const values = filters.map(([, value]) => value);
  if (query.afterId !== undefined) {
    values.push(query.afterId);
    conditions.push(`id${collate} > ${placeholder(values.length)}`);
  }
  values.push(query.limit);
  return { text: `SELECT ${FLOW_COLUMNS} FROM flow_objects WHERE ${conditions.join(' AND ')} ORDER BY id${collate} LIMIT ${placeholder(values.length)}`, values };
}

/** The secret half of a FlowStore, shared by both dialects. */
export class FlowSecrets {
  constructor(private readonly sealingKey: Uint8Array) {}

  sealSecret(label: string, secret: Uint8Array): string {
    return Buffer.from(sealSecret(this.sealingKey, `flow:${label}`, secret)).toString('base64');
  }

  openSecret(label: string, sealed: string): Uint8Array {
    return openSealedSecret(this.sealingKey, `flow:${label}`, Buffer.from(sealed, 'base64'));
  }
}
