// S5 sites and runs (docs/flows.md "S5"): mobile exchange devices and
// stationary interconnection points register position, energy, power and
// availability; a matching run assigns the available ones optimally
// (matching-cost.ts), marks them assigned, stores one event per party
// involved and records each assignment on the ledger.
import type { ApiContext } from '../api/context.js';
import type { Party } from '../store/party-store.js';
import type { FlowObject } from '../store/flow-store.js';
import { parseMicro } from '../decimal.js';
import { invalidInput, limitExceeded } from '../errors.js';
import { ENERGY_PRICE_MICRO_MAX, MATCHING_SITES_MAX } from '../limits.js';
import { ApiError } from '../api/errors.js';
import { appendFlowRecord, flowRecordId } from './ledger-bridge.js';
import { assignSites, type Assignment, type Direction, type Site, type SiteType } from './matching-cost.js';
import { EVENT_KIND, storeEvents, type MatchEventBody } from './matching-push.js';

export const SITE_KIND = 'exchange-site';
export const RUN_KIND = 'match-run';
const AVAILABLE = 'available';
const ASSIGNED = 'assigned';
const COST_MICRO_MAX = 1_000_000_000_000n;

export interface NewSite {
  id: string;
  type: SiteType;
  direction: Direction;
  geo: { lat: string; lon: string };
  energyMWh: number;
  powerW: number;
  availableFromMs: number;
  availableToMs: number;
  fee?: string;
}

export interface SiteBody extends Record<string, unknown> {
  type: SiteType;
  direction: Direction;
  geo: { lat: string; lon: string };
  energyMWh: string;
  powerW: string;
  availableFromMs: number;
  availableToMs: number;
  feeMicroPerKWh: string;
  run?: string;
}

export interface RunBody extends Record<string, unknown> {
  travelCostPerKm: string;
  mismatchCostPerKWh: string;
  assignments: Array<Record<string, string>>;
  events: string[];
  recordIndexes?: number[];
  ranBy: string;
}

/** "52.5200066" → 525200066: decimal degrees to integer 10^-7 degrees, exactly. */
export function degreesE7(text: string, field: string, maxDegrees: number): number {
  const match = /^(-?)([0-9]{1,3})(?:\.([0-9]{1,7}))?$/.exec(text);
  if (match === null) throw invalidInput(`${field} must be decimal degrees with at most 7 decimals`);
  const value = Number(match[2]) * 10_000_000 + Number((match[3] ?? '').padEnd(7, '0'));
  if (value > maxDegrees * 10_000_000) throw invalidInput(`${field} is beyond ±${maxDegrees}°`);
  return match[1] === '-' ? -value : value;
}

export function siteBodyOf(site: NewSite): SiteBody {
  degreesE7(site.geo.lat, 'geo.lat', 90);
  degreesE7(site.geo.lon, 'geo.lon', 180);
  if (site.availableToMs <= site.availableFromMs) throw invalidInput('availableToMs must be after availableFromMs');
  if (site.type === 'mobile' && site.fee !== undefined) throw invalidInput('fee: only a stationary point charges a fee');
  const feeMicroPerKWh = site.fee === undefined ? 0n : parseMicro(site.fee, 'fee', 0n, ENERGY_PRICE_MICRO_MAX);
  return {
    type: site.type, direction: site.direction, geo: site.geo, energyMWh: String(site.energyMWh), powerW: String(site.powerW),
    availableFromMs: site.availableFromMs, availableToMs: site.availableToMs, feeMicroPerKWh: String(feeMicroPerKWh),
  };
}

export async function registerSite(context: ApiContext, caller: Party, site: NewSite): Promise<FlowObject<SiteBody>> {
  const body = siteBodyOf(site);
  const stored = await context.store.flows.transact(`${SITE_KIND}:${site.id}`, async (tx) => {
    if (!(await tx.insert({ kind: SITE_KIND, id: site.id, ownerPartyId: caller.partyId, groupKey: AVAILABLE, body }, context.nowMs()))) return null;
    return tx.get<SiteBody>(SITE_KIND, site.id);
  });
  if (stored === null) throw new ApiError('already_exists', `site ${site.id} exists`);
  return stored;
}

function siteOf(object: FlowObject<SiteBody>): Site {
  const { body } = object;
  return {
    id: object.id, type: body.type, direction: body.direction, latE7: degreesE7(body.geo.lat, 'lat', 90), lonE7: degreesE7(body.geo.lon, 'lon', 180),
    energyMWh: BigInt(body.energyMWh), powerW: BigInt(body.powerW), availableFromMs: body.availableFromMs, availableToMs: body.availableToMs,
    feeMicroPerKWh: BigInt(body.feeMicroPerKWh),
  };
}

function assignmentView(assignment: Assignment): Record<string, string> {
  return Object.fromEntries(Object.entries(assignment).map(([key, value]) => [key, String(value)]));
}

/** Runs the assignment over the available sites in one transaction: the run, the sites it assigns and its events commit together. */
async function assignInTransaction(
  context: ApiContext, caller: Party, runId: string, rates: { travelCostPerKm: string; mismatchCostPerKWh: string },
): Promise<{ run: FlowObject<RunBody>; created: boolean }> {
  const travelMicroPerKm = parseMicro(rates.travelCostPerKm, 'travelCostPerKm', 0n, COST_MICRO_MAX);
  const mismatchMicroPerKWh = parseMicro(rates.mismatchCostPerKWh, 'mismatchCostPerKWh', 0n, COST_MICRO_MAX);
  return context.store.flows.transact('matching', async (tx) => {
    const existing = await tx.get<RunBody>(RUN_KIND, runId);
    if (existing !== null) return { run: existing, created: false };
    const available = await tx.list<SiteBody>(SITE_KIND, { groupKey: AVAILABLE, limit: 2 * MATCHING_SITES_MAX + 1 });
    const sites = available.map(siteOf);
    for (const type of ['mobile', 'stationary'] as const) {
      if (sites.filter((site) => site.type === type).length > MATCHING_SITES_MAX) {
        throw limitExceeded('MATCHING_SITES_MAX', `a run matches at most ${MATCHING_SITES_MAX} available ${type} sites`);
      }
    }
    const assignments = assignSites(sites, { travelMicroPerKm, mismatchMicroPerKWh });
    const byId = new Map(available.map((site) => [site.id, site]));
    const events: Array<{ partyId: string; body: MatchEventBody }> = [];
    for (const assignment of assignments) {
      const view = assignmentView(assignment);
      const owners = new Set([byId.get(assignment.device)!.ownerPartyId, byId.get(assignment.point)!.ownerPartyId]);
      for (const partyId of owners) events.push({ partyId, body: { run: runId, assignment: view } });
      for (const id of [assignment.device, assignment.point]) {
        const site = byId.get(id)!;
        await tx.update<SiteBody>(site, { ...site.body, run: runId }, context.nowMs(), ASSIGNED);
      }
    }
    const eventIds = await storeEvents(tx, context.nowMs(), events);
    const body: RunBody = { ...rates, assignments: assignments.map(assignmentView), events: eventIds, ranBy: caller.partyId };
    await tx.insert({ kind: RUN_KIND, id: runId, ownerPartyId: caller.partyId, body }, context.nowMs());
    return { run: (await tx.get<RunBody>(RUN_KIND, runId))!, created: true };
  });
}

/** Records each assignment on the ledger once (a retried run appends what is missing). */
async function recordAssignments(context: ApiContext, run: FlowObject<RunBody>): Promise<FlowObject<RunBody>> {
  if (run.body.recordIndexes !== undefined) return run;
  const recordIndexes: number[] = [];
  for (const assignment of run.body.assignments) {
    const [device, point] = await Promise.all([context.store.flows.get(SITE_KIND, assignment.device!), context.store.flows.get(SITE_KIND, assignment.point!)]);
    recordIndexes.push(await appendFlowRecord(context, flowRecordId('matching-assignment', run.id, assignment.device!), 'matching-assignment', {
      run: run.id, ...assignment, parties: [...new Set([device!.ownerPartyId, point!.ownerPartyId])], ts: context.nowMs(),
    }));
  }
  return context.store.flows.transact('matching', async (tx) => tx.update<RunBody>(run, { ...run.body, recordIndexes }, context.nowMs()));
}

export async function runMatching(
  context: ApiContext, caller: Party, runId: string, rates: { travelCostPerKm: string; mismatchCostPerKWh: string },
): Promise<{ run: FlowObject<RunBody>; created: boolean; events: Array<FlowObject<MatchEventBody>> }> {
  const assigned = await assignInTransaction(context, caller, runId, rates);
  const run = await recordAssignments(context, assigned.run);
  const events = await Promise.all(run.body.events.map((id) => context.store.flows.get<MatchEventBody>(EVENT_KIND, id)));
  return { run, created: assigned.created, events: events.filter((event): event is FlowObject<MatchEventBody> => event !== null) };
}
