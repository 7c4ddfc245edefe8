// The flows' shared world (host/server/demo-flows.ts): the parties they add,
// each with its own API key, the gateway of their meters, and the small
// steps every flow takes — a funded wallet, a meter, a signed batch.
import { formatMicro, microOfDecimal } from '../decimal.js';
import { encodeColumnarBatch, type GatewayFrame } from '../ingest/encode.js';
import type { PartyRole } from '../store/party-store.js';
import type { DemoClient, DemoClock } from './demo-client.js';
import { NETWORK_OPERATOR_ID, SUPPLIER_ID } from './demo-play.js';

export const CURRENCY = 'EUR';
export const QUARTER_MS = 15 * 60 * 1000;
export const HOUR_MS = 3_600_000;
const FLOW_GATEWAY_ID = 'gw-flows';
export const CPO_ID = 'cpo-1';
export const DRIVER_ID = 'driver-1';
export const BATTERY_HOST_ID = 'community-battery';
/** The driver's car: charged in S1, washed in S3. */
export const VEHICLE_ID = 'B-EV-2026';
/** The flats of one building: occupants of its shared battery (S4) and owners of its appliances (S10). */
export const FLAT_IDS = ['flat-1', 'flat-2', 'flat-3'] as const;

/** The parties the flows add: [id, name, role]. */
const FLOW_PARTIES: ReadonlyArray<[string, string, PartyRole]> = [
  [CPO_ID, 'Demo Charging (charge-point operator)', 'participant'],
  [DRIVER_ID, 'A driver', 'participant'],
  [BATTERY_HOST_ID, 'Community battery', 'participant'],
  ...FLAT_IDS.map((id, index): [string, string, PartyRole] => [id, `Flat ${index + 1}`, 'participant']),
];

export interface FlowWorld {
  operator: DemoClient;
  clock: DemoClock;
  /** A client per party, each with the party's own API key. */
  parties: Map<string, DemoClient>;
  gateway: { gatewayId: string; secret: string; seq: number };
}

export function as(world: FlowWorld, partyId: string): DemoClient {
  const client = world.parties.get(partyId);
  if (client === undefined) throw new Error(`the demo has no API key for ${partyId}`);
  return client;
}

/** Opens the party's (prepaid) wallet and, unless `amount` is null, tops it up from the operator's clearing account. */
export async function fundedWallet(world: FlowWorld, partyId: string, amount: string | null): Promise<string> {
  const { wallet } = await as(world, partyId).json<{ wallet: { id: string } }>('POST', '/v1/wallets', { currency: CURRENCY });
  if (amount !== null) {
    await world.operator.json('POST', `/v1/wallets/${wallet.id}/top-ups`, { id: `fund-${partyId}`, amount, ts: world.clock.nowMs() });
  }
  return wallet.id;
}

/** What a wallet holds (credits − debits posted), µ. */
export async function walletBalance(client: DemoClient, accountId: string): Promise<bigint> {
  const { wallet } = await client.json<{ wallet: { balance: { creditsPosted: string; debitsPosted: string } } }>('GET', `/v1/wallets/${accountId}`);
  return microOfDecimal(wallet.balance.creditsPosted) - microOfDecimal(wallet.balance.debitsPosted);
}

/** µ as a currency amount with at least two decimals ("46.76", "0.5125"). */
export const money = (micro: bigint): string => formatMicro(micro).replace(/0{1,4}$/, '');

/** Provisions a flow's meter; `maxPowerW` is its rating (SPEC §1; the default 250 kW when omitted). */
export async function addFlowMeter(world: FlowWorld, meterId: string, partyId: string, maxPowerW?: number): Promise<void> {
  await world.operator.json('POST', '/v1/meters', { meterId, gatewayId: world.gateway.gatewayId, partyId, ...(maxPowerW === undefined ? {} : { maxPowerW }) });
}

/** One signed batch of the flows' gateway; every frame must be accepted. */
export async function postReadings(world: FlowWorld, frames: GatewayFrame[]): Promise<void> {
  world.gateway.seq += 1;
  const response = await world.operator.postBatch(world.gateway.gatewayId, world.gateway.secret, encodeColumnarBatch({ seq: world.gateway.seq, frames }));
  if (response.accepted !== frames.length) throw new Error(`flow readings: ${response.accepted} of ${frames.length} accepted: ${JSON.stringify(response.rejected)}`);
}

/** The first quarter-hour boundary strictly after `ms`. */
export const nextQuarterMs = (ms: number): number => (Math.floor(ms / QUARTER_MS) + 1) * QUARTER_MS;

export async function openFlowWorld(operator: DemoClient): Promise<FlowWorld> {
  const parties = new Map<string, DemoClient>();
  for (const [partyId, name, role] of FLOW_PARTIES) await operator.json('POST', '/v1/parties', { partyId, name, role });
  for (const partyId of [SUPPLIER_ID, NETWORK_OPERATOR_ID, ...FLOW_PARTIES.map(([id]) => id)]) {
    const { apiKey } = await operator.json<{ apiKey: string }>('POST', `/v1/parties/${partyId}/keys`);
    parties.set(partyId, operator.as(apiKey));
  }
  const { secret } = await operator.json<{ secret: string }>('POST', '/v1/gateways', { gatewayId: FLOW_GATEWAY_ID, ownerPartyId: NETWORK_OPERATOR_ID });
  return { operator, clock: operator.clock, parties, gateway: { gatewayId: FLOW_GATEWAY_ID, secret, seq: 0 } };
}

