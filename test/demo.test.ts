// `gridsettle demo` (SPEC §7, README): the whole service in one process on a
// temporary SQLite file — provision, ingest a month, settle, late readings
// settle as adjustments, the ledger verifies; exit 0 and temp files removed.
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

describe('SPEC §7 gridsettle demo', () => {
  it('a 20-meter demo ingests, settles twice with one adjustment for the late meter, verifies the ledger, exits 0 and removes its files', async () => {
    const { code, stdout, stderr } = await runCli(['demo', '--meters', '20']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^meters {8}20 on 1 gateways; supplier supplier-1, network operator dso-1 \(role transmission\)$/m);
    // The faulty batch: two frames of an unknown meter, one changed value, one from the future; the retried day is duplicates.
    assert.match(stdout, /^readings {6}accepted [\d,]+ \(192 late\), duplicates 192, rejected 4 \(conflict 1, future 1, unknown_meter 2\)$/m);
    assert.match(stdout, /^settlement #1 {2}completed: 20 accounts, [\d,]+ readings, 20 transfers posted/m);
    // Meter 8 (index 7) sends its last two days late: its account alone gets an adjustment.
    assert.match(stdout, /^settlement #2 {2}completed: 20 accounts, [\d,]+ readings, 1 transfers posted/m);
    assert.match(stdout, /^statements {4}20 \(20 ok\), total billed EUR [\d,]+\.\d\d$/m);
    assert.match(stdout, /^ledger {8}21 settlement transfers \(1 adjustments\), tree size \d+, 1 block\(s\)$/m);
    assert.match(stdout, /^verifyLedger {2}ok$/m);
    assert.match(stderr, /settle #2: 100% \(20\/20\)/, 'plain progress lines when stderr is not a TTY');
    const directory = /SQLite in (\S+) \(removed on exit\)/.exec(stdout)?.[1];
    assert.ok(directory !== undefined && !existsSync(directory), `temp directory ${directory} is removed`);
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
