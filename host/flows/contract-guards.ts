// Role and ownership checks shared by the metered-contract flows (S2, S7,
// S9): who may take which part, and whose meters measure a contract.
import type { ApiContext } from '../api/context.js';
import { invalidInput, limitExceeded } from '../errors.js';
import { FLOW_CONTRACT_METERS_MAX } from '../limits.js';
import type { Party, PartyRole } from '../store/party-store.js';
import { FlowError } from './errors.js';

/** Parties that own metered grid elements and may contract for their energy (S7 sellers and buyers, S9 asset owners). */
export const GRID_ELEMENT_ROLES: readonly PartyRole[] = ['participant', 'supplier', 'transmission'];

/** `partyId` must be a registered party of one of `roles` (and not `excludedPartyId`), else counterparty_invalid. */
export async function requireCounterparty(
  context: ApiContext, partyId: string, roles: readonly PartyRole[], part: string, excludedPartyId: string,
): Promise<Party> {
  const party = partyId === excludedPartyId ? null : await context.store.parties.party(partyId);
  if (party === null || !roles.includes(party.role)) {
    throw new FlowError('counterparty_invalid', `${part} ${partyId} must be another registered party of role ${roles.join(' or ')}`);
  }
  return party;
}

/** Every meter exists and is owned by `ownerPartyId` (meter_not_owned), at most FLOW_CONTRACT_METERS_MAX of them. */
export async function requireOwnedMeters(context: ApiContext, meterIds: readonly string[], ownerPartyId: string): Promise<void> {
  if (meterIds.length > FLOW_CONTRACT_METERS_MAX) {
    throw limitExceeded('FLOW_CONTRACT_METERS_MAX', `a contract names at most ${FLOW_CONTRACT_METERS_MAX} meters, got ${meterIds.length}`);
  }
  for (const meterId of meterIds) {
    const meter = await context.store.parties.meter(meterId);
    if (meter === null || meter.partyId !== ownerPartyId) throw new FlowError('meter_not_owned', `meter ${meterId} is not a meter of ${ownerPartyId}`);
  }
}

/** A geodetic reference (SPEC §5): decimal degrees as strings, at most 7 decimals. */
export interface Geo {
  lat: string;
  lon: string;
}

const GEO_SCALE = 10_000_000n;

/** Degrees × 10^7 of a SPEC §5 decimal-degree string (the schema admits at most 7 decimals). */
function degreesScaled(value: string): bigint {
  const negative = value.startsWith('-');
  const [whole, fraction = ''] = (negative ? value.slice(1) : value).split('.');
  const magnitude = BigInt(whole!) * GEO_SCALE + BigInt(fraction.padEnd(7, '0'));
  return negative ? -magnitude : magnitude;
}

/** A geodetic reference {lat, lon} in range (|lat| ≤ 90, |lon| ≤ 180), compared exactly; else invalid_input. */
export function checkGeo(geo: Geo, field: string): void {
  const lat = degreesScaled(geo.lat);
  const lon = degreesScaled(geo.lon);
  if (lat < -90n * GEO_SCALE || lat > 90n * GEO_SCALE) throw invalidInput(`${field}.lat ${geo.lat} is outside −90 … 90`);
  if (lon < -180n * GEO_SCALE || lon > 180n * GEO_SCALE) throw invalidInput(`${field}.lon ${geo.lon} is outside −180 … 180`);
}
