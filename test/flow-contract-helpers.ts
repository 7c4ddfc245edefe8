// Fixtures of the metered-contract flow suites (S2, S7, S9): more parties
// and meters than `provision` makes, signed ingest of meter readings, and the
// ledger leaves a flow wrote, read as a regulator.
import assert from 'node:assert/strict';
import type { PartyRole } from '../host/store/party-store.js';
import type { GatewayFrame } from '../host/ingest/encode.js';
import { call, columnar, created, postBatch } from './api-helpers.js';
import type { FlowFixture } from './flow-helpers.js';

export const HOUR_MS = 3_600_000;
export const QUARTER_MS = 900_000;

/** Registers another party of `role` and returns its API key. */
export async function extraParty(fixture: FlowFixture, partyId: string, role: PartyRole): Promise<string> {
  await created(call(fixture.app, fixture.as('operator'), 'POST', '/v1/parties', { partyId, name: `Party ${partyId}`, role }));
  return (await created<{ apiKey: string }>(call(fixture.app, fixture.as('operator'), 'POST', `/v1/parties/${partyId}/keys`))).apiKey;
}

/** Registers a meter on gw-1 owned by `partyId`. */
export async function extraMeter(fixture: FlowFixture, meterId: string, partyId: string): Promise<void> {
  await created(call(fixture.app, fixture.as('operator'), 'POST', '/v1/meters', { meterId, gatewayId: fixture.gatewayId, partyId }));
}

/** Posts a signed columnar batch from gw-1 (signed at `timestampMs`, default NOW_MS) and checks every frame was stored. */
export async function ingest(fixture: FlowFixture, seq: number, frames: GatewayFrame[], timestampMs?: number): Promise<void> {
  const post = { gatewayId: fixture.gatewayId, secret: fixture.gatewaySecret, body: columnar(seq, frames) };
  const response = await postBatch(fixture.app, timestampMs === undefined ? post : { ...post, timestampMs });
  assert.equal(response.statusCode, 202, response.body);
  assert.deepEqual((response.json() as { accepted: number; rejected: unknown[] }), { seq, accepted: frames.length, duplicates: 0, rejected: [] });
}

export interface LeafRecord {
  index: number;
  record: Record<string, unknown>;
}

/** Every leaf of the log, decoded, as a regulator reads them (SPEC §5: regulators read all, operators not PPA records). */
export async function allLeaves(fixture: FlowFixture): Promise<LeafRecord[]> {
  const sealed = await call(fixture.app, fixture.as('operator'), 'POST', '/v1/ledger/blocks');
  const { treeSize } = (sealed.json() as { block: { treeSize: number } }).block;
  const leaves: LeafRecord[] = [];
  for (let index = 0; index < treeSize; index++) {
    const response = await call(fixture.app, fixture.as('regulator'), 'GET', `/v1/ledger/leaves/${index}`);
    assert.equal(response.statusCode, 200, response.body);
    const { leafBase64 } = (response.json() as { leaf: { leafBase64: string } }).leaf;
    leaves.push({ index, record: JSON.parse(Buffer.from(leafBase64, 'base64').toString('utf8')) as Record<string, unknown> });
  }
  return leaves;
}

/** Asserts the status each key gets for GET `url`. */
export async function assertReadStatus(fixture: FlowFixture, keys: readonly string[], url: string, status: number): Promise<void> {
  for (const key of keys) {
    const response = await call(fixture.app, key, 'GET', url);
    assert.equal(response.statusCode, status, `${url}: ${response.body}`);
  }
}
