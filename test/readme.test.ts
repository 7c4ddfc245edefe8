// The README's tour is real output: each `npx gridsettle CMD < FILE` block
// must still be what the CLI prints for that file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../host/cli/main.js', import.meta.url));
const TOUR_BLOCK = /```console\n\$ npx gridsettle (\w+) < (\S+)\n([\s\S]*?)\n```/g;

describe('README tour', () => {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const blocks = [...readme.matchAll(TOUR_BLOCK)];

  it('has the aggregate, price and share examples', () => {
    assert.deepEqual(blocks.map((block) => block[1]), ['aggregate', 'price', 'share']);
  });

  for (const [, command, inputFile, shown] of blocks) {
    it(`gridsettle ${command} < ${inputFile} prints what the README shows`, () => {
      const run = spawnSync(process.execPath, [CLI, command!], { input: readFileSync(`${ROOT}${inputFile}`), encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), JSON.parse(shown!));
    });
  }
});
