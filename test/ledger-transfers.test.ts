import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { storeBackends, type FreshBackend } from './store-backends.js';
import { account, ledgerFixture, seededRandom, single, type LedgerFixture } from './ledger-helpers.js';
import { AccountFlags, type PendingTransfer, type TransferEvent } from '../host/ledger/types.js';
import { TRANSFER_RESULTS } from '../host/ledger/result-codes.js';
import { verifyLedger } from '../host/ledger/verify.js';
import { LEDGER_AMOUNT_MICRO_MAX, LEDGER_BATCH_EVENTS_MAX } from '../host/limits.js';

const NOW_MS = 1_767_225_600_000;
const PREPAID = AccountFlags.debitsMustNotExceedCredits;

function pending(id: string, debit: string, credit: string, amountMicro: bigint, timeoutMs = 60_000): PendingTransfer {
  return { ...single(id, debit, credit, amountMicro), type: 'pending', timeoutMs };
}

for (const backend of storeBackends()) {
  describe(`SPEC §5 ledger transfers (${backend.kind})`, () => {
    const opened: FreshBackend[] = [];
    after(async () => {
      for (const fresh of opened) await fresh.close();
    });

    async function open(): Promise<LedgerFixture> {
      const fresh = await backend.open();
      opened.push(fresh);
      const fixture = ledgerFixture(fresh);
      const results = await fixture.ledger.createAccounts([account('bank'), account('alice', PREPAID), account('bob'), account('usd', 0, 'USD')], NOW_MS);
      assert.deepEqual(results, ['ok', 'ok', 'ok', 'ok']);
      return fixture;
    }

    async function balanceOf(fixture: LedgerFixture, id: string): Promise<bigint[]> {
      const row = (await fixture.ledger.balances([id])).get(id)!;
      return [row.debitsPostedMicro, row.creditsPostedMicro, row.debitsPendingMicro, row.creditsPendingMicro];
    }

    it('accounts: a retry with the same body is exists, a different body conflict, bad fields their own codes', async () => {
      const { ledger } = await open();
      const results = await ledger.createAccounts([
        account('bank'), { ...account('bank'), kind: 'liability' }, account('x', 0, 'XYZ'), account('y', 3), account('a#b'),
      ], NOW_MS);
      assert.deepEqual(results, ['exists', 'conflict', 'invalid_currency', 'invalid_flags', 'invalid_id']);
    });

    it('a transfer moves µ from debit to credit and every event gets its own result code', async () => {
      const fixture = await open();
      const results = await fixture.ledger.createTransfers([
        single('t1', 'bank', 'bob', 5_000_000n),
        single('t2', 'bank', 'nobody', 1n),
        single('t3', 'bank', 'usd', 1n),
        single('t4', 'bob', 'bob', 1n),
        single('t5', 'bank', 'bob', 0n),
        single('t6', 'bank', 'bob', 1n, ['missing']),
        single('t7', 'bob', 'bank', 2n, ['t1']),
      ], NOW_MS);
      assert.deepEqual(results, ['ok', 'account_not_found', 'currency_mismatch', 'same_account', 'invalid_amount', 'ref_not_found', 'ok']);
      assert.deepEqual(await balanceOf(fixture, 'bank'), [5_000_000n, 2n, 0n, 0n]);
      assert.deepEqual(await balanceOf(fixture, 'bob'), [2n, 5_000_000n, 0n, 0n]);
    });

    it('same id + same body is exists with no new entry; same id + different body is conflict', async () => {
      const fixture = await open();
      assert.deepEqual(await fixture.ledger.createTransfers([single('t1', 'bank', 'bob', 10n)], NOW_MS), ['ok']);
      const size = await fixture.ledger.treeSize();
      const again = await fixture.ledger.createTransfers([single('t1', 'bank', 'bob', 10n), single('t1', 'bank', 'bob', 11n)], NOW_MS);
      assert.deepEqual(again, ['exists', 'conflict']);
      assert.equal(await fixture.ledger.treeSize(), size);
      assert.deepEqual(await balanceOf(fixture, 'bob'), [0n, 10n, 0n, 0n]);
    });

    it('a prepaid account refuses an overdraft with insufficient_funds, pending debits counted', async () => {
      const fixture = await open();
      const results = await fixture.ledger.createTransfers([
        single('topup', 'bank', 'alice', 100n),
        pending('hold', 'alice', 'bob', 60n),
        single('spend-too-much', 'alice', 'bob', 41n),
        single('spend', 'alice', 'bob', 40n),
      ], NOW_MS);
      assert.deepEqual(results, ['ok', 'ok', 'insufficient_funds', 'ok']);
      assert.deepEqual(await balanceOf(fixture, 'alice'), [40n, 100n, 60n, 0n]);
    });

    it('two-phase: post ≤ pending releases the rest; void releases all; a second resolution is refused', async () => {
      const fixture = await open();
      const post: TransferEvent = { type: 'post', id: 'capture', pendingId: 'auth', amountMicro: 30n, ts: NOW_MS };
      const results = await fixture.ledger.createTransfers([
        pending('auth', 'bank', 'bob', 50n),
        { type: 'post', id: 'too-much', pendingId: 'auth', amountMicro: 51n, ts: NOW_MS },
        post,
        { type: 'void', id: 'late-void', pendingId: 'auth', ts: NOW_MS },
        pending('auth2', 'bank', 'bob', 70n),
        { type: 'void', id: 'cancel', pendingId: 'auth2', ts: NOW_MS },
        { ...post, id: 'capture2', pendingId: 'auth2' },
        { ...post, id: 'capture3', pendingId: 'nothing' },
      ], NOW_MS);
      assert.deepEqual(results, ['ok', 'exceeds_pending', 'ok', 'pending_already_posted', 'ok', 'ok', 'pending_already_voided', 'pending_not_found']);
      assert.deepEqual(await balanceOf(fixture, 'bank'), [30n, 0n, 0n, 0n]);
      assert.deepEqual(await balanceOf(fixture, 'bob'), [0n, 30n, 0n, 0n]);
      assert.deepEqual(await fixture.ledger.createTransfers([post], NOW_MS + 1), ['exists']);
    });

    it('expiry voids: the sweep appends void records, and a later post is pending_expired', async () => {
      const fixture = await open();
      await fixture.ledger.createTransfers([pending('p1', 'bank', 'bob', 9n, 1_000), pending('p2', 'bank', 'bob', 7n, 5_000)], NOW_MS);
      const late: TransferEvent = { type: 'post', id: 'c2', pendingId: 'p2', amountMicro: 7n, ts: NOW_MS };
      assert.deepEqual(await fixture.ledger.createTransfers([late], NOW_MS + 5_000), ['pending_expired']);
      const voids = await fixture.ledger.expirePending(NOW_MS + 1_000);
      assert.deepEqual(voids.map((row) => [row.type, row.pendingId, row.reason, row.amountMicro]), [['void', 'p1', 'expired', 9n]]);
      assert.deepEqual(await fixture.ledger.expirePending(NOW_MS + 1_000), [], 'a second sweep finds nothing');
      assert.deepEqual(await balanceOf(fixture, 'bank'), [0n, 0n, 7n, 0n]);
      assert.deepEqual(await fixture.ledger.createTransfers([{ ...late, id: 'c1', pendingId: 'p1' }], NOW_MS), ['pending_expired']);
      await fixture.ledger.expirePending(NOW_MS + 10_000);
      assert.deepEqual(await balanceOf(fixture, 'bank'), [0n, 0n, 0n, 0n]);
    });

    it('entries are append-only: a correction is a new transfer referencing the one it corrects', async () => {
      const fixture = await open();
      await fixture.ledger.createTransfers([single('bill', 'bob', 'bank', 120n)], NOW_MS);
      assert.deepEqual(await fixture.ledger.createTransfers([single('bill-fix', 'bank', 'bob', 20n, ['bill'])], NOW_MS), ['ok']);
      const stored = await fixture.ledger.transfers(['bill', 'bill-fix']);
      assert.equal(stored.get('bill')!.amountMicro, 120n);
      assert.equal(stored.get('bill-fix')!.refs, '["bill"]');
      assert.deepEqual(await balanceOf(fixture, 'bob'), [120n, 20n, 0n, 0n]);
    });

    it('a transfer that would pass the BIGINT range of a balance is overflow, and amounts above LEDGER_AMOUNT_MICRO_MAX invalid_amount', async () => {
      const fixture = await open();
      const results = await fixture.ledger.createTransfers([
        single('big1', 'bank', 'bob', LEDGER_AMOUNT_MICRO_MAX), single('big2', 'bank', 'bob', LEDGER_AMOUNT_MICRO_MAX - 1n),
        single('big3', 'bank', 'bob', 2n), single('big4', 'bank', 'bob', LEDGER_AMOUNT_MICRO_MAX + 1n), single('big5', 'bob', 'bank', 1n),
      ], NOW_MS);
      assert.deepEqual(results, ['ok', 'ok', 'overflow', 'invalid_amount', 'ok']);
      assert.deepEqual(await balanceOf(fixture, 'bob'), [1n, 2n ** 63n - 1n, 0n, 0n]);
      assert.equal((await verifyLedger(fixture.store, fixture.ledger.publicKey)).ok, true);
    });

    it('a batch over LEDGER_BATCH_EVENTS_MAX is refused whole with limit_exceeded', async () => {
      const { ledger } = await open();
      const batch = Array.from({ length: LEDGER_BATCH_EVENTS_MAX + 1 }, (_, index) => single(`t${index}`, 'bank', 'bob', 1n));
      await assert.rejects(ledger.createTransfers(batch, NOW_MS), (error: { code?: string }) => error.code === 'limit_exceeded');
      assert.equal(await ledger.treeSize(), 4);
    });

    it('Σ debits = Σ credits after random batches of every kind, and the ledger verifies', async () => {
      const fixture = await open();
      const random = seededRandom(backend.kind === 'sqlite' ? 5 : 6);
      const ids = ['bank', 'alice', 'bob', 'usd'];
      const codes = new Set<string>();
      const accepted: TransferEvent[] = [];
      for (let batch = 0; batch < 12; batch += 1) {
        const events: TransferEvent[] = Array.from({ length: 40 }, (_, index) => randomEvent(random, `b${batch}-${index}`, batch, ids));
        const results = await fixture.ledger.createTransfers(events, NOW_MS + batch * 1_000);
        results.forEach((result, index) => {
          codes.add(result);
          if (result === 'ok') accepted.push(events[index]!);
        });
        if (batch % 4 === 3) await fixture.ledger.expirePending(NOW_MS + batch * 1_000);
        const balances = [...(await fixture.ledger.balances(ids)).values()];
        const sum = (pick: (row: (typeof balances)[number]) => bigint): bigint => balances.reduce((total, row) => total + pick(row), 0n);
        assert.equal(sum((row) => row.debitsPostedMicro), sum((row) => row.creditsPostedMicro));
        assert.equal(sum((row) => row.debitsPendingMicro), sum((row) => row.creditsPendingMicro));
      }
      assert.ok(codes.has('ok') && codes.has('insufficient_funds') && codes.has('pending_expired'), [...codes].join());
      const size = await fixture.ledger.treeSize();
      const retried = await fixture.ledger.createTransfers(accepted, NOW_MS + 60_000);
      assert.ok(retried.every((result) => result === 'exists'), 'retrying every accepted event appends nothing');
      assert.equal(await fixture.ledger.treeSize(), size);
      assert.ok([...codes].every((code) => (TRANSFER_RESULTS as readonly string[]).includes(code)));
      const treeSize = await fixture.ledger.treeSize();
      assert.deepEqual(await verifyLedger(fixture.store, fixture.ledger.publicKey), { ok: true, treeSize, blocks: 0, unsealedRecords: treeSize });
    });
  });
}

function randomEvent(random: () => number, id: string, batch: number, accounts: string[]): TransferEvent {
  const pick = (): string => accounts[Math.floor(random() * accounts.length)]!;
  const earlier = `b${Math.max(0, batch - Math.floor(random() * 2))}-${Math.floor(random() * 40)}`;
  const amountMicro = BigInt(1 + Math.floor(random() * 1_000_000));
  const roll = random();
  if (roll < 0.4) return single(random() < 0.1 ? earlier : id, pick(), pick(), amountMicro);
  if (roll < 0.65) return { ...single(id, pick(), pick(), amountMicro), type: 'pending', timeoutMs: 1 + Math.floor(random() * 4_000) };
  if (roll < 0.85) return { type: 'post', id, pendingId: earlier, amountMicro: amountMicro / 3n + 1n, ts: 0 };
  return { type: 'void', id, pendingId: earlier, ts: 0 };
}
