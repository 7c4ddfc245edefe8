// Fixtures of the flow suites (docs/flows.md): an app with one party per
// role, wallets topped up by the operator, and the checks every flow's
// end-to-end test ends with — the ledger verifies from storage, debits equal
// credits, and a flow's records are provably in the signed tree.
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { AppOptions } from '../host/api/app.js';
import { verifyLedger } from '../host/ledger/verify.js';
import { verifyInclusion } from '../host/ledger/merkle.js';
import { verifyBlockSignature } from '../host/ledger/blocks.js';
import type { PartyRole } from '../host/store/party-store.js';
import type { BackendFactory } from './store-backends.js';
import { LEDGER_SIGNER, NOW_MS, call, created, openApi, provision, type ApiFixture, type Provisioned } from './api-helpers.js';

export interface FlowFixture extends ApiFixture, Provisioned {
  /** The API key of the party of `role` (`p-<role>`; the operator is `operator`). */
  as(role: PartyRole): string;
}

/** Test webhook receivers listen on loopback: the operator allow-list (docs/flows.md "Webhook targets") lets webhooks reach it over plain http. */
export const LOOPBACK_WEBHOOKS = { webhookAllow: ['127.0.0.1'], webhookAllowHttp: true } as const;

/** `options` reach buildApp (e.g. a movable `nowMs` clock). */
export async function openFlows(backend: BackendFactory, options: AppOptions = {}): Promise<FlowFixture> {
  const fixture = await openApi(backend, options);
  const provisioned = await provision(fixture);
  return { ...fixture, ...provisioned, as: (role) => provisioned.keys[role] };
}

/** Registers one more party (operator API) and issues its API key; returns the key. */
export async function addParty(fixture: ApiFixture, partyId: string, role: PartyRole): Promise<string> {
  await created(call(fixture.app, fixture.operatorKey, 'POST', '/v1/parties', { partyId, name: partyId, role }));
  return (await created<{ apiKey: string }>(call(fixture.app, fixture.operatorKey, 'POST', `/v1/parties/${partyId}/keys`))).apiKey;
}

/** Opens the wallet of `role`'s party in `currency` and tops it up by `amount` (a decimal string); returns the wallet's account id. */
export async function fundedWallet(fixture: FlowFixture, role: PartyRole, currency: string, amount: string, prepaid = true): Promise<string> {
  const opened = await call(fixture.app, fixture.as(role), 'POST', '/v1/wallets', { currency, prepaid });
  assert.equal(opened.statusCode, 201, opened.body);
  const accountId = (opened.json() as { wallet: { id: string } }).wallet.id;
  if (amount !== '0') {
    const topUp = await call(fixture.app, fixture.as('operator'), 'POST', `/v1/wallets/${accountId}/top-ups`, { id: `fund-${accountId}`, amount, ts: NOW_MS });
    assert.equal(topUp.statusCode, 200, topUp.body);
  }
  return accountId;
}

/** An account's balance on the wire: SPEC §1 µ amounts, exactly 6 decimals. */
export interface BalanceView {
  debitsPosted: string;
  creditsPosted: string;
  debitsPending: string;
  creditsPending: string;
}

/** A wire µ amount ("12.340000") in µ; asserts its form, exactly 6 decimals. */
export function microOf(amount: string): bigint {
  assert.match(amount, /^-?[0-9]+\.[0-9]{6}$/, `a µ amount has exactly 6 decimals: ${amount}`);
  return BigInt(amount.replace('.', ''));
}

/** An account's balance as its party (or any reader) sees it over HTTP. */
export async function balanceOf(app: FastifyInstance, apiKey: string, accountId: string): Promise<BalanceView> {
  const response = await call(app, apiKey, 'GET', `/v1/accounts/${encodeURIComponent(accountId)}`);
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { account: { balance: BalanceView } }).account.balance;
}

/** credits − debits posted, in µ: what a wallet holds. */
export function postedMicro(balance: BalanceView): bigint {
  return microOf(balance.creditsPosted) - microOf(balance.debitsPosted);
}

/** The ledger recomputes from storage (verifyLedger) and Σ debits = Σ credits over every account. */
export async function assertLedgerSound(fixture: ApiFixture): Promise<void> {
  const report = await verifyLedger(fixture.store.ledger, LEDGER_SIGNER.publicKey);
  assert.ok(report.ok, `verifyLedger: ${JSON.stringify(report)}`);
  const totals = await fixture.store.ledger.ledgerRead(async (reader) => {
    let debits = 0n;
    let credits = 0n;
    let after: string | null = null;
    for (;;) {
      const page = await reader.readBalancePage(after, 1_000);
      for (const row of page) {
        debits += row.debitsPostedMicro + row.debitsPendingMicro;
        credits += row.creditsPostedMicro + row.creditsPendingMicro;
      }
      if (page.length < 1_000) return { debits, credits };
      after = page[page.length - 1]!.accountId;
    }
  });
  assert.equal(totals.debits, totals.credits, 'Σ debits = Σ credits');
}

/**
 * Seals a block (operator), then proves over HTTP, as `apiKey`, that leaf
 * `index` is in the signed tree: the leaf is readable, the block signature
 * verifies and the inclusion proof leads to the block's root. Returns the
 * leaf's record as JSON.
 */
export async function assertRecordProven(fixture: FlowFixture, apiKey: string, index: number): Promise<Record<string, unknown>> {
  const { app } = fixture;
  const sealed = await call(app, fixture.as('operator'), 'POST', '/v1/ledger/blocks');
  assert.equal(sealed.statusCode, 200, sealed.body);
  const { block } = sealed.json() as { block: { height: number; treeSize: number; rootHash: string } };
  const [stored] = await fixture.store.ledger.ledgerRead((reader) => reader.readBlocks(block.height, 1));
  assert.ok(stored !== undefined && verifyBlockSignature(stored, LEDGER_SIGNER.publicKey), 'block signature verifies');
  const leafReply = await call(app, apiKey, 'GET', `/v1/ledger/leaves/${index}`);
  assert.equal(leafReply.statusCode, 200, leafReply.body);
  const { leaf } = leafReply.json() as { leaf: { leafBase64: string; leafHash: string } };
  const proofReply = await call(app, apiKey, 'GET', `/v1/ledger/proofs/inclusion?index=${index}&treeSize=${block.treeSize}`);
  assert.equal(proofReply.statusCode, 200, proofReply.body);
  const proof = proofReply.json() as { leafHash: string; rootHash: string; proof: string[] };
  const hash = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
  assert.equal(proof.leafHash, leaf.leafHash);
  assert.equal(proof.rootHash, block.rootHash);
  assert.ok(verifyInclusion(index, block.treeSize, hash(leaf.leafHash), proof.proof.map(hash), hash(block.rootHash)), 'inclusion proof verifies');
  return JSON.parse(Buffer.from(leaf.leafBase64, 'base64').toString('utf8')) as Record<string, unknown>;
}
