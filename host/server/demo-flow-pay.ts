// S3 and S4 in the demo (docs/flows.md): the driver's car pays a car wash
// through a pre-authorised hold that the supplier captures, and a second
// authorisation beyond the wallet is declined; then the operator submits a
// battery-sharing event the WASM kernel prices, the driver paying the flats
// that share the community battery.
import { formatMinimal } from '../decimal.js';
import { SUPPLIER_ID } from './demo-play.js';
import { BATTERY_HOST_ID, CURRENCY, DRIVER_ID, FLAT_IDS, VEHICLE_ID, as, type FlowWorld } from './demo-flow-world.js';

const APPARATUS_ID = 'wash-1';
const AUTHORISED = '20.00';
const CAPTURED = '12.50';
/** More than the driver's wallet holds after charging and the car wash. */
const BEYOND_WALLET = '40.00';
const FLAT_SHARES = [3, 2, 1];

interface AuthorisationView { status: string; authorised: string; captured: string | null; released: string | null }

const spaced = (status: string): string => status.replaceAll('_', ' ');

export async function playPreauth(world: FlowWorld): Promise<string> {
  const supplier = as(world, SUPPLIER_ID);
  const driver = as(world, DRIVER_ID);
  await supplier.json('POST', '/v1/preauth/apparatus', { id: APPARATUS_ID, name: 'Car wash bay 1', currency: CURRENCY });
  const authorise = (id: string, amount: string) => ({
    id, apparatusId: APPARATUS_ID, vehicleId: VEHICLE_ID, amount, service: 'car wash', timeoutMs: 600_000, ts: world.clock.nowMs(),
  });
  await driver.json('POST', '/v1/preauth/authorisations', authorise('auth-1', AUTHORISED));
  // The apparatus runs its service once its owner reads the money as held.
  const held = (await supplier.json<{ authorisation: AuthorisationView }>('GET', '/v1/preauth/authorisations/auth-1')).authorisation;
  const captured = (await supplier.json<{ authorisation: AuthorisationView }>(
    'POST', '/v1/preauth/authorisations/auth-1/capture', { amount: CAPTURED, ts: world.clock.nowMs() },
  )).authorisation;
  const declined = await driver.refusal('POST', '/v1/preauth/authorisations', authorise('auth-2', BEYOND_WALLET), 409);
  return `authorised ${held.authorised} → ${spaced(held.status)}; captured ${captured.captured} → ${spaced(captured.status)} ` +
    `(${captured.released} released); 2nd authorisation of ${BEYOND_WALLET} declined (${declined})`;
}

interface SharingEventView {
  id: string;
  status: string;
  weightPpm: number;
  compensation: string;
  occupants: Array<{ partyId: string; amount: string }>;
}

export async function playSharing(world: FlowWorld): Promise<string> {
  // 4.321 kWh in 25 minutes from a 20 kWh battery at 0.30/kWh: C-rate 0.52 against a 0.25 reference, depth of discharge 0.22.
  const { sharingEvent } = await world.operator.json<{ sharingEvent: SharingEventView }>('POST', '/v1/sharing-events', {
    id: 'share-1', currency: CURRENCY, ts: world.clock.nowMs(), providerPartyId: BATTERY_HOST_ID, beneficiaryPartyId: DRIVER_ID,
    energyMWh: 4_321_000, durationMs: 1_500_000, capacityMWh: 20_000_000, price: '0.30', alphaPpm: 500_000, betaPpm: 200_000, cRefPpm: 250_000,
    occupants: FLAT_IDS.map((partyId, index) => ({ partyId, share: FLAT_SHARES[index]! })),
  });
  if (sharingEvent.status !== 'posted') throw new Error(`sharing event share-1 is ${sharingEvent.status}`);
  const shares = sharingEvent.occupants.map((occupant) => occupant.amount).join('/');
  return `event ${sharingEvent.id}: weight ${formatMinimal(BigInt(sharingEvent.weightPpm), 6)}, beneficiary paid ${sharingEvent.compensation} ` +
    `to ${sharingEvent.occupants.length} occupants (${shares}, shares ${FLAT_SHARES.join(':')})`;
}
