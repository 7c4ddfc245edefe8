import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeBackends } from './store-backends.js';
import {
  CLOCK_MS, FEB_FROM_MS, JAN_FROM_MS, PEAK_ONLY_TARIFF, SUPPLIER, hourOf, seedJanuary, settlementFixture, type SettlementFixture,
} from './settlement-helpers.js';
import { runSettlement } from '../host/settlement/run.js';
import { accountStatements, runStatements, settlementRun, statementsCsv } from '../host/settlement/reads.js';
import { registerBillingAccount, registerTariff } from '../host/settlement/catalog.js';
import type { BillingAccount } from '../host/store/settlement-store.js';
import {
  customerLedgerAccountId, settlementTransferId, supplierRevenueAccountId, SETTLEMENT_ADJUSTMENT_CODE, SETTLEMENT_TRANSFER_CODE,
} from '../host/settlement/postings.js';

const JANUARY = { fromMs: JAN_FROM_MS, toMs: FEB_FROM_MS };
const BILL_A = customerLedgerAccountId('acct-a');
const BILL_B = customerLedgerAccountId('acct-b');
const REVENUE = supplierRevenueAccountId(SUPPLIER, 'EUR');

async function postedMicro(fixture: SettlementFixture, accountId: string): Promise<[bigint, bigint]> {
  const balance = (await fixture.ledger.balances([accountId])).get(accountId);
  return balance === undefined ? [0n, 0n] : [balance.debitsPostedMicro, balance.creditsPostedMicro];
}

/** What a run that stopped between claim and ledger leaves behind: a claim row, posted = false. */
async function postDuesClaimOnly(fixture: SettlementFixture, account: BillingAccount, deltaMicro: bigint): Promise<void> {
  const inserted = await fixture.settlement.claimPostings([{
    accountId: account.accountId, fromMs: JAN_FROM_MS, toMs: FEB_FROM_MS, revision: 0,
    transferId: settlementTransferId(account.accountId, JAN_FROM_MS, FEB_FROM_MS, 0), deltaMicro, currency: 'EUR',
    debitAccount: BILL_A, creditAccount: REVENUE, refs: [], runId: 'stopped', posted: false,
  }]);
  assert.deepEqual(inserted, [true]);
}

async function withJanuary(kind: string, test: (fixture: SettlementFixture) => Promise<void>): Promise<void> {
  const backend = storeBackends().find((candidate) => candidate.kind === kind)!;
  const fresh = await backend.open();
  try {
    const fixture = await settlementFixture(fresh);
    await seedJanuary(fixture);
    await test(fixture);
  } finally {
    await fresh.close();
  }
}

for (const backend of storeBackends()) {
  describe(`SPEC §2/§3/§5 settlement from stored readings (${backend.kind})`, () => {
    it('a two-account month prices summed meters under TOU and tiers, credits export, and posts each total to the ledger', async () => {
      await withJanuary(backend.kind, async (fixture) => {
        const progress: unknown[] = [];
        const run = await runSettlement(fixture.deps, { ...JANUARY, runId: 'jan-1', onProgress: (step) => { progress.push(step); } });
        assert.equal(run.status, 'completed');
        assert.deepEqual([run.accountsTotal, run.accountsDone, run.accountsFailed, run.transfersPosted, run.readings], [2, 2, 0, 2, 7]);
        assert.equal(run.durationMs, 0);
        assert.deepEqual(progress, [{ accountsDone: 2, accountsTotal: 2, readings: 7 }]);
        const [a, b] = await runStatements(fixture.settlement, 'jan-1');
        // Sums per interval: 07:00–07:45 1 kWh offpeak; 08:00, 08:15 2; 08:30, 08:45 3.5; 09:00, 09:15 1.5 peak.
        // The 10 kWh bound counts offpeak import too: cumulative 4, 6, 8, then 11.5 splits 2 | 1.5.
        assert.deepEqual(a!.statement!.lines, [
          { kind: 'energy', period: 'offpeak', tier: 0, kwh: '4', unitPrice: '0.2', amount: '0.80' },
          { kind: 'energy', period: 'peak', tier: 0, kwh: '6', unitPrice: '0.3', amount: '1.80' },
          { kind: 'energy', period: 'peak', tier: 1, kwh: '8', unitPrice: '0.4', amount: '3.20' },
          { kind: 'fixed', period: null, tier: null, kwh: null, unitPrice: '0.5', days: 31, amount: '15.50' },
        ]);
        assert.deepEqual(a!.statement!.taxes, [{ name: 'VAT', rate: '0.19', base: '21.30', amount: '4.05' }]);
        assert.equal(a!.statement!.total, '25.35');
        assert.deepEqual([a!.statement!.intervals, a!.statement!.missingIntervals, a!.statement!.flaggedIntervals.estimated], [10, 2966, 10]);
        assert.equal(b!.statement!.total, '-0.50');
        assert.deepEqual(b!.statement!.lines.map((line) => [line.kind, line.kwh, line.amount]), [['energy', '2', '0.50'], ['export', '10', '-1.00']]);
        assert.deepEqual(await postedMicro(fixture, BILL_A), [25_350_000n, 0n]);
        assert.deepEqual(await postedMicro(fixture, BILL_B), [0n, 500_000n], 'export credit moves money to the account');
        assert.deepEqual(await postedMicro(fixture, REVENUE), [500_000n, 25_350_000n]);
        const original = (await fixture.ledger.transfers([settlementTransferId('acct-a', JAN_FROM_MS, FEB_FROM_MS, 0)])).values().next().value!;
        assert.deepEqual([original.code, original.ts, original.refs], [SETTLEMENT_TRANSFER_CODE, FEB_FROM_MS, '[]']);
      });
    });

    it('a run reports progress after each batch while its row says running, then records completion', async () => {
      await withJanuary(backend.kind, async (fixture) => {
        const seen: unknown[] = [];
        const run = await runSettlement(fixture.deps, {
          ...JANUARY, runId: 'jan-1', metersPerBatch: 1,
          onProgress: async (progress) => {
            const row = (await settlementRun(fixture.settlement, 'jan-1'))!;
            seen.push([progress.accountsDone, progress.accountsTotal, progress.readings, row.status, row.accountsDone, row.readings]);
          },
        });
        // acct-a's two meters stay in one batch although the batch size is 1.
        assert.deepEqual(seen, [[1, 2, 5, 'running', 1, 5], [2, 2, 7, 'running', 2, 7]]);
        assert.deepEqual([run.status, run.finishedAtMs, run.durationMs, run.error], ['completed', CLOCK_MS, 0, null]);
      });
    });

    it('re-running a period with unchanged data posts nothing: the ledger tree does not grow', async () => {
      await withJanuary(backend.kind, async (fixture) => {
        await runSettlement(fixture.deps, { ...JANUARY, runId: 'jan-1' });
        const treeSize = await fixture.ledger.treeSize();
        const again = await runSettlement(fixture.deps, { ...JANUARY, runId: 'jan-2' });
        assert.deepEqual([again.status, again.transfersPosted], ['completed', 0]);
        assert.equal(await fixture.ledger.treeSize(), treeSize);
        assert.equal((await runStatements(fixture.settlement, 'jan-2')).length, 2, 'each run still stores its statements');
      });
    });

    it('a late reading yields exactly one adjustment for the difference, naming the transfer it corrects', async () => {
      await withJanuary(backend.kind, async (fixture) => {
        await runSettlement(fixture.deps, { ...JANUARY, runId: 'jan-1' });
        const treeSize = await fixture.ledger.treeSize();
        await fixture.addReadings([['m3', hourOf(10, 14), 4_000_000n, 10_000_000n]]); // +2 kWh import: +0.50
        const late = await runSettlement(fixture.deps, { ...JANUARY, runId: 'jan-2' });
        assert.equal(late.transfersPosted, 1);
        assert.equal(await fixture.ledger.treeSize(), treeSize + 1);
        const originalId = settlementTransferId('acct-b', JAN_FROM_MS, FEB_FROM_MS, 0);
        const adjustmentId = settlementTransferId('acct-b', JAN_FROM_MS, FEB_FROM_MS, 1);
        const transfers = await fixture.ledger.transfers([originalId, adjustmentId]);
        const adjustment = transfers.get(adjustmentId)!;
        assert.deepEqual(
          [adjustment.debit, adjustment.credit, adjustment.amountMicro, adjustment.code, JSON.parse(adjustment.refs)],
          [BILL_B, REVENUE, 500_000n, SETTLEMENT_ADJUSTMENT_CODE, [originalId]],
        );
        assert.deepEqual([transfers.get(originalId)!.debit, transfers.get(originalId)!.amountMicro], [REVENUE, 500_000n], 'the original is unchanged');
        assert.deepEqual(await postedMicro(fixture, BILL_B), [500_000n, 500_000n], 'the account nets to the new total, 0.00');
        const history = await accountStatements(fixture.settlement, 'acct-b', JANUARY);
        assert.deepEqual(history.map((stored) => [stored.runId, stored.statement!.total]), [['jan-1', '-0.50'], ['jan-2', '0.00']]);
        const third = await runSettlement(fixture.deps, { ...JANUARY, runId: 'jan-3' });
        assert.equal(third.transfersPosted, 0, 'the adjusted period is settled');
      });
    });

    it('an account whose tariff has no price for an interval fails with no_price and posts nothing; the others settle', async () => {
      await withJanuary(backend.kind, async (fixture) => {
        await registerTariff(fixture.settlement, PEAK_ONLY_TARIFF, CLOCK_MS);
        await registerBillingAccount(fixture.settlement, { accountId: 'acct-c', ownerPartyId: 'cust-c', supplierPartyId: SUPPLIER, tariffId: 'peak-only', currency: 'EUR' }, CLOCK_MS);
        await fixture.addMeter('m4', 'acct-c');
        await fixture.addReadings([['m4', hourOf(6, 2), 0n], ['m4', hourOf(6, 3), 1_000n]]); // Tuesday 02:00, offpeak
        const run = await runSettlement(fixture.deps, { ...JANUARY, runId: 'jan-1' });
        assert.deepEqual([run.status, run.accountsDone, run.accountsFailed, run.transfersPosted], ['failed', 3, 1, 2]);
        assert.match(run.error!, /^no_price: 1 account\(s\), first acct-c$/);
        const c = (await runStatements(fixture.settlement, 'jan-1')).find((stored) => stored.accountId === 'acct-c')!;
        assert.deepEqual([c.status, c.statement, c.error!.code], ['failed', null, 'no_price']);
        assert.equal((await fixture.ledger.balances([customerLedgerAccountId('acct-c')])).size, 0, 'no ledger account, no transfer');
        assert.equal((await fixture.ledger.transfers([settlementTransferId('acct-c', JAN_FROM_MS, FEB_FROM_MS, 0)])).size, 0);
        assert.deepEqual(await postedMicro(fixture, BILL_A), [25_350_000n, 0n]);
      });
    });

    it('a claim left unposted by a stopped run is posted by the next run with the same body, then the difference', async () => {
      await withJanuary(backend.kind, async (fixture) => {
        const account = (await fixture.settlement.billingAccount('acct-a'))!;
        // A run that stopped after claiming 20.00 for acct-a, before the ledger call.
        await postDuesClaimOnly(fixture, account, 20_000_000n);
        const run = await runSettlement(fixture.deps, { ...JANUARY, runId: 'jan-1' });
        assert.equal(run.transfersPosted, 3, 'the stranded claim, its 5.35 adjustment, and acct-b');
        const claims = await fixture.settlement.postings(['acct-a'], JAN_FROM_MS, FEB_FROM_MS);
        assert.deepEqual(claims.map((claim) => [claim.revision, claim.deltaMicro, claim.posted]), [[0, 20_000_000n, true], [1, 5_350_000n, true]]);
        assert.deepEqual(await postedMicro(fixture, BILL_A), [25_350_000n, 0n]);
      });
    });

    it('readings across the period edge contribute only their in-period intervals, and batch size changes nothing', async () => {
      await withJanuary(backend.kind, async (fixture) => {
        await registerBillingAccount(fixture.settlement, { accountId: 'acct-d', ownerPartyId: 'cust-d', supplierPartyId: SUPPLIER, tariffId: 'flat-export', currency: 'EUR' }, CLOCK_MS);
        await fixture.addMeter('m5', 'acct-d');
        // 31 Dec 23:00 → 1 Jan 01:00, 8 kWh: 1 kWh per 15 min, 4 of them in January; 31 Jan 23:00 → 1 Feb 01:00 likewise.
        await fixture.addReadings([
          ['m5', hourOf(0, 23), 0n], ['m5', hourOf(1, 1), 8_000_000n], ['m5', hourOf(31, 23), 8_000_000n], ['m5', hourOf(32, 1), 16_000_000n],
        ]);
        await runSettlement(fixture.deps, { ...JANUARY, runId: 'wide' });
        await runSettlement(fixture.deps, { ...JANUARY, runId: 'narrow', metersPerBatch: 1 });
        const wide = await runStatements(fixture.settlement, 'wide');
        const d = wide.find((stored) => stored.accountId === 'acct-d')!.statement!;
        assert.deepEqual(d.lines.map((line) => [line.kwh, line.amount]), [['8', '2.00']], '4 kWh on 1 Jan 00:00–01:00 and 4 kWh on 31 Jan 23:00–24:00');
        const narrow = await runStatements(fixture.settlement, 'narrow');
        assert.deepEqual(narrow.map((stored) => stored.statement), wide.map((stored) => stored.statement));
      });
    });

    it('statements read back as CSV: one row per line item, then taxes and the total', async () => {
      await withJanuary(backend.kind, async (fixture) => {
        await runSettlement(fixture.deps, { ...JANUARY, runId: 'jan,1' });
        const period = `${JAN_FROM_MS},${FEB_FROM_MS}`;
        assert.equal(statementsCsv(await runStatements(fixture.settlement, 'jan,1')), [
          'run,account,from,to,currency,kind,period,tier,kwh,unitPrice,days,base,amount,error',
          `"jan,1",acct-a,${period},EUR,energy,offpeak,0,4,0.2,,,0.80,`,
          `"jan,1",acct-a,${period},EUR,energy,peak,0,6,0.3,,,1.80,`,
          `"jan,1",acct-a,${period},EUR,energy,peak,1,8,0.4,,,3.20,`,
          `"jan,1",acct-a,${period},EUR,fixed,,,,0.5,31,,15.50,`,
          `"jan,1",acct-a,${period},EUR,tax,VAT,,,0.19,,21.30,4.05,`,
          `"jan,1",acct-a,${period},EUR,total,,,,,,,25.35,`,
          `"jan,1",acct-b,${period},EUR,energy,,0,2,0.25,,,0.50,`,
          `"jan,1",acct-b,${period},EUR,export,,,10,0.1,,,-1.00,`,
          `"jan,1",acct-b,${period},EUR,total,,,,,,,-0.50,`,
          '',
        ].join('\r\n'));
      });
    });

    it('CSV cells that a spreadsheet would run as formulas are defused with a leading quote; negative amounts stay numbers', async () => {
      await withJanuary(backend.kind, async (fixture) => {
        const runId = '=HYPERLINK("http://x")';
        await runSettlement(fixture.deps, { ...JANUARY, runId });
        const statements = await runStatements(fixture.settlement, runId);
        const csvWithAccounts = (a: string, b: string) => statementsCsv([{ ...statements[0]!, accountId: a }, { ...statements[1]!, accountId: b }]).split('\r\n');
        const lines = csvWithAccounts('@SUM(1)', '-cmd');
        const defusedRun = '"\'=HYPERLINK(""http://x"")"';
        assert.ok(lines.slice(1, -1).every((line) => line.startsWith(`${defusedRun},`)), lines.join('\n'));
        assert.ok(lines.some((line) => line.startsWith(`${defusedRun},"'@SUM(1)",`)));
        for (const hostile of ['+1+1', '\tTAB', '\rCR']) {
          assert.ok(csvWithAccounts(hostile, 'b').join('\r\n').includes(`${defusedRun},"'${hostile}",`), JSON.stringify(hostile));
        }
        assert.ok(lines.includes(`${defusedRun},"'-cmd",${JAN_FROM_MS},${FEB_FROM_MS},EUR,export,,,10,0.1,,,-1.00,`), 'a SPEC §1 negative amount is left a number');
        assert.ok(lines.includes(`${defusedRun},"'-cmd",${JAN_FROM_MS},${FEB_FROM_MS},EUR,total,,,,,,,-0.50,`));
      });
    });

    it('a tariff is validated on registration and immutable; an account must use its tariff\'s currency', async () => {
      await withJanuary(backend.kind, async (fixture) => {
        await assert.rejects(registerTariff(fixture.settlement, { ...PEAK_ONLY_TARIFF, id: 'bad', fixedPerDay: 0.5 }, CLOCK_MS), { code: 'invalid_amount' });
        await assert.rejects(registerTariff(fixture.settlement, { ...PEAK_ONLY_TARIFF, id: 'tou-2026' }, CLOCK_MS), { code: 'invalid_input' });
        assert.equal(await registerTariff(fixture.settlement, { ...PEAK_ONLY_TARIFF, id: 'peak-only' }, CLOCK_MS), 'created');
        await assert.rejects(registerBillingAccount(fixture.settlement, {
          accountId: 'acct-x', ownerPartyId: 'cust-x', supplierPartyId: SUPPLIER, tariffId: 'peak-only', currency: 'USD',
        }, CLOCK_MS), { code: 'invalid_input' });
      });
    });
  });
}
