// The ledger over HTTP (SPEC §5, docs/api.md "Ledger"): accounts and
// transfers (operators write; parties read their own; regulators read all),
// then the log routes (ledger-log.ts). Batches answer 200 with one result
// code per event, in request order, as the ledger gives them.
import type { FastifyInstance } from 'fastify';
import { API_LEDGER_BODY_BYTES_MAX } from '../limits.js';
import type { AccountInput } from '../ledger/types.js';
import { bearerAuth, callerOf, notFoundUnlessVisible, requireOperator } from './auth.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { transferVisibleTo } from './ledger-access.js';
import { ledgerListRoutes } from './ledger-lists.js';
import { ledgerLogRoutes } from './ledger-log.js';
import {
  accountResultsSchema, accountSchema, idParamsSchema, newAccountsSchema, newTransfersSchema, transferResultsSchema, transferSchema,
} from './ledger-schemas.js';
import { accountView, transferEventOf, transferView, type TransferEventBody } from './ledger-views.js';
import { authErrorResponses, bearerSecurity, errorSchema } from './schemas.js';

interface IdParams {
  id: string;
}

function indexed<T extends string>(ids: readonly string[], results: readonly T[]) {
  return { results: results.map((result, index) => ({ index, id: ids[index]!, result })) };
}

/** Accounts whose party is registered go to the ledger; the others get `party_not_found`. */
async function createAccounts(context: ApiContext, accounts: AccountInput[]): Promise<string[]> {
  const known = new Set<string>();
  for (const party of new Set(accounts.map((account) => account.party))) {
    if ((await context.store.parties.party(party)) !== null) known.add(party);
  }
  const accepted = accounts.filter((account) => known.has(account.party));
  const ledgerResults = await context.ledger.createAccounts(accepted, context.nowMs());
  let next = 0;
  return accounts.map((account) => (known.has(account.party) ? ledgerResults[next++]! : 'party_not_found'));
}

function accountRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Body: { accounts: AccountInput[] } }>('/v1/accounts', {
    bodyLimit: API_LEDGER_BODY_BYTES_MAX,
    schema: {
      summary: 'Create ledger accounts (operator); one result code per account', tags: ['ledger'], security: bearerSecurity,
      body: newAccountsSchema, response: { 200: accountResultsSchema, 413: errorSchema, ...authErrorResponses },
    },
  }, async (request) => {
    requireOperator(request);
    const { accounts } = request.body;
    return indexed(accounts.map((account) => account.id), await createAccounts(context, accounts));
  });

  app.get<{ Params: IdParams }>('/v1/accounts/:id', {
    schema: {
      summary: 'One account with its balance (its party, operators, regulators)', tags: ['ledger'], security: bearerSecurity,
      params: idParamsSchema, response: { 200: { type: 'object', required: ['account'], properties: { account: accountSchema } }, ...authErrorResponses },
    },
  }, async (request) => {
    const { id } = request.params;
    const [account, balances] = await context.store.ledger.ledgerRead(async (reader) => [await reader.readAccounts([id]), await reader.readBalances([id])] as const);
    if (account[0] === undefined) throw new ApiError('not_found', `account ${id} not found`);
    notFoundUnlessVisible(callerOf(request), [account[0].party], `account ${id}`);
    return { account: accountView(account[0], balances[0]) };
  });
}

function transferRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Body: { transfers: TransferEventBody[] } }>('/v1/transfers', {
    bodyLimit: API_LEDGER_BODY_BYTES_MAX,
    schema: {
      summary: 'Post a batch of transfers (operator): single, pending, post, void; one result code per transfer', tags: ['ledger'],
      security: bearerSecurity, body: newTransfersSchema, response: { 200: transferResultsSchema, 413: errorSchema, ...authErrorResponses },
    },
  }, async (request) => {
    requireOperator(request);
    const { transfers } = request.body;
    const results = await context.ledger.createTransfers(transfers.map(transferEventOf), context.nowMs());
    return indexed(transfers.map((transfer) => transfer.id), results);
  });

  app.get<{ Params: IdParams }>('/v1/transfers/:id', {
    schema: {
      summary: 'One transfer (the parties of its accounts, regulators, operators unless it settles a PPA)', tags: ['ledger'], security: bearerSecurity,
      params: idParamsSchema, response: { 200: { type: 'object', required: ['transfer'], properties: { transfer: transferSchema } }, ...authErrorResponses },
    },
  }, async (request) => {
    const { id } = request.params;
    const caller = callerOf(request);
    const transfer = await context.store.ledger.ledgerRead(async (reader) => {
      const [row] = await reader.readTransfers([id]);
      return row !== undefined && (await transferVisibleTo(caller, reader, row)) ? row : null;
    });
    if (transfer === null) throw new ApiError('not_found', `transfer ${id} not found`);
    return { transfer: transferView(transfer) };
  });
}

export async function ledgerPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));
  accountRoutes(app, context);
  transferRoutes(app, context);
  ledgerListRoutes(app, context);
  ledgerLogRoutes(app, context);
}
