// Random meter stories for the conservation tests (SPEC §2 "Conservation"
// carried through every flow, issue 9 point 3): a seeded generator, register
// readings with gaps (missing readings), spikes, resets and zero steps, the
// metered energy computed independently as Σ of the non-negative deltas,
// and the ledger check that Σ debits = Σ credits in every currency.
import assert from 'node:assert/strict';
import type { AppOptions } from '../host/api/app.js';
import { NOW_MS, call, type ApiFixture } from './api-helpers.js';
import { extraParty } from './flow-contract-helpers.js';
import { fundedWallet, openFlows, type FlowFixture } from './flow-helpers.js';
import type { BackendFactory } from './store-backends.js';

/** More than any story here spends. */
const AMPLE_EUR = '100000.00';

/** mulberry32: a small seeded generator, so a failing story can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An integer in [min, max]. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export interface RegisterStory {
  /** Reading times, ascending, epoch ms. */
  times: number[];
  /** The register value at each time, mWh. */
  values: number[];
}

/**
 * Reading times over [fromMs, toMs]: both edges always (so no pair spans a
 * window edge), and interior points on a `stepMs` grid, each kept with
 * probability 1/2 (a dropped run of points is a gap the kernel apportions
 * over a longer Δt).
 */
export function readingTimes(random: () => number, edgesMs: readonly number[], stepMs: number): number[] {
  const times: number[] = [];
  for (let edge = 0; edge + 1 < edgesMs.length; edge++) {
    times.push(edgesMs[edge]!);
    for (let tMs = edgesMs[edge]! + stepMs; tMs < edgesMs[edge + 1]!; tMs += stepMs) if (random() < 0.5) times.push(tMs);
  }
  times.push(edgesMs[edgesMs.length - 1]!);
  return times;
}

/**
 * A register over `times` for a meter rated `maxPowerW`: each step is a
 * plausible delta (up to the rating), a spike (above it), a reset (the
 * register drops) or zero.
 */
export function registerStory(random: () => number, times: readonly number[], maxPowerW: number): RegisterStory {
  const values = [randomInt(random, 0, 1_000_000_000)];
  for (let index = 1; index < times.length; index++) {
    const previous = values[index - 1]!;
    // SPEC §2: a pair is a spike when d × 3600 > maxPowerW × Δt (mWh, W, ms).
    const plausibleMaxMWh = Math.floor((maxPowerW * (times[index]! - times[index - 1]!)) / 3_600);
    const kind = random();
    let next: number;
    if (kind < 0.6) next = previous + randomInt(random, 0, plausibleMaxMWh);
    else if (kind < 0.75) next = previous + plausibleMaxMWh + randomInt(random, 1, plausibleMaxMWh + 1);
    else if (kind < 0.85) next = randomInt(random, 0, Math.max(0, previous - 1));
    else next = previous;
    values.push(next);
  }
  return { times: [...times], values };
}

/** Σ of the non-negative deltas of the pairs ending in (fromMs, toMs]: the window's metered energy, mWh. */
export function meteredMWh(story: RegisterStory, fromMs: number, toMs: number): bigint {
  let energyMWh = 0n;
  for (let index = 1; index < story.times.length; index++) {
    const endMs = story.times[index]!;
    const deltaMWh = story.values[index]! - story.values[index - 1]!;
    if (endMs > fromMs && endMs <= toMs && deltaMWh > 0) energyMWh += BigInt(deltaMWh);
  }
  return energyMWh;
}

/** Σ debits = Σ credits (posted and pending) over the accounts of each currency. */
export async function assertBalancedPerCurrency(fixture: ApiFixture): Promise<void> {
  const totals = await fixture.store.ledger.ledgerRead(async (reader) => {
    const byCurrency = new Map<string, { debits: bigint; credits: bigint }>();
    let after: string | null = null;
    for (;;) {
      const page = await reader.readBalancePage(after, 1_000);
      const accounts = new Map((await reader.readAccounts(page.map((row) => row.accountId))).map((account) => [account.id, account]));
      for (const row of page) {
        const currency = accounts.get(row.accountId)!.currency;
        const sums = byCurrency.get(currency) ?? { debits: 0n, credits: 0n };
        sums.debits += row.debitsPostedMicro + row.debitsPendingMicro;
        sums.credits += row.creditsPostedMicro + row.creditsPendingMicro;
        byCurrency.set(currency, sums);
      }
      if (page.length < 1_000) return byCurrency;
      after = page[page.length - 1]!.accountId;
    }
  });
  assert.ok(totals.size > 0, 'the ledger holds accounts');
  for (const [currency, { debits, credits }] of totals) assert.equal(debits, credits, `Σ debits = Σ credits in ${currency}`);
}

/**
 * A flow fixture whose participant and transmission company hold ample EUR
 * (the supplier an empty wallet), with one more participant `partyId`, also
 * funded; answers the fixture and that party's key.
 */
export async function openFundedFlows(backend: BackendFactory, partyId: string, options: AppOptions = {}): Promise<{ fixture: FlowFixture; otherKey: string }> {
  const fixture = await openFlows(backend, options);
  const otherKey = await extraParty(fixture, partyId, 'participant');
  await fundedWallet(fixture, 'participant', 'EUR', AMPLE_EUR);
  await fundedWallet(fixture, 'supplier', 'EUR', '0');
  await fundedWallet(fixture, 'transmission', 'EUR', AMPLE_EUR);
  assert.equal((await call(fixture.app, otherKey, 'POST', '/v1/wallets', { currency: 'EUR' })).statusCode, 201);
  await call(fixture.app, fixture.as('operator'), 'POST', `/v1/wallets/wallet:${partyId}:EUR/top-ups`, { id: `${partyId}-fund`, amount: AMPLE_EUR, ts: NOW_MS });
  return { fixture, otherKey };
}
