// S2 energy purchase agreements on the permissioned ledger (SPEC §8,
// docs/flows.md "S2"). A supplier proposes a PPA to a transmission company
// (ledger record kind `ppa`, readable only by the two of them and
// regulators; SPEC §5: not operators); it takes effect when that company
// accepts it before its period starts (a decision record under it). Then
// each settled window of the supplier's metered export is a delivery record
// under it and a transfer transmission → supplier at the PPA price, capped at
// the contracted volume.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerAuth, callerOf, notFoundUnlessVisible, requireRole } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { PPA_RECORD } from '../api/ledger-access.js';
import { authErrorResponses, bearerSecurity, errorSchema, idSchema } from '../api/schemas.js';
import { currencyExponent, formatMinorAmount } from '../currency.js';
import type { FlowObject } from '../store/flow-store.js';
import { requireCounterparty, requireOwnedMeters } from './contract-guards.js';
import { contractIdParamsSchema, contractIdSchema, meterListSchema, objectReply, spanSchema, windowMsSchema } from './contract-schemas.js';
import { checkContractPeriod, type SettlementWindow } from './contract-windows.js';
import { formatEnergyPrice, parseEnergyPrice } from './energy-money.js';
import { FlowError } from './errors.js';
import { insertOrExisting, recordOnce, sameTerms } from './flow-records.js';
import { listDeliveries, settleDeliveryWindow } from './ppa-settle.js';
import { decidePpa } from './ppa-decision.js';
import { agreementRecord, PPA_KIND, PPA_STATE_MEMBERS, type PpaBody, type PpaDecision, type PpaDeliveryBody } from './ppa-rules.js';
import { currencySchema, energyMWhSchema, moneySchema } from './schemas.js';

interface NewPpaBody {
  id: string;
  transmission: string;
  price: string;
  currency: string;
  volumeMWh: number;
  period: SettlementWindow;
  windowMs: number;
  meters: string[];
}

const newPpaSchema = {
  type: 'object',
  required: ['id', 'transmission', 'price', 'currency', 'volumeMWh', 'period', 'windowMs', 'meters'],
  additionalProperties: false,
  properties: {
    id: contractIdSchema, transmission: idSchema, price: moneySchema, currency: currencySchema,
    volumeMWh: { ...energyMWhSchema, minimum: 1 }, period: spanSchema, windowMs: windowMsSchema, meters: meterListSchema,
  },
} as const;

function ppaView(ppa: FlowObject<PpaBody>) {
  const { supplier, transmission, currency, volumeMWh, period, windowMs, meters, leafIndex, createdAtMs, status, decidedAtMs, decisionLeafIndex } = ppa.body;
  return {
    id: ppa.id, supplier, transmission, price: formatEnergyPrice(BigInt(ppa.body.priceMicroPerKWh)), currency, volumeMWh, period, windowMs, meters,
    leafIndex, createdAt: createdAtMs, status, decidedAt: decidedAtMs, decisionLeafIndex,
  };
}

function deliveryView(delivery: FlowObject<PpaDeliveryBody>, currency: string) {
  const { ppa, window, revisions, pending } = delivery.body;
  const current = revisions.at(-1)!;
  return {
    ppa, window, revision: current.revision, meteredMWh: current.meteredMWh, deliveredMWh: current.deliveredMWh, excessMWh: current.excessMWh,
    unassignedMWh: current.unassignedMWh ?? 0, unassignedSpans: current.unassignedSpans ?? 0,
    amount: formatMinorAmount(BigInt(current.amountMicro), currency), currency,
    transfers: revisions.flatMap((revision) => (revision.transferId === null ? [] : [revision.transferId])),
    leafIndexes: revisions.map((revision) => revision.leafIndex), pendingRevision: pending?.revision ?? null,
  };
}

/** The PPA if the caller may see it (its supplier, its transmission company, regulators); 404 otherwise, operators included. */
async function visiblePpa(context: ApiContext, request: FastifyRequest, id: string): Promise<FlowObject<PpaBody>> {
  const ppa = await context.store.flows.get<PpaBody>(PPA_KIND, id);
  if (ppa === null) throw new ApiError('not_found', `PPA ${id} not found`);
  notFoundUnlessVisible(callerOf(request), [ppa.body.supplier, ppa.body.transmission], `PPA ${id}`, 'agreements');
  return ppa;
}

async function newPpa(context: ApiContext, supplier: string, body: NewPpaBody): Promise<PpaBody> {
  const priceMicroPerKWh = parseEnergyPrice(body.price, 'price');
  currencyExponent(body.currency);
  checkContractPeriod({ fromMs: body.period.from, toMs: body.period.to, windowMs: body.windowMs });
  await requireCounterparty(context, body.transmission, ['transmission'], 'transmission', supplier);
  await requireOwnedMeters(context, body.meters, supplier);
  return {
    supplier, transmission: body.transmission, priceMicroPerKWh: String(priceMicroPerKWh), currency: body.currency,
    volumeMWh: body.volumeMWh, period: body.period, windowMs: body.windowMs, meters: body.meters, createdAtMs: context.nowMs(), leafIndex: null,
    status: 'proposed', decidedAtMs: null, decisionLeafIndex: null,
  };
}

function ppaRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Body: NewPpaBody }>('/v1/ppas', {
    schema: {
      summary: 'Propose an energy purchase agreement to a transmission company (supplier); repeating it answers the same PPA',
      tags: ['flows'], security: bearerSecurity, body: newPpaSchema,
      response: { 200: objectReply('ppa'), 201: objectReply('ppa'), 409: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    const supplier = requireRole(request, ['supplier'], 'record a PPA');
    const body = await newPpa(context, supplier.partyId, request.body);
    const stored = await insertOrExisting(context, { kind: PPA_KIND, id: request.body.id, ownerPartyId: supplier.partyId, groupKey: body.transmission, body });
    if (!stored.created && !sameTerms(stored.object.body, body, PPA_STATE_MEMBERS)) {
      throw new ApiError('already_exists', `PPA ${request.body.id} exists with other terms`);
    }
    const recorded = await recordOnce(context, stored.object, PPA_RECORD, agreementRecord(stored.object.id, stored.object.body));
    return reply.code(stored.created ? 201 : 200).send({ ppa: ppaView(recorded) });
  });

  app.get<{ Params: { id: string } }>('/v1/ppas/:id', {
    schema: {
      summary: 'One PPA (its supplier, its transmission company, regulators)', tags: ['flows'], security: bearerSecurity,
      params: contractIdParamsSchema, response: { 200: objectReply('ppa'), ...authErrorResponses },
    },
  }, async (request) => ({ ppa: ppaView(await visiblePpa(context, request, request.params.id)) }));

  const decisionRoute = (path: string, decision: PpaDecision, summary: string) => app.post<{ Params: { id: string } }>(path, {
    schema: {
      summary, tags: ['flows'], security: bearerSecurity, params: contractIdParamsSchema,
      response: { 200: objectReply('ppa'), 409: errorSchema, ...authErrorResponses },
    },
  }, async (request) => {
    const caller = requireRole(request, ['transmission'], `${decision === 'accepted' ? 'accept' : 'decline'} a PPA`);
    const ppa = await visiblePpa(context, request, request.params.id);
    if (ppa.body.transmission !== caller.partyId) throw new ApiError('forbidden', `only ${ppa.body.transmission}, the PPA's transmission company, decides on it`);
    return { ppa: ppaView(await decidePpa(context, ppa, decision)) };
  });
  decisionRoute('/v1/ppas/:id/accept', 'accepted', 'Accept a PPA before its period starts (its transmission company): from then on its deliveries settle; repeating it answers the same');
  decisionRoute('/v1/ppas/:id/decline', 'declined', 'Decline a PPA (its transmission company): none of its deliveries will ever settle; repeating it answers the same');
}

function deliveryRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Params: { id: string }; Body: SettlementWindow }>('/v1/ppas/:id/deliveries', {
    schema: {
      summary: "Settle one delivery window of a PPA from the supplier's metered export (its supplier, its transmission company)",
      tags: ['flows'], security: bearerSecurity, params: contractIdParamsSchema, body: spanSchema,
      response: { 200: { type: 'object', additionalProperties: true }, 201: { type: 'object', additionalProperties: true }, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    const ppa = await visiblePpa(context, request, request.params.id);
    requireRole(request, ['supplier', 'transmission'], 'settle PPA deliveries');
    if (ppa.body.leafIndex === null) throw new FlowError('invalid_state', `PPA ${ppa.id} is not recorded yet: repeat its creation`);
    const settled = await settleDeliveryWindow(context, ppa, { from: request.body.from, to: request.body.to });
    return reply.code(settled.posted ? 201 : 200).send({ delivery: deliveryView(settled.delivery, ppa.body.currency), posted: settled.posted });
  });

  app.get<{ Params: { id: string } }>('/v1/ppas/:id/deliveries', {
    schema: {
      summary: "A PPA's settled deliveries in window order, with the energy delivered and left of its volume", tags: ['flows'],
      security: bearerSecurity, params: contractIdParamsSchema, response: { 200: { type: 'object', additionalProperties: true }, ...authErrorResponses },
    },
  }, async (request) => {
    const ppa = await visiblePpa(context, request, request.params.id);
    const deliveries = (await listDeliveries(context.store.flows, ppa.id))
      .filter((delivery) => delivery.body.revisions.length > 0)
      .sort((a, b) => a.body.window.from - b.body.window.from);
    let deliveredMWh = 0;
    let amountMicro = 0n;
    for (const delivery of deliveries) {
      const current = delivery.body.revisions.at(-1)!;
      deliveredMWh += current.deliveredMWh;
      amountMicro += BigInt(current.amountMicro);
    }
    return {
      deliveries: deliveries.map((delivery) => deliveryView(delivery, ppa.body.currency)),
      deliveredMWh, remainingMWh: ppa.body.volumeMWh - deliveredMWh, amount: formatMinorAmount(amountMicro, ppa.body.currency),
    };
  });
}

export async function ppaPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));
  ppaRoutes(app, context);
  deliveryRoutes(app, context);
}
