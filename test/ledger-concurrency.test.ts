import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeBackends } from './store-backends.js';
import { account, ledgerFixture, single, SIGNER } from './ledger-helpers.js';
import { openPostgres } from '../host/store/postgres.js';
import { PostgresLedgerStore } from '../host/store/postgres/ledger.js';
import { Ledger } from '../host/ledger/ledger.js';
import { verifyLedger } from '../host/ledger/verify.js';
import type { TransferEvent } from '../host/ledger/types.js';

const NOW_MS = 1_767_225_600_000;
const ROUNDS = 12;
const PER_HOST = 60;
const OVERLAP = 30;

function roundEvents(round: number, from: number, to: number): TransferEvent[] {
  const events: TransferEvent[] = [];
  for (let index = from; index < to; index += 1) {
    const id = `r${round}-${index}`;
    events.push(index % 5 === 0
      ? { ...single(id, 'bank', 'carol', BigInt(index + 1)), type: 'pending', timeoutMs: 1 }
      : single(id, 'bank', index % 2 === 0 ? 'alice' : 'bob', BigInt(index + 1)));
  }
  return events;
}

for (const backend of storeBackends().filter((candidate) => candidate.kind === 'postgres')) {
  describe('SPEC §5 ledger on PostgreSQL: several hosts posting at once', () => {
    it('two pools posting interleaved, overlapping batches leave no gaps, no duplicates, right balances and a valid ledger', async () => {
      const fresh = await backend.open();
      assert.equal(fresh.kind, 'postgres');
      if (fresh.kind !== 'postgres') return;
      const other = openPostgres(fresh.url, { schema: fresh.schema });
      try {
        const hostA = ledgerFixture(fresh, 50);
        const hostB = new Ledger(new PostgresLedgerStore(other), SIGNER, { recordsPerBlock: 50 });
        await hostA.ledger.createAccounts(['bank', 'alice', 'bob', 'carol'].map((id) => account(id)), NOW_MS);
        let okCount = 0;
        for (let round = 0; round < ROUNDS; round += 1) {
          // Host B retries half of host A's ids with the same body, at the same time.
          const [resultsA, resultsB] = await Promise.all([
            hostA.ledger.createTransfers(roundEvents(round, 0, PER_HOST), NOW_MS + round),
            hostB.createTransfers(roundEvents(round, PER_HOST - OVERLAP, 2 * PER_HOST - OVERLAP), NOW_MS + round),
            hostA.ledger.expirePending(NOW_MS + round),
            hostB.expirePending(NOW_MS + round),
          ]);
          for (let offset = 0; offset < OVERLAP; offset += 1) {
            const pair = [resultsA[PER_HOST - OVERLAP + offset], resultsB[offset]].sort();
            assert.deepEqual(pair, ['exists', 'ok'], 'a concurrent retry is exists, never a second entry');
          }
          okCount += [...resultsA, ...resultsB].filter((result) => result === 'ok').length;
        }
        const uniqueIds = ROUNDS * (2 * PER_HOST - OVERLAP);
        assert.equal(okCount, uniqueIds);
        await hostA.ledger.expirePending(NOW_MS + 1_000);
        const [counts] = await hostA.rows(`SELECT COUNT(*) AS leaves, MIN(seq) AS first, MAX(seq) AS last,
          (SELECT COUNT(*) FROM ledger_transfers) AS transfers, (SELECT COUNT(DISTINCT id) FROM ledger_transfers) AS ids,
          (SELECT COUNT(*) FROM ledger_transfers WHERE type = 'void') AS voids
          FROM (SELECT seq FROM ledger_accounts UNION ALL SELECT seq FROM ledger_transfers UNION ALL SELECT seq FROM ledger_records) AS leaves`);
        const pendings = ROUNDS * Math.ceil((2 * PER_HOST - OVERLAP) / 5);
        assert.equal(Number(counts!.transfers), uniqueIds + pendings, 'one void per pending, one row per id');
        assert.equal(Number(counts!.ids), Number(counts!.transfers));
        assert.equal(Number(counts!.voids), pendings);
        assert.equal(Number(counts!.first), 0);
        assert.equal(Number(counts!.last), Number(counts!.leaves) - 1, 'leaf indexes have no gaps');
        const balances = await hostA.ledger.balances(['bank', 'alice', 'bob', 'carol']);
        const posted = (id: string): bigint => balances.get(id)!.creditsPostedMicro;
        let expectedDebitMicro = 0n;
        for (let index = 0; index < 2 * PER_HOST - OVERLAP; index += 1) if (index % 5 !== 0) expectedDebitMicro += BigInt(index + 1);
        assert.equal(balances.get('bank')!.debitsPostedMicro, expectedDebitMicro * BigInt(ROUNDS));
        assert.equal(posted('alice') + posted('bob'), expectedDebitMicro * BigInt(ROUNDS));
        assert.equal(balances.get('carol')!.creditsPendingMicro, 0n);
        await hostB.sealBlock(NOW_MS + 2_000);
        const report = await verifyLedger(hostA.store, SIGNER.publicKey);
        assert.ok(report.ok, JSON.stringify(report));
        assert.equal(report.treeSize, Number(counts!.leaves));
      } finally {
        await other.end();
        await fresh.close();
      }
    });
  });
}
