// S10 appliances (docs/flows.md "Demand response"): a participant (or the
// operator for one) registers an appliance on one of the owner's meters,
// with the supplier and price its consumption is billed at and its flexible
// power. It gets a prepaid ledger account `appliance:<id>` (it may not go
// below zero) and a fresh 32-byte signal key, returned once and kept sealed
// under the server key. Top-ups come from the operator's clearing account
// (money paid in outside the ledger) or from the owner's own wallet.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pageOf, pageQuerySchema, pageRequestOf, type PageQuery } from '../api/paging.js';
import { callerOf, readsAll } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { authErrorResponses, bearerSecurity, errorSchema } from '../api/schemas.js';
import { currencyExponent } from '../currency.js';
import { parseMicro } from '../decimal.js';
import { AccountFlags } from '../ledger/types.js';
import { ENERGY_PRICE_MICRO_MAX } from '../limits.js';
import { parseMinorAmount } from './flow-steps.js';
import type { Party } from '../store/party-store.js';
import { FlowError } from './errors.js';
import {
  clearingAccountId, ensureAccounts, FLOW_TRANSFER_CODES, postTransfers, walletAccount, walletAccountId,
} from './ledger-bridge.js';
import { SIGNAL_KEY_BYTES } from './dr-signal.js';
import {
  drIdParamsSchema, applianceReply, appliancesReply, newApplianceSchema, topUpSchema, type NewApplianceBody, type TopUpBody,
} from './dr-schemas.js';
import {
  APPLIANCE_KIND, APPLIANCE_METER_KIND, accountExists, applianceAccountId, applianceKeyContext, applianceView, applianceViews, drTransferIds,
  requireOneOf, visibleAppliance, type ApplianceBody,
} from './dr-store.js';

/** The owner of a new appliance: a participant registers its own; the operator names one. */
async function ownerOf(context: ApiContext, caller: Party, requested: string | undefined): Promise<string> {
  if (caller.role === 'participant') {
    if (requested !== undefined && requested !== caller.partyId) throw new ApiError('forbidden', 'a participant registers its own appliances only');
    return caller.partyId;
  }
  if (caller.role !== 'operator') throw new ApiError('forbidden', `role ${caller.role} may not register appliances; it needs role participant or operator`);
  if (requested === undefined) throw new ApiError('invalid_request', 'body/ownerPartyId: the operator names the owner of the appliance');
  if ((await context.store.parties.party(requested)) === null) throw new ApiError('invalid_request', `body/ownerPartyId: party ${requested} does not exist`);
  return requested;
}

/** Checks the meter (the owner's) and the supplier (a supplier party); answers the parsed price. */
async function checkBinding(context: ApiContext, ownerPartyId: string, body: NewApplianceBody): Promise<bigint> {
  currencyExponent(body.currency);
  const priceMicroPerKWh = parseMicro(body.price, 'price', 0n, ENERGY_PRICE_MICRO_MAX);
  const meter = await context.store.parties.meter(body.meterId);
  if (meter === null || meter.partyId !== ownerPartyId) throw new ApiError('not_found', `meter ${body.meterId} not found among ${ownerPartyId}'s meters`);
  const supplier = await context.store.parties.party(body.supplierPartyId);
  if (supplier === null || supplier.role !== 'supplier') {
    throw new ApiError('invalid_request', `body/supplierPartyId: ${body.supplierPartyId} is not a supplier party`);
  }
  if ((await context.store.flows.get(APPLIANCE_KIND, body.id)) !== null) throw new ApiError('already_exists', `appliance ${body.id} already exists`);
  if ((await context.store.flows.get(APPLIANCE_METER_KIND, body.meterId)) !== null) {
    throw new FlowError('appliance_meter_taken', `meter ${body.meterId} already has an appliance`);
  }
  return priceMicroPerKWh;
}

/** Opens `partyId`'s wallet in `currency` (prepaid, as POST /v1/wallets does) unless it exists in any form. */
async function ensureWallet(context: ApiContext, partyId: string, currency: string): Promise<void> {
  if (!(await accountExists(context, walletAccountId(partyId, currency)))) await ensureAccounts(context, [walletAccount(partyId, currency, true)]);
}

async function registerAppliance(context: ApiContext, caller: Party, body: NewApplianceBody) {
  const ownerPartyId = await ownerOf(context, caller, body.ownerPartyId);
  const priceMicroPerKWh = await checkBinding(context, ownerPartyId, body);
  await ensureAccounts(context, [{
    id: applianceAccountId(body.id), party: ownerPartyId, currency: body.currency, kind: 'prepaid', flags: AccountFlags.debitsMustNotExceedCredits,
  }]);
  await ensureWallet(context, body.supplierPartyId, body.currency);
  const key = randomBytes(SIGNAL_KEY_BYTES);
  const applianceBody: ApplianceBody = {
    meterId: body.meterId, supplierPartyId: body.supplierPartyId, currency: body.currency, priceMicroPerKWh: String(priceMicroPerKWh),
    flexiblePowerW: body.flexiblePowerW, keySealed: context.store.flows.sealSecret(applianceKeyContext(body.id), key),
    status: 'active', billedToMs: null, unpaidBillingId: null, drBusyUntilMs: null, geo: body.geo ?? null,
  };
  const nowMs = context.nowMs();
  await context.store.flows.transact(`dr-meter:${body.meterId}`, async (transaction) => {
    if (!(await transaction.insert({ kind: APPLIANCE_KIND, id: body.id, ownerPartyId, body: applianceBody }, nowMs))) {
      throw new ApiError('already_exists', `appliance ${body.id} already exists`);
    }
    if (!(await transaction.insert({ kind: APPLIANCE_METER_KIND, id: body.meterId, ownerPartyId, body: { applianceId: body.id } }, nowMs))) {
      throw new FlowError('appliance_meter_taken', `meter ${body.meterId} already has an appliance`);
    }
  });
  const appliance = (await context.store.flows.get<ApplianceBody>(APPLIANCE_KIND, body.id))!;
  return { appliance: await applianceView(context, appliance), key: key.toString('base64url') };
}

/** The operator pays in from its clearing account; the owner moves money from its wallet. */
async function topUpSource(context: ApiContext, caller: Party, ownerPartyId: string, currency: string): Promise<string> {
  if (caller.role === 'operator') {
    const clearing = clearingAccountId(caller.partyId, currency);
    await ensureAccounts(context, [{ id: clearing, party: caller.partyId, currency, kind: 'clearing', flags: 0 }]);
    return clearing;
  }
  requireOneOf(caller, [ownerPartyId], 'top up this appliance');
  return walletAccountId(ownerPartyId, currency);
}

export async function applianceRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.post<{ Body: NewApplianceBody }>('/v1/appliances', {
    schema: {
      summary: 'Register an appliance on one of its owner\'s meters (the owner, a participant; or the operator): answers its signal key once',
      tags: ['flows'], security: bearerSecurity, body: newApplianceSchema,
      response: { 201: applianceReply, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => reply.code(201).send(await registerAppliance(context, callerOf(request), request.body)));

  app.get<{ Params: { id: string } }>('/v1/appliances/:id', {
    schema: {
      summary: 'An appliance and its prepaid balance (its owner, its supplier, operators, regulators)', tags: ['flows'], security: bearerSecurity,
      params: drIdParamsSchema, response: { 200: applianceReply, ...authErrorResponses },
    },
  }, async (request) => ({ appliance: await applianceView(context, await visibleAppliance(context, callerOf(request), request.params.id)) }));

  app.get<{ Querystring: PageQuery }>('/v1/appliances', {
    schema: {
      summary: "The caller's appliances (operators and regulators: all), in id order", tags: ['flows'], security: bearerSecurity,
      querystring: pageQuerySchema, response: { 200: appliancesReply, ...authErrorResponses },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const { after, limit } = pageRequestOf(request.query);
    const scope = readsAll(caller) ? {} : { ownerPartyId: caller.partyId };
    const rows = await context.store.flows.list<ApplianceBody>(APPLIANCE_KIND, { ...scope, limit, ...(after === null ? {} : { afterId: after }) });
    const page = pageOf(rows, request.query, (row) => row.id);
    return { appliances: await applianceViews(context, page.items), next: page.next };
  });

  app.post<{ Params: { id: string }; Body: TopUpBody }>('/v1/appliances/:id/top-ups', {
    schema: {
      summary: "Top up an appliance's prepaid balance: the operator from its clearing account, the owner from its wallet",
      tags: ['flows'], security: bearerSecurity, params: drIdParamsSchema, body: topUpSchema,
      response: { 200: applianceReply, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const appliance = await visibleAppliance(context, caller, request.params.id);
    const { currency } = appliance.body;
    const amountMicro = parseMinorAmount(request.body.amount, 'amount', currency);
    const source = await topUpSource(context, caller, appliance.ownerPartyId, currency);
    await postTransfers(context, [{
      type: 'single', id: drTransferIds.topUp(appliance.id, request.body.id), debit: source, credit: applianceAccountId(appliance.id),
      amountMicro, currency, code: FLOW_TRANSFER_CODES.applianceTopUp, ts: request.body.ts,
    }]);
    return { appliance: await applianceView(context, appliance) };
  });
}
