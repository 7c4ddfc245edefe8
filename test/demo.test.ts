// `gridsettle demo` (SPEC §7, README): the whole service in one process on a
// temporary SQLite file — provision, ingest a month, settle, late readings
// settle as adjustments, the flows S1, S3, S4 and S10 play over HTTP, the
// ledger (flows included) verifies; exit 0 and temp files removed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { lastBerlinMonth } from '../host/server/demo.js';

const CLI = fileURLToPath(new URL('../host/cli/main.js', import.meta.url));

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const QUARTER_MS = 900_000;

/** The flows block (docs/flows.md), each outcome worked out by hand from the demo's inputs. */
function assertFlows(stdout: string): void {
  const clock = /^flows {9}over HTTP, a key per party, on the service clock (\S+) → (\S+) \(moved forward by the demo\)$/m.exec(stdout);
  assert.ok(clock !== null, 'the flows block names the service clock');
  const [fromMs, toMs] = [Date.parse(clock[1]!), Date.parse(clock[2]!)];
  assert.equal(fromMs % QUARTER_MS, 0, 'the flows start on a quarter hour');
  // An hour of charging and 5 minutes for its readings; the DR event is the hour from the next quarter
  // (or from the next UTC midnight, at most 45 minutes later), settled 5 minutes after it ends.
  const spanMinutes = (toMs - fromMs) / 60_000;
  assert.ok(spanMinutes >= 65 + 10 + 60 + 5 && spanMinutes <= 65 + 10 + 45 + 60 + 5, `${clock[1]} → ${clock[2]}`);
  // S1: 11 kWh expected at sell-green's 0.2890 = 3.179 → 3.18 beats sell-dynamic's 0.3450 (3.795 → 3.80);
  // the meter registers 2.7 + 2.8 + 2.9 + 2.8 = 11.2 kWh × 0.2890 = 3.2368 → 3.24, out of the driver's 50.00.
  assert.match(stdout, /^ {2}S1 EV session {4}offer sell-green ranked 1st of 2 \(expected EUR 3\.18\), 11\.2 kWh charged, driver paid EUR 3\.24 \(wallet 50\.00 → 46\.76\)$/m);
  // S3: 20.00 held, 12.50 captured, 7.50 released; 46.76 − 12.50 = 34.26 cannot cover 40.00.
  assert.match(stdout, /^ {2}S3 pre-auth {6}authorised 20\.00 → settlement possible; captured 12\.50 → settlement completed \(7\.50 released\); 2nd authorisation of 40\.00 declined \(insufficient_funds\)$/m);
  // S4 (SPEC §4): 4 321 000 mWh in 1 500 000 ms from 20 000 000 mWh: 10 370 400 mW, C-rate 518 520 ppm, DoD 216 050 ppm;
  // weight 10^6 + 0.5 × (518 520 − 250 000) + 0.2 × 216 050 = 1 177 470 ppm; base 4.321 × 0.30 = 1 296 300 µ;
  // compensation rhe(1 296 300 × 1.17747) = rhe(1 526 354.361) = 1 526 354 µ; 3:2:1 floors 763 177, 508 784, 254 392, the 1 µ left to flat-2 (remainder 4 of 6).
  assert.match(stdout, /^ {2}S4 sharing {7}event share-1: weight 1\.17747, beneficiary paid 1\.526354 to 3 occupants \(0\.763177\/0\.508785\/0\.254392, shares 3:2:1\)$/m);
  // S10: 3000 W over 2000/1500/500 W is exactly 1500/1125/375 W. Billed: 4 quarters of 520 + 390 + 140 Wh ± 20 Wh each at 0.25/kWh.
  const demand = /^ {2}S10 demand resp\. target 3000 W → 1500\/1125\/375 W; billed EUR (\d+\.\d+); 3 signals verified and acknowledged, 1 replay refused \(signal_replayed\); 3\/3 ok on a 10-like-day baseline, reward EUR (\d+\.\d+)$/m.exec(stdout);
  assert.ok(demand !== null, 'the S10 line');
  const billed = Number(demand[1]);
  assert.ok(billed >= 0.99 && billed <= 1.11, `billed ${billed}`);
  // The appliances cut 3000 W for an hour as commanded: 3 kWh at 0.20/kWh = 0.60, give or take the ±40 Wh per quarter by which a day's load differs from the like days' mean.
  const reward = Number(demand[2]);
  assert.ok(reward >= 0.504 && reward <= 0.696, `reward ${reward}`);
}

describe('SPEC §7 gridsettle demo', () => {
  it('a 20-meter demo ingests, settles twice with one adjustment for the late meter, plays S1, S3, S4 and S10, verifies the ledger, exits 0 and removes its files', async () => {
    const { code, stdout, stderr } = await runCli(['demo', '--meters', '20']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^meters {8}20 on 1 gateways; supplier supplier-1, network operator dso-1 \(role transmission\)$/m);
    // The faulty batch: two frames of an unknown meter, one changed value, one from the future; the retried day is duplicates.
    assert.match(stdout, /^readings {6}accepted [\d,]+ \(192 late\), duplicates 192, rejected 4 \(conflict 1, future 1, unknown_meter 2\)$/m);
    assert.match(stdout, /^settlement #1 {2}completed: 20 accounts, [\d,]+ readings, 20 transfers posted/m);
    // Meter 8 (index 7) sends its last two days late: its account alone gets an adjustment.
    assert.match(stdout, /^settlement #2 {2}completed: 20 accounts, [\d,]+ readings, 1 transfers posted/m);
    assert.match(stdout, /^statements {4}20 \(20 ok\), total billed EUR [\d,]+\.\d\d$/m);
    assert.match(stdout, /^ledger {8}21 settlement transfers \(1 adjustments\), [1-9]\d* leaves from the flows, tree size \d+, 1 block\(s\)$/m);
    assert.match(stdout, /^verifyLedger {2}ok$/m);
    assert.match(stderr, /settle #2: 100% \(20\/20\)/, 'plain progress lines when stderr is not a TTY');
    for (const flow of ['S1 EV session', 'S3 pre-auth', 'S4 sharing', 'S10 demand resp.']) assert.match(stderr, new RegExp(`^${flow}: 100% \\(1/1\\)$`, 'm'));
    const directory = /SQLite in (\S+) \(removed on exit\)/.exec(stdout)?.[1];
    assert.ok(directory !== undefined && !existsSync(directory), `temp directory ${directory} is removed`);
    assertFlows(stdout);
  });

  it('a bad --meters exits 2 with invalid_config', async () => {
    const { code, stderr } = await runCli(['demo', '--meters', '0']);
    assert.equal(code, 2);
    assert.equal((JSON.parse(stderr) as { error: { code: string } }).error.code, 'invalid_config');
  });

  it('the demo month is the last whole calendar month in Europe/Berlin, whatever the offset', () => {
    assert.deepEqual(lastBerlinMonth(Date.parse('2026-11-25T12:00:00Z')), { fromMs: Date.parse('2026-09-30T22:00:00Z'), toMs: Date.parse('2026-10-31T23:00:00Z') });
    // 23:30 UTC on 31 January is already 1 February in Berlin: January is complete.
    assert.deepEqual(lastBerlinMonth(Date.parse('2026-01-31T23:30:00Z')), { fromMs: Date.parse('2025-12-31T23:00:00Z'), toMs: Date.parse('2026-01-31T23:00:00Z') });
    assert.deepEqual(lastBerlinMonth(Date.parse('2026-01-31T22:30:00Z')), { fromMs: Date.parse('2025-11-30T23:00:00Z'), toMs: Date.parse('2025-12-31T23:00:00Z') });
  });
});
