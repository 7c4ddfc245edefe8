// Settlement over HTTP (docs/api.md "Settlement", docs/settlement.md):
// operators register tariffs and billing accounts and start runs; a billing
// account's statements are its owner's and its supplier's; operators and
// regulators read all. Anything not the caller's answers 404.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { registerBillingAccount, registerTariff } from '../settlement/catalog.js';
import { accountStatements, runStatements, statementsCsv, type StoredStatement } from '../settlement/reads.js';
import type { PartyRole } from '../store/party-store.js';
import type { BillingAccount, SettlementRunRecord } from '../store/settlement-store.js';
import { bearerAuth, callerOf, notFoundUnlessVisible, readsAll, requireOperator } from './auth.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { pageOf, pageQuerySchema, pageReplySchema, pageRequestOf, type PageQuery } from './paging.js';
import { authErrorResponses, bearerSecurity, errorSchema, idSchema } from './schemas.js';
import {
  accountStatementsQuerySchema, billingAccountIdSchema, billingAccountReplySchema, newBillingAccountSchema, newRunSchema,
  newTariffSchema, runReplySchema, runSchema, statementsQuerySchema, statementsReplySchema, tariffReplySchema, type NewRunBody,
} from './settlement-schemas.js';
import { SettlementRunner } from './settlement-runner.js';
import { ChunkSettler, pollChunks } from '../settlement/chunk-settler.js';

interface IdParams {
  id: string;
}

const idParams = (schema: object) => ({ type: 'object', required: ['id'], properties: { id: schema } });

function runView(run: SettlementRunRecord) {
  return {
    runId: run.runId, from: run.fromMs, to: run.toMs, intervalMs: run.intervalMs, status: run.status,
    progress: { accountsDone: run.accountsDone, accountsTotal: run.accountsTotal, readings: run.readings },
    accountsFailed: run.accountsFailed, transfersPosted: run.transfersPosted, startedAtMs: run.startedAtMs,
    finishedAtMs: run.finishedAtMs, durationMs: run.durationMs, error: run.error,
  };
}

/** CSV when asked by `?format=csv` or an Accept header naming text/csv (and no `?format=json`). */
function wantsCsv(request: FastifyRequest<{ Querystring: { format?: 'json' | 'csv' } }>): boolean {
  if (request.query.format !== undefined) return request.query.format === 'csv';
  return (request.headers.accept ?? '').includes('text/csv');
}

function sendStatements(request: FastifyRequest<{ Querystring: { format?: 'json' | 'csv' } }>, reply: FastifyReply, statements: StoredStatement[]) {
  if (!wantsCsv(request)) return reply.send({ statements });
  return reply.type('text/csv; charset=utf-8').send(statementsCsv(statements));
}

/** The billing account's party must exist and hold `role` (SPEC §5 roles). */
async function requirePartyRole(context: ApiContext, field: string, partyId: string, role: PartyRole): Promise<void> {
  const party = await context.store.parties.party(partyId);
  if (party === null) throw new ApiError('invalid_request', `body/${field}: party ${partyId} does not exist`);
  if (party.role !== role) throw new ApiError('invalid_request', `body/${field}: party ${partyId} has role ${party.role}, not ${role}`);
}

async function visibleBillingAccount(context: ApiContext, request: FastifyRequest, accountId: string): Promise<BillingAccount> {
  const account = await context.store.settlement.billingAccount(accountId);
  if (account === null) throw new ApiError('not_found', `billing account ${accountId} not found`);
  notFoundUnlessVisible(callerOf(request), [account.ownerPartyId, account.supplierPartyId], `billing account ${accountId}`);
  return account;
}

function catalogRoutes(app: FastifyInstance, context: ApiContext): void {
  const { settlement } = context.store;
  app.post<{ Body: { id: string } }>('/v1/tariffs', {
    schema: {
      summary: 'Register a SPEC §3 tariff (operator); immutable: 201 created, 200 the same again', tags: ['settlement'],
      security: bearerSecurity, body: newTariffSchema, response: { 200: tariffReplySchema, 201: tariffReplySchema, 422: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    requireOperator(request);
    const outcome = await registerTariff(settlement, request.body, context.nowMs());
    return reply.code(outcome === 'created' ? 201 : 200).send({ tariff: JSON.parse((await settlement.tariffJson(request.body.id))!) });
  });

  app.get<{ Params: IdParams }>('/v1/tariffs/:id', {
    schema: {
      summary: 'One tariff (any party: tariffs are published prices)', tags: ['settlement'], security: bearerSecurity,
      params: idParams(idSchema), response: { 200: tariffReplySchema, ...authErrorResponses },
    },
  }, async (request) => {
    const tariffJson = await settlement.tariffJson(request.params.id);
    if (tariffJson === null) throw new ApiError('not_found', `tariff ${request.params.id} not found`);
    return { tariff: JSON.parse(tariffJson) };
  });

  app.post<{ Body: BillingAccount }>('/v1/billing-accounts', {
    schema: {
      summary: 'Register a billing account (operator): a participant owner, a supplier, a tariff', tags: ['settlement'],
      security: bearerSecurity, body: newBillingAccountSchema,
      response: { 200: billingAccountReplySchema, 201: billingAccountReplySchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    requireOperator(request);
    const account = request.body;
    await requirePartyRole(context, 'ownerPartyId', account.ownerPartyId, 'participant');
    await requirePartyRole(context, 'supplierPartyId', account.supplierPartyId, 'supplier');
    const outcome = await registerBillingAccount(settlement, account, context.nowMs());
    return reply.code(outcome === 'created' ? 201 : 200).send({ billingAccount: account });
  });

  app.get<{ Params: IdParams }>('/v1/billing-accounts/:id', {
    schema: {
      summary: 'One billing account (its owner, its supplier, operators, regulators)', tags: ['settlement'], security: bearerSecurity,
      params: idParams(billingAccountIdSchema), response: { 200: billingAccountReplySchema, ...authErrorResponses },
    },
  }, async (request) => ({ billingAccount: await visibleBillingAccount(context, request, request.params.id) }));

  app.get<{ Params: IdParams; Querystring: { from: number; to: number; format?: 'json' | 'csv' } }>('/v1/billing-accounts/:id/statements', {
    schema: {
      summary: "The account's statements for [from, to) from every run, oldest first (JSON, or CSV)", tags: ['settlement'],
      security: bearerSecurity, params: idParams(billingAccountIdSchema), querystring: accountStatementsQuerySchema,
      response: { 200: statementsReplySchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    await visibleBillingAccount(context, request, request.params.id);
    const { from, to } = request.query;
    return sendStatements(request, reply, await accountStatements(settlement, request.params.id, { fromMs: from, toMs: to }));
  });
}

/** A run's statements as the caller may see them: all for read-all roles, else the accounts it owns or supplies. */
async function visibleRunStatements(context: ApiContext, request: FastifyRequest, runId: string): Promise<StoredStatement[]> {
  const statements = await runStatements(context.store.settlement, runId);
  const caller = callerOf(request);
  if (readsAll(caller)) return statements;
  // One query for every account's parties: a run's statements are of accounts with meters.
  const accounts = new Map((await context.store.settlement.accountsWithMeters()).map((account) => [account.accountId, account]));
  return statements.filter((stored) => {
    const account = accounts.get(stored.accountId);
    return account !== undefined && (account.ownerPartyId === caller.partyId || account.supplierPartyId === caller.partyId);
  });
}

function runRoutes(app: FastifyInstance, context: ApiContext, runner: SettlementRunner): void {
  app.post<{ Body: NewRunBody }>('/v1/settlement-runs', {
    schema: {
      summary: 'Start a settlement run of [from, to) (operator); 202 at once, the run proceeds in the background', tags: ['settlement'],
      security: bearerSecurity, body: newRunSchema, response: { 202: runReplySchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    requireOperator(request);
    const { from, to, intervalMs, runId } = request.body;
    const run = await runner.start({ fromMs: from, toMs: to, ...(intervalMs === undefined ? {} : { intervalMs }), ...(runId === undefined ? {} : { runId }) });
    return reply.code(202).header('location', `/v1/settlement-runs/${run.runId}`).send({ run: runView(run) });
  });

  app.get<{ Querystring: PageQuery }>('/v1/settlement-runs', {
    schema: {
      summary: 'Settlement runs, oldest first (creation order): all for operators and regulators; other parties see none',
      tags: ['settlement'], security: bearerSecurity, querystring: pageQuerySchema,
      response: { 200: pageReplySchema('runs', runSchema), ...authErrorResponses },
    },
  }, async (request) => {
    const page = pageRequestOf(request.query);
    // A run's status is for read-all roles only (GET /v1/settlement-runs/{id}); to anyone else no run is listed.
    if (!readsAll(callerOf(request))) return { runs: [], next: null };
    const rows = await context.store.settlement.listRuns(page);
    if (rows === null) throw new ApiError('invalid_request', `querystring/after: no settlement run ${page.after}`);
    const { items, next } = pageOf(rows, request.query, (run) => run.runId);
    return { runs: items.map(runView), next };
  });

  app.get<{ Params: IdParams }>('/v1/settlement-runs/:id', {
    schema: {
      summary: 'A run: status and progress (operators, regulators)', tags: ['settlement'], security: bearerSecurity,
      params: idParams({ type: 'string', minLength: 1, maxLength: 128 }), response: { 200: runReplySchema, ...authErrorResponses },
    },
  }, async (request) => {
    const run = await context.store.settlement.run(request.params.id);
    if (run === null) throw new ApiError('not_found', `settlement run ${request.params.id} not found`);
    notFoundUnlessVisible(callerOf(request), [], `settlement run ${request.params.id}`);
    return { run: runView(run) };
  });

  app.get<{ Params: IdParams; Querystring: { format?: 'json' | 'csv' } }>('/v1/settlement-runs/:id/statements', {
    schema: {
      summary: "A run's statements (JSON, or CSV): all for operators and regulators, else the caller's accounts'", tags: ['settlement'],
      security: bearerSecurity, params: idParams({ type: 'string', minLength: 1, maxLength: 128 }), querystring: statementsQuerySchema,
      response: { 200: statementsReplySchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    if ((await context.store.settlement.run(request.params.id)) === null) {
      throw new ApiError('not_found', `settlement run ${request.params.id} not found`);
    }
    return sendStatements(request, reply, await visibleRunStatements(context, request, request.params.id));
  });
}

function chunkSettlerOf(context: ApiContext): ChunkSettler | undefined {
  const { store } = context;
  if (store.settlementChunks === null) return undefined;
  const deps = { readings: store.readings, settlement: store.settlement, ledger: context.ledger, nowMs: () => context.nowMs() };
  return new ChunkSettler(deps, store.settlementChunks, { workerSource: store.readings.postgresLocation });
}

export async function settlementPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));
  const chunks = chunkSettlerOf(context);
  const runner = new SettlementRunner({ ...context, log: app.log, ...(chunks === undefined ? {} : { chunks }) });
  // Every host on PostgreSQL claims the chunks of any running run, whoever started it.
  const stopPolling = chunks === undefined ? null : pollChunks(chunks, (error) => app.log.error({ err: error }, 'settling a chunk failed'));
  // preClose runs before the onClose hook that closes an owned store: no run outlives its connection.
  // A run this host started is settled to its end first (by this host and any other).
  app.addHook('preClose', async () => {
    await runner.drain();
    await stopPolling?.();
  });
  catalogRoutes(app, context);
  runRoutes(app, context, runner);
}
