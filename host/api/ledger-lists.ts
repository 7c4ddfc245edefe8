// Lists of ledger accounts and of one account's transfers (docs/api.md
// "Lists"), scoped like the reads by id: an account is its party's, and an
// account's transfers are visible wherever the account is (each one debits
// or credits it), except that operators do not see PPA transfers (SPEC §5);
// operators and regulators see every account.
import type { FastifyInstance } from 'fastify';
import type { Party } from '../store/party-store.js';
import { bearerSecurity, authErrorResponses } from './schemas.js';
import { callerOf, listScopeOf, notFoundUnlessVisible, readsAll } from './auth.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { AGREEMENT_TRANSFER_CODES } from './ledger-access.js';
import { accountSchema, idParamsSchema, transferSchema } from './ledger-schemas.js';
import { accountView, transferView } from './ledger-views.js';
import { pageOf, pageQuerySchema, pageReplySchema, pageRequestOf, type PageQuery } from './paging.js';

/** The transfer codes of the account's list hidden from `caller`, who may see the account; 404 if it may not. */
async function hiddenTransferCodes(context: ApiContext, caller: Party, accountId: string): Promise<readonly number[]> {
  const [account] = await context.store.ledger.ledgerRead((reader) => reader.readAccounts([accountId]));
  if (account === undefined) throw new ApiError('not_found', `account ${accountId} not found`);
  notFoundUnlessVisible(caller, [account.party], `account ${accountId}`);
  // The account's party is a party of every transfer on it.
  return account.party === caller.partyId || readsAll(caller, 'agreements') ? [] : AGREEMENT_TRANSFER_CODES;
}

export function ledgerListRoutes(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Querystring: PageQuery }>('/v1/accounts', {
    schema: {
      summary: "Ledger accounts with their balances, by id: the caller's own, or all for operators and regulators", tags: ['ledger'],
      security: bearerSecurity, querystring: pageQuerySchema, response: { 200: pageReplySchema('accounts', accountSchema), ...authErrorResponses },
    },
  }, async (request) => {
    const rows = await context.store.ledgerLists.accountsPage(listScopeOf(request), pageRequestOf(request.query));
    const { items, next } = pageOf(rows, request.query, (row) => row.account.id);
    return { accounts: items.map((row) => accountView(row.account, row.balance)), next };
  });

  app.get<{ Params: { id: string }; Querystring: PageQuery }>('/v1/accounts/:id/transfers', {
    schema: {
      summary: "An account's transfers (debit or credit), in ledger order (its party, operators, regulators)", tags: ['ledger'],
      security: bearerSecurity, params: idParamsSchema, querystring: pageQuerySchema,
      response: { 200: pageReplySchema('transfers', transferSchema), ...authErrorResponses },
    },
  }, async (request) => {
    const { id } = request.params;
    const page = pageRequestOf(request.query);
    const hiddenCodes = await hiddenTransferCodes(context, callerOf(request), id);
    const rows = await context.store.ledgerLists.transfersPage(id, page, hiddenCodes);
    if (rows === null) throw new ApiError('invalid_request', `querystring/after: ${page.after} is not a transfer of account ${id}`);
    const { items, next } = pageOf(rows, request.query, (row) => row.id);
    return { transfers: items.map(transferView), next };
  });
}
