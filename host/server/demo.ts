// `gridsettle demo` (README): the whole service in one process on a temporary
// SQLite file. Provisions a supplier, a network operator, gateways, meters,
// a TOU tariff and billing accounts over HTTP; simulated gateways post a
// month of signed msgpack columnar batches; settles, receives late readings,
// settles again (adjustments); prints a summary and the ledger verification.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../api/app.js';
import { ConfigError } from '../api/config.js';
import { generateLedgerSigner } from '../ledger/blocks.js';
import { verifyLedger } from '../ledger/verify.js';
import { openStore } from '../store/open-store.js';
import { withInputErrors } from './commands.js';
import { DemoClient, DemoClock } from './demo-client.js';
import { playFlows } from './demo-flows.js';
import { ingestLate, ingestMonth, provisionDemo, settleOverHttp, type DemoWorld } from './demo-play.js';
import { printSummary } from './demo-summary.js';
import { initOperator } from './init.js';
import { Progress } from './progress.js';
import { EXIT_LEDGER_MISMATCH } from './verify-ledger.js';

const METERS_DEFAULT = 300;
const METERS_MAX = 5_000;

function metersOf(text: string | undefined): number {
  const meters = Number(text ?? METERS_DEFAULT);
  if (!Number.isInteger(meters) || meters < 1 || meters > METERS_MAX) throw new ConfigError(`--meters must be an integer 1 … ${METERS_MAX}, got ${text}`);
  return meters;
}

const HOUR_MS = 3_600_000;
/** UTC offsets that Europe/Berlin takes (CET, CEST), in hours. */
const BERLIN_OFFSETS_H = [1, 2];

function berlinParts(ms: number): { day: string; hour: string } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', day: '2-digit', hour: '2-digit', hourCycle: 'h23' }).formatToParts(ms);
  return { day: parts.find((part) => part.type === 'day')!.value, hour: parts.find((part) => part.type === 'hour')!.value };
}

/** Midnight of the 1st of `month` in Berlin, as epoch ms. */
function berlinMonthStartMs(year: number, month: number): number {
  for (const offsetH of BERLIN_OFFSETS_H) {
    const candidateMs = Date.UTC(year, month, 1) - offsetH * HOUR_MS;
    const { day, hour } = berlinParts(candidateMs);
    if (day === '01' && hour === '00') return candidateMs;
  }
  throw new Error(`no Berlin midnight found for ${year}-${month + 1}-01`);
}

/** The last complete calendar month in the tariff's timezone (Europe/Berlin), so every reading is in the past and fixed charges count whole days. */
export function lastBerlinMonth(nowMs: number): { fromMs: number; toMs: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', year: 'numeric', month: 'numeric' }).formatToParts(nowMs);
  const year = Number(parts.find((part) => part.type === 'year')!.value);
  const month = Number(parts.find((part) => part.type === 'month')!.value) - 1;
  return { fromMs: berlinMonthStartMs(year, month - 1), toMs: berlinMonthStartMs(year, month) };
}

async function play(world: DemoWorld, progress: Progress): Promise<number> {
  await provisionDemo(world, progress);
  await ingestMonth(world, progress);
  const first = await settleOverHttp(world, progress, 'settle #1');
  await ingestLate(world, progress);
  const second = await settleOverHttp(world, progress, 'settle #2');
  const flows = await playFlows(world, progress);
  await world.client.json('POST', '/v1/ledger/blocks');
  progress.finishLine();
  const report = await verifyLedger(world.store.ledger, world.signer.publicKey);
  await printSummary(world, [first, second], flows, report);
  return report.ok ? 0 : EXIT_LEDGER_MISMATCH;
}

export function demo(args: string[]): Promise<number> {
  return withInputErrors(async () => {
    const { values } = parseArgs({ args, options: { meters: { type: 'string' } } });
    const meters = metersOf(values.meters);
    const directory = mkdtempSync(join(tmpdir(), 'gridsettle-demo-'));
    try {
      const signer = generateLedgerSigner();
      const store = await openStore({ sqlitePath: join(directory, 'demo.db') }, new Uint8Array(randomBytes(32)));
      try {
        const { apiKey } = await initOperator(store, Date.now());
        const clock = new DemoClock();
        // The settlement runs share this event loop with ingest, and the demo's gateways are its only clients:
        // the event-loop-delay guard (503 overloaded, retry in 10 s) would only stall the demo on a busy machine.
        const app = await buildApp({ store, logger: false, ledgerSigner: signer, nowMs: () => clock.nowMs(), ingest: { maxEventLoopDelayMs: 0 } });
        try {
          await app.listen({ host: '127.0.0.1', port: 0 });
          const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
          const world: DemoWorld = {
            client: new DemoClient(baseUrl, apiKey, clock), store, signer, meters, period: lastBerlinMonth(Date.now()),
            baseUrl, directory, gateways: [], tally: { accepted: 0, duplicates: 0, late: 0, rejected: new Map() },
          };
          return await play(world, new Progress());
        } finally {
          await app.close();
        }
      } finally {
        await store.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
}
