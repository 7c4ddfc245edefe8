// Wallets: a party's ledger account in one currency that the flows debit and
// credit (charging sessions, pre-authorised services, device transfers, …).
// A party opens its own wallet, prepaid by default (it may not go below
// zero, SPEC §5); the operator records money paid in from outside the ledger
// as a top-up from its clearing account.
import type { FastifyInstance } from 'fastify';
import { bearerAuth, callerOf, notFoundUnlessVisible, requireOperator } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { accountView } from '../api/ledger-views.js';
import { authErrorResponses, bearerSecurity, errorSchema } from '../api/schemas.js';
import { currencyExponent } from '../currency.js';
import { parseMinorAmount } from './flow-steps.js';
import {
  clearingAccountId, ensureAccounts, FLOW_TRANSFER_CODES, postTransfers, walletAccount, walletAccountId,
} from './ledger-bridge.js';
import { currencySchema, epochMsSchema, flowIdSchema, moneySchema } from './schemas.js';

const walletReply = { type: 'object', required: ['wallet'], properties: { wallet: { type: 'object', additionalProperties: true } } } as const;

interface NewWalletBody {
  currency: string;
  prepaid?: boolean;
}

interface TopUpBody {
  id: string;
  amount: string;
  ts: number;
}

async function walletView(context: ApiContext, accountId: string) {
  const [account] = await context.store.ledger.ledgerRead((reader) => reader.readAccounts([accountId]));
  if (account === undefined) return null;
  return { account, view: accountView(account, (await context.ledger.balances([accountId])).get(accountId)) };
}

export async function walletsPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));

  app.post<{ Body: NewWalletBody }>('/v1/wallets', {
    schema: {
      summary: "Open the caller's wallet in a currency (prepaid unless prepaid: false); opening it again answers the same wallet",
      tags: ['flows'], security: bearerSecurity,
      body: { type: 'object', required: ['currency'], additionalProperties: false, properties: { currency: currencySchema, prepaid: { type: 'boolean' } } },
      response: { 201: walletReply, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    const caller = callerOf(request);
    currencyExponent(request.body.currency);
    await ensureAccounts(context, [walletAccount(caller.partyId, request.body.currency, request.body.prepaid ?? true)]);
    const wallet = await walletView(context, walletAccountId(caller.partyId, request.body.currency));
    return reply.code(201).send({ wallet: wallet!.view });
  });

  app.get<{ Params: { accountId: string } }>('/v1/wallets/:accountId', {
    schema: {
      summary: 'A wallet and its balance (its party, operators, regulators)', tags: ['flows'], security: bearerSecurity,
      params: { type: 'object', required: ['accountId'], properties: { accountId: { type: 'string', maxLength: 300 } } },
      response: { 200: walletReply, ...authErrorResponses },
    },
  }, async (request) => {
    const wallet = await walletView(context, request.params.accountId);
    if (wallet === null || !wallet.account.id.startsWith('wallet:')) throw new ApiError('not_found', `wallet ${request.params.accountId} not found`);
    notFoundUnlessVisible(callerOf(request), [wallet.account.party], `wallet ${request.params.accountId}`);
    return { wallet: wallet.view };
  });

  app.post<{ Params: { accountId: string }; Body: TopUpBody }>('/v1/wallets/:accountId/top-ups', {
    schema: {
      summary: "Record money paid into a wallet from outside the ledger (operator): the operator's clearing account → the wallet",
      tags: ['flows'], security: bearerSecurity,
      params: { type: 'object', required: ['accountId'], properties: { accountId: { type: 'string', maxLength: 300 } } },
      body: { type: 'object', required: ['id', 'amount', 'ts'], additionalProperties: false, properties: { id: flowIdSchema, amount: moneySchema, ts: epochMsSchema } },
      response: { 200: walletReply, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request) => {
    const operator = requireOperator(request);
    const wallet = await walletView(context, request.params.accountId);
    if (wallet === null || !wallet.account.id.startsWith('wallet:')) throw new ApiError('not_found', `wallet ${request.params.accountId} not found`);
    const { currency } = wallet.account;
    // Money paid in is paid by a party: whole minor units (SPEC §5 posting rule), never rounded (SPEC §1).
    const amountMicro = parseMinorAmount(request.body.amount, 'amount', currency);
    const clearing = clearingAccountId(operator.partyId, currency);
    await ensureAccounts(context, [{ id: clearing, party: operator.partyId, currency, kind: 'clearing', flags: 0 }]);
    await postTransfers(context, [{
      type: 'single', id: `top-up:${request.body.id}`, debit: clearing, credit: wallet.account.id, amountMicro, currency,
      code: FLOW_TRANSFER_CODES.walletTopUp, ts: request.body.ts,
    }]);
    return { wallet: (await walletView(context, wallet.account.id))!.view };
  });
}
