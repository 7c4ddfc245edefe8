// The demo's scenario over HTTP: provisioning, the gateways' month of
// batches (with a retry that duplicates, and a batch with bad frames), late
// readings, and settlement runs polled to the end.
import type { LedgerSigner } from '../ledger/blocks.js';
import { encodeColumnarBatch, type GatewayFrame } from '../ingest/encode.js';
import type { IngestResponse } from '../ingest/service.js';
import type { Store } from '../store/open-store.js';
import { inParallel, type DemoClient } from './demo-client.js';
import { dayFrames, daysOf, meterSeries, STEP_MS, type MeterSeries } from './demo-readings.js';
import type { Progress } from './progress.js';

const METERS_PER_GATEWAY = 75;
const PROVISION_PARALLEL = 8;
const POLL_MS = 50;
export const SUPPLIER_ID = 'supplier-1';
export const NETWORK_OPERATOR_ID = 'dso-1';
export const TARIFF_ID = 'demo-tou-berlin';

/** Weekday peak 08:00–20:00 Berlin time, a tiered peak price, export credit, a daily fixed charge, 19 % VAT. */
export const DEMO_TARIFF = {
  id: TARIFF_ID, currency: 'EUR', timezone: 'Europe/Berlin', periods: ['offpeak', 'peak'],
  schedule: {
    weekday: [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
    weekend: new Array<number>(24).fill(0),
  },
  energy: { offpeak: [{ price: '0.24' }], peak: [{ upToKWh: '150', price: '0.32' }, { price: '0.38' }] },
  export: { offpeak: { price: '0.06' }, peak: { price: '0.08' } },
  fixedPerDay: '0.45',
  taxes: [{ name: 'VAT', rate: '0.19', on: ['energy', 'fixed'] }],
};

export interface DemoGateway {
  gatewayId: string;
  secret: string;
  series: MeterSeries[];
  seq: number;
}

export interface DemoTally {
  accepted: number;
  duplicates: number;
  /** Frames accepted in the late delivery (part of `accepted`). */
  late: number;
  /** Rejected frames by code, `duplicate` excluded. */
  rejected: Map<string, number>;
}

export interface DemoWorld {
  client: DemoClient;
  store: Store;
  signer: LedgerSigner;
  meters: number;
  period: { fromMs: number; toMs: number };
  baseUrl: string;
  directory: string;
  gateways: DemoGateway[];
  tally: DemoTally;
}

export interface DemoRun {
  runId: string;
  status: string;
  progress: { accountsDone: number; accountsTotal: number; readings: number };
  transfersPosted: number;
  durationMs: number | null;
  error: string | null;
}

const pad = (index: number): string => String(index + 1).padStart(4, '0');

async function provisionGateways(world: DemoWorld): Promise<void> {
  const steps = (world.period.toMs - world.period.fromMs) / STEP_MS;
  const count = Math.ceil(world.meters / METERS_PER_GATEWAY);
  for (let index = 0; index < count; index += 1) {
    const gatewayId = `gw-${pad(index)}`;
    const { secret } = await world.client.json<{ secret: string }>('POST', '/v1/gateways', { gatewayId, ownerPartyId: NETWORK_OPERATOR_ID });
    world.gateways.push({ gatewayId, secret, series: [], seq: 0 });
  }
  for (let index = 0; index < world.meters; index += 1) {
    world.gateways[index % count]!.series.push(meterSeries({ meterId: `m-${pad(index)}`, index, hasExport: index % 5 === 0 }, world.period.fromMs, steps));
  }
}

/** Per meter: its customer (a participant), a billing account on the TOU tariff, the meter bound to it. */
async function provisionCustomer(world: DemoWorld, gateway: DemoGateway, series: MeterSeries): Promise<void> {
  const suffix = series.meter.meterId.slice(2);
  const partyId = `cust-${suffix}`;
  const accountId = `acct-${suffix}`;
  await world.client.json('POST', '/v1/parties', { partyId, name: `Customer ${suffix}`, role: 'participant' });
  await world.client.json('POST', '/v1/billing-accounts', { accountId, ownerPartyId: partyId, supplierPartyId: SUPPLIER_ID, tariffId: TARIFF_ID, currency: 'EUR' });
  await world.client.json('POST', '/v1/meters', { meterId: series.meter.meterId, gatewayId: gateway.gatewayId, partyId, accountId });
}

export async function provisionDemo(world: DemoWorld, progress: Progress): Promise<void> {
  progress.start('provision');
  await world.client.json('POST', '/v1/parties', { partyId: SUPPLIER_ID, name: 'Demo Energy Supply', role: 'supplier' });
  await world.client.json('POST', '/v1/parties', { partyId: NETWORK_OPERATOR_ID, name: 'Demo Grid (network operator)', role: 'transmission' });
  await world.client.json('POST', '/v1/tariffs', DEMO_TARIFF);
  await provisionGateways(world);
  const customers = world.gateways.flatMap((gateway) => gateway.series.map((series) => ({ gateway, series })));
  let done = 0;
  await inParallel(customers, PROVISION_PARALLEL, async ({ gateway, series }) => {
    await provisionCustomer(world, gateway, series);
    progress.update(++done, customers.length);
  });
}

async function send(world: DemoWorld, gateway: DemoGateway, frames: GatewayFrame[]): Promise<IngestResponse> {
  gateway.seq += 1;
  const response = await world.client.postBatch(gateway.gatewayId, gateway.secret, encodeColumnarBatch({ seq: gateway.seq, frames }));
  world.tally.accepted += response.accepted;
  world.tally.duplicates += response.duplicates;
  for (const { code } of response.rejected) {
    if (code !== 'duplicate') world.tally.rejected.set(code, (world.tally.rejected.get(code) ?? 0) + 1);
  }
  return response;
}

/** A retry of a lost batch (duplicates), then frames a faulty gateway sends: unknown meter, changed value, clock ahead. */
async function sendFaults(world: DemoWorld, gateway: DemoGateway): Promise<void> {
  const steps = (world.period.toMs - world.period.fromMs) / STEP_MS;
  const firstDay = dayFrames(gateway.series.slice(0, 2), world.period.fromMs, 0, steps, 'on-time');
  await send(world, gateway, firstDay);
  const first = firstDay[0]!;
  await send(world, gateway, [
    { m: 'm-unknown', t: first.t, i: 1 }, { m: 'm-unknown', t: Number(first.t) + STEP_MS, i: 2 },
    { ...first, i: Number(first.i) + 1 },
    { m: first.m, t: Date.now() + 86_400_000, i: Number(first.i) + 5_000_000 },
  ]);
}

export async function ingestMonth(world: DemoWorld, progress: Progress): Promise<void> {
  const steps = (world.period.toMs - world.period.fromMs) / STEP_MS;
  const days = daysOf(steps);
  progress.start('ingest');
  let batches = 0;
  const total = world.gateways.length * days;
  await Promise.all(world.gateways.map(async (gateway) => {
    for (let day = 0; day < days; day += 1) {
      await send(world, gateway, dayFrames(gateway.series, world.period.fromMs, day, steps, 'on-time'));
      progress.update(++batches, total);
    }
  }));
  await sendFaults(world, world.gateways[0]!);
}

export async function ingestLate(world: DemoWorld, progress: Progress): Promise<void> {
  const steps = (world.period.toMs - world.period.fromMs) / STEP_MS;
  progress.start('late');
  let sent = 0;
  for (const gateway of world.gateways) {
    const frames = [daysOf(steps) - 2, daysOf(steps) - 1].flatMap((day) => dayFrames(gateway.series, world.period.fromMs, day, steps, 'late'));
    if (frames.length > 0) world.tally.late += (await send(world, gateway, frames)).accepted;
    progress.update(++sent, world.gateways.length);
  }
}

export async function settleOverHttp(world: DemoWorld, progress: Progress, phase: string): Promise<DemoRun> {
  progress.start(phase);
  const { run } = await world.client.json<{ run: DemoRun }>('POST', '/v1/settlement-runs', { from: world.period.fromMs, to: world.period.toMs });
  for (;;) {
    const { run: polled } = await world.client.json<{ run: DemoRun }>('GET', `/v1/settlement-runs/${run.runId}`);
    progress.update(polled.progress.accountsDone, polled.progress.accountsTotal);
    if (polled.status !== 'running') return polled;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
