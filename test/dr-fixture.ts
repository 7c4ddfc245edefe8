// The S10 end-to-end story's data (test/flow-s10-dr.test.ts): three
// appliance meters on gw-1, and their readings around 17:00–18:00 UTC on the
// days that matter, as cumulative registers from chosen interval energies.
import assert from 'node:assert/strict';
import { NOW_MS, call, columnar, created, postBatch } from './api-helpers.js';
import type { FlowFixture } from './flow-helpers.js';
import type { GatewayFrame } from '../host/ingest/encode.js';

export const DAY_MS = 86_400_000;
export const QUARTER_MS = 900_000;
/** Energy between one day's 18:00 reading and the next reading, mWh. */
const NIGHT_MWH = 5_000_000;
const FAR_OFF_MWH = 900_000;

export function utcMs(date: string, hour = 0, minute = 0): number {
  return Date.parse(`${date}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`);
}

/** Interval energies (mWh) of 17:00, 17:15, 17:30, 17:45 on each date a meter reads. */
export type DayEnergies = Map<string, number[]>;

/** Like day j (0 = most recent) holds base[k] + j in interval k. */
export function likeDayEnergies(dates: readonly string[], base: readonly number[]): DayEnergies {
  return new Map(dates.map((date, j) => [date, base.map((energy) => energy + j)]));
}

export function farOff(energies: DayEnergies, dates: readonly string[]): DayEnergies {
  for (const date of dates) energies.set(date, [FAR_OFF_MWH, FAR_OFF_MWH, FAR_OFF_MWH, FAR_OFF_MWH]);
  return energies;
}

/** Readings 17:00 … 18:00 every quarter on each date, in date order, starting the register at 1 000 000 mWh. */
export function readingsOf(meterId: string, energies: DayEnergies): GatewayFrame[] {
  const frames: GatewayFrame[] = [];
  let registerMWh = 1_000_000;
  for (const date of [...energies.keys()].sort()) {
    const start = utcMs(date, 17);
    frames.push({ m: meterId, t: start, i: registerMWh });
    energies.get(date)!.forEach((energy, k) => {
      registerMWh += energy;
      frames.push({ m: meterId, t: start + (k + 1) * QUARTER_MS, i: registerMWh });
    });
    registerMWh += NIGHT_MWH;
  }
  return frames;
}

/** The register continues where `readingsOf(history)` left it. */
export function laterReadingsOf(meterId: string, history: DayEnergies, later: DayEnergies): GatewayFrame[] {
  const all = readingsOf(meterId, new Map([...history, ...later]));
  const firstLater = utcMs([...later.keys()].sort()[0]!, 17);
  return all.filter((frame) => frame.t >= firstLater);
}

export async function ingest(fixture: FlowFixture, seq: number, frames: GatewayFrame[], nowMs: number): Promise<void> {
  const response = await postBatch(fixture.app, { gatewayId: fixture.gatewayId, secret: fixture.gatewaySecret, body: columnar(seq, frames), timestampMs: nowMs });
  assert.equal(response.statusCode, 202, response.body);
  assert.deepEqual((response.json() as { accepted: number; rejected: unknown[] }), { seq, accepted: frames.length, duplicates: 0, rejected: [] });
}

/** A second participant `p-neighbour` with its key, and meters dr-m1, dr-m2 (p-participant) and dr-m3 (p-neighbour) on gw-1. */
export async function provisionNeighbourAndMeters(fixture: FlowFixture): Promise<string> {
  const operator = fixture.as('operator');
  await created(call(fixture.app, operator, 'POST', '/v1/parties', { partyId: 'p-neighbour', name: 'Neighbour', role: 'participant' }));
  const { apiKey } = await created<{ apiKey: string }>(call(fixture.app, operator, 'POST', '/v1/parties/p-neighbour/keys'));
  for (const [meterId, partyId] of [['dr-m1', 'p-participant'], ['dr-m2', 'p-participant'], ['dr-m3', 'p-neighbour']]) {
    await created(call(fixture.app, operator, 'POST', '/v1/meters', { meterId, gatewayId: 'gw-1', partyId }));
  }
  return apiKey;
}

export const TOP_UP_TS = NOW_MS;
