// The demo's flows part (docs/flows.md): after the month is settled, four
// seed systems play over HTTP, each party with its own API key — S1 EV
// charging at a ranked offer, S3 a pre-authorised payment, S4 a
// battery-sharing event, S10 demand response with prepaid appliances.
// Their transfers and records land in the same ledger that the demo then
// seals and verifies. The flows run on the service clock, pinned to the next
// quarter hour and moved forward only when the story lets time pass.
import { playDemandResponse } from './demo-flow-dr.js';
import { playEvCharging } from './demo-flow-ev.js';
import { playPreauth, playSharing } from './demo-flow-pay.js';
import { nextQuarterMs, openFlowWorld, type FlowWorld } from './demo-flow-world.js';
import type { DemoWorld } from './demo-play.js';
import type { Progress } from './progress.js';

export interface FlowsReport {
  /** The service clock when the flows began and ended (epoch ms). */
  fromMs: number;
  toMs: number;
  /** Ledger leaves (accounts, transfers, records) the flows appended. */
  leaves: number;
  /** One summary line per flow. */
  lines: string[];
}

const FLOWS: ReadonlyArray<[label: string, play: (world: FlowWorld) => Promise<string>]> = [
  ['S1 EV session', playEvCharging],
  ['S3 pre-auth', playPreauth],
  ['S4 sharing', playSharing],
  ['S10 demand resp.', playDemandResponse],
];
const LABEL_WIDTH = 17;

/** Plays the flows in order, one progress line each; answers their summary lines. */
export async function playFlows(demo: DemoWorld, progress: Progress): Promise<FlowsReport> {
  const treeSize = () => demo.store.ledger.ledgerRead((reader) => reader.treeSize());
  const treeSizeBefore = await treeSize();
  const { clock } = demo.client;
  clock.moveTo(nextQuarterMs(clock.nowMs()));
  const fromMs = clock.nowMs();
  const world = await openFlowWorld(demo.client);
  const lines: string[] = [];
  for (const [label, play] of FLOWS) {
    progress.start(label);
    lines.push(`${label.padEnd(LABEL_WIDTH)}${await play(world)}`);
    progress.update(1, 1);
  }
  return { fromMs, toMs: clock.nowMs(), leaves: (await treeSize()) - treeSizeBefore, lines };
}
