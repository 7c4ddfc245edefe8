// S5 matching (docs/flows.md "S5"): which mobile exchange device goes to
// which stationary interconnection point. The cost of a pair is integer µ
// (travel by distance, the point's fee for the energy exchanged, and a
// penalty for the energy one side leaves unserved); the assignment is
// optimal (Munkres, on bigint): as many pairs as possible, and among those
// the least total cost.
import munkres from 'munkres';
import { roundHalfEven } from '../exact.js';

export type SiteType = 'mobile' | 'stationary';
export type Direction = 'supply' | 'demand';

export interface Site {
  id: string;
  type: SiteType;
  direction: Direction;
  /** Decimal degrees × 10^7 (SPEC §5: at most 7 decimals), exact. */
  latE7: number;
  lonE7: number;
  energyMWh: bigint;
  powerW: bigint;
  availableFromMs: number;
  availableToMs: number;
  /** A stationary point's fee per kWh exchanged (µ); 0 for mobile devices. */
  feeMicroPerKWh: bigint;
}

export interface CostRates {
  travelMicroPerKm: bigint;
  mismatchMicroPerKWh: bigint;
}

export interface PairCost {
  energyMWh: bigint;
  distanceM: bigint;
  travelMicro: bigint;
  feeMicro: bigint;
  mismatchMicro: bigint;
  totalMicro: bigint;
}

export interface Assignment extends PairCost {
  device: string;
  point: string;
}

const EARTH_RADIUS_M = 6_371_008.8;
const RADIANS_PER_E7_DEGREE = Math.PI / 180 / 1e7;
const MWH_PER_KWH = 1_000_000n;
/** W × ms → mWh: 1 W for 3 600 ms is 1 mWh. */
const W_MS_PER_MWH = 3_600n;

/** Great-circle distance in whole metres (haversine, mean Earth radius). Not money: a float, rounded once. */
export function distanceMetres(a: Pick<Site, 'latE7' | 'lonE7'>, b: Pick<Site, 'latE7' | 'lonE7'>): bigint {
  const lat1 = a.latE7 * RADIANS_PER_E7_DEGREE;
  const lat2 = b.latE7 * RADIANS_PER_E7_DEGREE;
  const dLat = lat2 - lat1;
  const dLon = (b.lonE7 - a.lonE7) * RADIANS_PER_E7_DEGREE;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin(dLon / 2) ** 2;
  return BigInt(Math.round(2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))));
}

/**
 * The cost of sending `device` to `point`, or null when they cannot meet:
 * the same direction, no overlap of their windows, or no power. The energy
 * exchanged is the lesser of the two, and no more than the lower power
 * moves in the overlap.
 */
export function pairCost(device: Site, point: Site, rates: CostRates): PairCost | null {
  if (device.direction === point.direction) return null;
  const overlapMs = BigInt(Math.min(device.availableToMs, point.availableToMs) - Math.max(device.availableFromMs, point.availableFromMs));
  const powerW = device.powerW < point.powerW ? device.powerW : point.powerW;
  if (overlapMs <= 0n || powerW <= 0n) return null;
  const lesser = device.energyMWh < point.energyMWh ? device.energyMWh : point.energyMWh;
  const movable = (powerW * overlapMs) / W_MS_PER_MWH;
  const energyMWh = lesser < movable ? lesser : movable;
  if (energyMWh <= 0n) return null;
  const greater = device.energyMWh > point.energyMWh ? device.energyMWh : point.energyMWh;
  const distanceM = distanceMetres(device, point);
  const travelMicro = roundHalfEven(distanceM * rates.travelMicroPerKm, 1_000n);
  const feeMicro = roundHalfEven(energyMWh * point.feeMicroPerKWh, MWH_PER_KWH);
  const mismatchMicro = roundHalfEven((greater - energyMWh) * rates.mismatchMicroPerKWh, MWH_PER_KWH);
  return { energyMWh, distanceM, travelMicro, feeMicro, mismatchMicro, totalMicro: travelMicro + feeMicro + mismatchMicro };
}

const bytewise = (a: Site, b: Site): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The optimal assignment. A feasible pair scores its cost minus a bonus
 * larger than any total cost, an infeasible one 0, so the least score first
 * takes as many pairs as possible and then the cheapest; pairs that scored
 * 0 are dropped. Input order does not matter (sites are sorted by id).
 */
export function assignSites(sites: readonly Site[], rates: CostRates): Assignment[] {
  const devices = sites.filter((site) => site.type === 'mobile').sort(bytewise);
  const points = sites.filter((site) => site.type === 'stationary').sort(bytewise);
  if (devices.length === 0 || points.length === 0) return [];
  const costs = devices.map((device) => points.map((point) => pairCost(device, point, rates)));
  let bonus = 1n;
  for (const row of costs) for (const cost of row) if (cost !== null) bonus += cost.totalMicro;
  const scores = costs.map((row) => row.map((cost) => (cost === null ? 0n : cost.totalMicro - bonus)));
  const assignments: Assignment[] = [];
  for (const [row, column] of munkres(scores)) {
    const cost = costs[row]![column]!;
    if (cost !== null) assignments.push({ device: devices[row]!.id, point: points[column]!.id, ...cost });
  }
  return assignments.sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0));
}
