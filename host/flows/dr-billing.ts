// S10 consumption billing (docs/flows.md "Demand response"): the operator or
// the appliance's supplier bills a window on the DR grid. Its energy is the
// appliance meter's import from the stored readings (aggregation kernel),
// its amount energyMWh × price / 10^6 µ rounded once to the currency's minor
// unit (SPEC §5 posting rule: prepaid consumption is billed), debited from the appliance's
// prepaid account to the supplier's wallet under `s10:bill:<id>:<from>-<to>`.
// The bill is stored (amount frozen) before the debit; a debit the balance
// cannot cover is refused whole (`insufficient_funds`) and suspends the
// appliance until that window is billed again after a top-up. Windows move
// forward; billing a window again posts nothing.
import type { FastifyInstance } from 'fastify';
import { pageOf, pageQuerySchema, pageReplySchema, pageRequestOf, type PageQuery } from '../api/paging.js';
import { callerOf } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { authErrorResponses, bearerSecurity, errorSchema } from '../api/schemas.js';
import { formatMicro } from '../decimal.js';
import { invalidInput, limitExceeded } from '../errors.js';
import { DR_BILLING_WINDOW_MS_MAX } from '../limits.js';
import { energyPostingAmount, minorUnitOf } from '../ledger/posting.js';
import type { FlowObject } from '../store/flow-store.js';
import { FlowError } from './errors.js';
import { FLOW_TRANSFER_CODES, postTransfers, walletAccountId } from './ledger-bridge.js';
import { checkGridWindow } from './dr-baseline.js';
import { windowImport } from './dr-meter-energy.js';
import { drIdParamsSchema, billingReply, windowSchema, type WindowBody } from './dr-schemas.js';
import {
  APPLIANCE_KIND, BILLING_KIND, applianceAccountId, applianceView, availableBalanceMicro, billingView, drTransferIds, isFlowError,
  pairId, requireOneOf, visibleAppliance, type ApplianceBody, type BillingBody,
} from './dr-store.js';
import { safeNumber } from '../exact.js';

/** What a window's import costs the appliance: energy × its price, rounded once to the minor unit (SPEC §5 posting rule). */
export function consumptionAmountMicro(energyMWh: bigint, appliance: ApplianceBody): bigint {
  return energyPostingAmount(energyMWh, BigInt(appliance.priceMicroPerKWh), minorUnitOf(appliance.currency));
}

function checkBillingWindow(context: ApiContext, { fromMs, toMs }: WindowBody): void {
  checkGridWindow(fromMs, toMs, 'a billing window');
  if (toMs - fromMs > DR_BILLING_WINDOW_MS_MAX) throw limitExceeded('DR_BILLING_WINDOW_MS_MAX', `a billing window spans at most ${DR_BILLING_WINDOW_MS_MAX} ms`);
  if (toMs > context.nowMs()) throw invalidInput('a billing window ends by now: toMs is in the future');
}

/** A new window must follow the billed ones, and no bill may be unpaid. */
function checkNewWindow(appliance: ApplianceBody, fromMs: number): void {
  if (appliance.unpaidBillingId !== null) {
    throw new FlowError('appliance_suspended', `bill ${appliance.unpaidBillingId} is unpaid: top up and bill that window again first`);
  }
  if (appliance.billedToMs !== null && fromMs < appliance.billedToMs) {
    throw new FlowError('billing_overlap', `windows are billed in order; this appliance is billed up to ${appliance.billedToMs}`);
  }
}

/** Zero-padded, so an appliance's bills list in time order. */
function billingIdOf(applianceId: string, fromMs: number): string {
  return pairId(applianceId, String(fromMs).padStart(15, '0'));
}

function sameWindow(billing: FlowObject<BillingBody>, toMs: number): FlowObject<BillingBody> {
  if (billing.body.toMs !== toMs) throw new FlowError('billing_overlap', `window ${billing.id} was billed up to ${billing.body.toMs}`);
  return billing;
}

/** The stored bill of the window: the existing one, or a new unpaid one with its amount computed from the readings. */
async function openBilling(context: ApiContext, appliance: FlowObject<ApplianceBody>, { fromMs, toMs }: WindowBody): Promise<FlowObject<BillingBody>> {
  const billingId = billingIdOf(appliance.id, fromMs);
  const existing = await context.store.flows.get<BillingBody>(BILLING_KIND, billingId);
  if (existing !== null) return sameWindow(existing, toMs);
  checkNewWindow(appliance.body, fromMs);
  const metered = await windowImport(context.store.readings, appliance.body.meterId, fromMs, toMs);
  const energyMWh = metered.energyMWh;
  const amountMicro = consumptionAmountMicro(energyMWh, appliance.body);
  const body: BillingBody = {
    applianceId: appliance.id, fromMs, toMs, energyMWh: safeNumber(energyMWh, 'energyMWh'),
    unassignedMWh: safeNumber(metered.unassignedMWh, 'unassignedMWh'), unassignedSpans: metered.unassignedSpans, amountMicro: String(amountMicro), status: 'unpaid',
    transferId: amountMicro > 0n ? drTransferIds.consumption(appliance.id, fromMs, toMs) : null,
  };
  const nowMs = context.nowMs();
  return context.store.flows.transact(`dr-appliance:${appliance.id}`, async (transaction) => {
    const raced = await transaction.get<BillingBody>(BILLING_KIND, billingId);
    if (raced !== null) return sameWindow(raced, toMs);
    const current = (await transaction.get<ApplianceBody>(APPLIANCE_KIND, appliance.id))!;
    checkNewWindow(current.body, fromMs);
    await transaction.insert({ kind: BILLING_KIND, id: billingId, ownerPartyId: appliance.ownerPartyId, groupKey: appliance.id, body }, nowMs);
    await transaction.update(current, { ...current.body, billedToMs: toMs, unpaidBillingId: billingId }, nowMs);
    return (await transaction.get<BillingBody>(BILLING_KIND, billingId))!;
  });
}

async function suspend(context: ApiContext, appliance: FlowObject<ApplianceBody>, billing: FlowObject<BillingBody>): Promise<FlowError> {
  await context.store.flows.transact(`dr-appliance:${appliance.id}`, async (transaction) => {
    const current = (await transaction.get<ApplianceBody>(APPLIANCE_KIND, appliance.id))!;
    await transaction.update(current, { ...current.body, status: 'suspended' }, context.nowMs());
  });
  const availableMicro = await availableBalanceMicro(context, applianceAccountId(appliance.id));
  return new FlowError('insufficient_funds', `appliance ${appliance.id} holds ${formatMicro(availableMicro)} ${appliance.body.currency}, ` +
    `bill ${billing.id} is ${formatMicro(BigInt(billing.body.amountMicro))}: the appliance is suspended until the window is billed again after a top-up`);
}

/** Posts the bill's debit (whole, or not at all) and marks it paid; the appliance is active again once its unpaid bill is paid. */
async function payBilling(context: ApiContext, appliance: FlowObject<ApplianceBody>, billing: FlowObject<BillingBody>): Promise<FlowObject<BillingBody>> {
  if (billing.body.status === 'paid') return billing;
  if (billing.body.transferId !== null) {
    try {
      await postTransfers(context, [{
        type: 'single', id: billing.body.transferId, debit: applianceAccountId(appliance.id),
        credit: walletAccountId(appliance.body.supplierPartyId, appliance.body.currency), amountMicro: BigInt(billing.body.amountMicro),
        currency: appliance.body.currency, code: FLOW_TRANSFER_CODES.applianceConsumption, ts: billing.body.toMs,
      }]);
    } catch (error) {
      throw isFlowError(error, 'insufficient_funds') ? await suspend(context, appliance, billing) : error;
    }
  }
  const nowMs = context.nowMs();
  return context.store.flows.transact(`dr-appliance:${appliance.id}`, async (transaction) => {
    const current = (await transaction.get<BillingBody>(BILLING_KIND, billing.id))!;
    if (current.body.status === 'paid') return current;
    const paid = await transaction.update<BillingBody>(current, { ...current.body, status: 'paid' }, nowMs);
    const owner = (await transaction.get<ApplianceBody>(APPLIANCE_KIND, appliance.id))!;
    if (owner.body.unpaidBillingId === billing.id) await transaction.update(owner, { ...owner.body, status: 'active', unpaidBillingId: null }, nowMs);
    return paid;
  });
}

export async function billingRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.post<{ Params: { id: string }; Body: WindowBody }>('/v1/appliances/:id/billings', {
    schema: {
      summary: "Bill an appliance's metered consumption of a window to its prepaid balance (the operator or its supplier)",
      tags: ['flows'], security: bearerSecurity, params: drIdParamsSchema, body: windowSchema,
      response: { 200: billingReply, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const appliance = await visibleAppliance(context, caller, request.params.id);
    if (caller.role !== 'operator') requireOneOf(caller, [appliance.body.supplierPartyId], 'bill this appliance');
    checkBillingWindow(context, request.body);
    const billing = await payBilling(context, appliance, await openBilling(context, appliance, request.body));
    const current = (await context.store.flows.get<ApplianceBody>(APPLIANCE_KIND, appliance.id))!;
    return { billing: billingView(billing), appliance: await applianceView(context, current) };
  });

  app.get<{ Params: { id: string }; Querystring: PageQuery }>('/v1/appliances/:id/billings', {
    schema: {
      summary: "An appliance's bills, oldest window first (its owner, its supplier, operators, regulators)",
      tags: ['flows'], security: bearerSecurity, params: drIdParamsSchema, querystring: pageQuerySchema,
      response: { 200: pageReplySchema('billings', { type: 'object', additionalProperties: true }), ...authErrorResponses },
    },
  }, async (request) => {
    const appliance = await visibleAppliance(context, callerOf(request), request.params.id);
    const { after, limit } = pageRequestOf(request.query);
    const rows = await context.store.flows.list<BillingBody>(BILLING_KIND, { groupKey: appliance.id, limit, ...(after === null ? {} : { afterId: after }) });
    const page = pageOf(rows, request.query, (row) => row.id);
    return { billings: page.items.map(billingView), next: page.next };
  });
}
