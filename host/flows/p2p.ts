// S7 peer-to-peer digital contracts with measurement and verification (SPEC
// §8, docs/flows.md "S7"). A grid element (the seller) proposes a contract
// for its metered energy to another (the buyer), who signs it; the signed
// contract is a ledger record. Either party then sends one M&V message per
// window: validated against the seller's stored meter data, it is recorded
// with its timestamp and geodetic reference and settled buyer → seller.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerAuth, callerOf, notFoundUnlessVisible, requireRole } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { authErrorResponses, bearerSecurity, errorSchema, idSchema } from '../api/schemas.js';
import { currencyExponent, formatMinorAmount } from '../currency.js';
import { parseMicro } from '../decimal.js';
import { FLOW_CONTRACT_WINDOWS_MAX, LEDGER_AMOUNT_MICRO_MAX } from '../limits.js';
import type { FlowObject } from '../store/flow-store.js';
import { checkGeo, GRID_ELEMENT_ROLES, type Geo, requireCounterparty, requireOwnedMeters } from './contract-guards.js';
import {
  contractIdParamsSchema, contractIdSchema, stringMembers, meterListSchema, objectReply, spanSchema, windowMsSchema,
} from './contract-schemas.js';
import { checkContractPeriod, checkWindow, type SettlementWindow } from './contract-windows.js';
import { formatEnergyPrice, parseEnergyPrice } from './energy-money.js';
import { FlowError } from './errors.js';
import { insertOrExisting, recordOnce, sameTerms } from './flow-records.js';
import { appendFlowRecord, flowRecordId, postTransfers } from './ledger-bridge.js';
import { meteredWindowEnergy, type WindowEnergy } from './metered-energy.js';
import {
  checkMeasurement, checkMessageTime, checkSettlementAmount, contractRecord, mvId, mvRecord, mvTransfer,
  P2P_CONTRACT_KIND, P2P_MV_KIND, type MvBody, type MvMessage, type P2pContractBody,
} from './p2p-rules.js';
import { currencySchema, energyMWhSchema, epochMsSchema, geoSchema, moneySchema } from './schemas.js';
import { safeNumber } from '../exact.js';

interface NewContractBody {
  id: string;
  buyer: string;
  price: string;
  currency: string;
  period: SettlementWindow;
  windowMs: number;
  meters: string[];
  toleranceMWh: number;
}

interface MvRequestBody {
  window: SettlementWindow;
  energyMWh: number;
  amount: string;
  ts: number;
  geo: Geo;
}

const newContractSchema = {
  type: 'object',
  required: ['id', 'buyer', 'price', 'currency', 'period', 'windowMs', 'meters', 'toleranceMWh'],
  additionalProperties: false,
  properties: {
    id: contractIdSchema, buyer: idSchema, price: moneySchema, currency: currencySchema, period: spanSchema, windowMs: windowMsSchema,
    meters: meterListSchema, toleranceMWh: energyMWhSchema,
  },
} as const;

const mvSchema = {
  type: 'object',
  required: ['window', 'energyMWh', 'amount', 'ts', 'geo'],
  additionalProperties: false,
  properties: { window: spanSchema, energyMWh: energyMWhSchema, amount: moneySchema, ts: epochMsSchema, geo: geoSchema },
} as const;

const looseReply = { type: 'object', additionalProperties: true } as const;

function contractView(contract: FlowObject<P2pContractBody>) {
  const { priceMicroPerKWh, ...terms } = contract.body;
  return { id: contract.id, ...terms, price: formatEnergyPrice(BigInt(priceMicroPerKWh)) };
}

function mvView(message: FlowObject<MvBody>, currency: string) {
  const { amountMicro, ...facts } = message.body;
  return { ...facts, amount: formatMinorAmount(BigInt(amountMicro), currency), currency };
}

/** The contract if the caller may see it (seller, buyer, read-all roles); 404 otherwise. */
async function visibleContract(context: ApiContext, request: FastifyRequest, id: string): Promise<FlowObject<P2pContractBody>> {
  const contract = await context.store.flows.get<P2pContractBody>(P2P_CONTRACT_KIND, id);
  if (contract === null) throw new ApiError('not_found', `P2P contract ${id} not found`);
  notFoundUnlessVisible(callerOf(request), [contract.body.seller, contract.body.buyer], `P2P contract ${id}`);
  return contract;
}

async function proposal(context: ApiContext, seller: string, body: NewContractBody): Promise<P2pContractBody> {
  const priceMicroPerKWh = parseEnergyPrice(body.price, 'price');
  currencyExponent(body.currency);
  checkContractPeriod({ fromMs: body.period.from, toMs: body.period.to, windowMs: body.windowMs });
  await requireCounterparty(context, body.buyer, GRID_ELEMENT_ROLES, 'buyer', seller);
  await requireOwnedMeters(context, body.meters, seller);
  return {
    seller, buyer: body.buyer, priceMicroPerKWh: String(priceMicroPerKWh), currency: body.currency, period: body.period,
    windowMs: body.windowMs, meters: body.meters, toleranceMWh: body.toleranceMWh, state: 'proposed',
    sellerSignedAtMs: context.nowMs(), buyerSignedAtMs: null, leafIndex: null,
  };
}

function contractRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Body: NewContractBody }>('/v1/p2p-contracts', {
    schema: {
      summary: 'Propose (and sign as seller) a P2P contract for the energy of your meters; repeating it answers the same contract',
      tags: ['flows'], security: bearerSecurity, body: newContractSchema,
      response: { 200: objectReply('contract'), 201: objectReply('contract'), 409: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    const seller = requireRole(request, GRID_ELEMENT_ROLES, 'propose a P2P contract');
    const body = await proposal(context, seller.partyId, request.body);
    const stored = await insertOrExisting(context, { kind: P2P_CONTRACT_KIND, id: request.body.id, ownerPartyId: seller.partyId, groupKey: body.buyer, body });
    const ignored = ['state', 'sellerSignedAtMs', 'buyerSignedAtMs', 'leafIndex'];
    if (!stored.created && !sameTerms(stored.object.body, body, ignored)) throw new ApiError('already_exists', `P2P contract ${request.body.id} exists with other terms`);
    return reply.code(stored.created ? 201 : 200).send({ contract: contractView(stored.object) });
  });

  app.get<{ Params: { id: string } }>('/v1/p2p-contracts/:id', {
    schema: {
      summary: 'One P2P contract (its seller, its buyer, regulators, operators)', tags: ['flows'], security: bearerSecurity,
      params: contractIdParamsSchema, response: { 200: objectReply('contract'), ...authErrorResponses },
    },
  }, async (request) => ({ contract: contractView(await visibleContract(context, request, request.params.id)) }));

  app.post<{ Params: { id: string } }>('/v1/p2p-contracts/:id/accept', {
    schema: {
      summary: 'Sign a proposed P2P contract as its buyer: it becomes active and is recorded on the ledger', tags: ['flows'],
      security: bearerSecurity, params: contractIdParamsSchema, response: { 200: objectReply('contract'), 409: errorSchema, ...authErrorResponses },
    },
  }, async (request) => {
    const buyer = requireRole(request, GRID_ELEMENT_ROLES, 'sign a P2P contract');
    const proposed = await visibleContract(context, request, request.params.id);
    if (proposed.body.buyer !== buyer.partyId) throw new ApiError('forbidden', `only the buyer ${proposed.body.buyer} signs P2P contract ${proposed.id}`);
    const signed = await context.store.flows.transact(`${P2P_CONTRACT_KIND}:${proposed.id}`, async (transaction) => {
      const current = (await transaction.get<P2pContractBody>(P2P_CONTRACT_KIND, proposed.id))!;
      if (current.body.state === 'active') return current;
      return transaction.update(current, { ...current.body, state: 'active', buyerSignedAtMs: context.nowMs() }, context.nowMs());
    });
    const recorded = await recordOnce(context, signed, P2P_CONTRACT_KIND, contractRecord(signed.id, signed.body));
    return { contract: contractView(recorded) };
  });
}

/** Checks the message's window, time, geodetic reference and amount format (before the window's settled state). */
function parsedMessage(context: ApiContext, contract: FlowObject<P2pContractBody>, body: MvRequestBody): MvMessage {
  const { period, windowMs } = contract.body;
  checkWindow({ fromMs: period.from, toMs: period.to, windowMs }, body.window, context.nowMs());
  checkMessageTime(body.ts, body.window, context.nowMs());
  checkGeo(body.geo, 'geo');
  const amountMicro = parseMicro(body.amount, 'amount', 0n, LEDGER_AMOUNT_MICRO_MAX);
  return { window: { from: body.window.from, to: body.window.to }, energyMWh: body.energyMWh, amountMicro: String(amountMicro), ts: body.ts, geo: body.geo };
}

/** The energy check against the seller's metered export over the window, then the amount check; answers the metered energy. */
async function verifiedAgainstMeters(context: ApiContext, contract: FlowObject<P2pContractBody>, message: MvMessage): Promise<WindowEnergy> {
  const metered = await meteredWindowEnergy(context.store.readings, contract.body.meters, message.window, 'export');
  checkMeasurement(BigInt(message.energyMWh), metered.energyMWh, BigInt(contract.body.toleranceMWh));
  checkSettlementAmount(BigInt(message.amountMicro), BigInt(message.energyMWh), contract.body);
  return metered;
}

/** A message for a window already settled: the same message again answers the stored one; another is mv_window_settled. */
function settledAnswer(stored: FlowObject<MvBody>, message: MvMessage): FlowObject<MvBody> {
  if (sameTerms(stored.body, message, ['contract', 'meteredMWh', 'unassignedMWh', 'unassignedSpans', 'reporter', 'transferId', 'leafIndex'])) return stored;
  throw new FlowError('mv_window_settled', `window [${stored.body.window.from}, ${stored.body.window.to}) was settled by another message`);
}

/** Validates and settles one message: transfer (its id is the window's, so the ledger moves the money once), record, then the stored message. */
async function settleMessage(context: ApiContext, contract: FlowObject<P2pContractBody>, reporter: string, body: MvRequestBody) {
  const id = mvId(contract.id, body.window);
  const message = parsedMessage(context, contract, body);
  const earlier = await context.store.flows.get<MvBody>(P2P_MV_KIND, id);
  if (earlier !== null) return { message: settledAnswer(earlier, message), created: false };
  const metered = await verifiedAgainstMeters(context, contract, message);
  const transfer = mvTransfer(contract.id, contract.body, message.window, BigInt(message.amountMicro));
  if (transfer !== null) await postTransfers(context, [transfer]);
  const transferId = transfer?.id ?? null;
  const leafIndex = await appendFlowRecord(context, flowRecordId(P2P_MV_KIND, id), P2P_MV_KIND, mvRecord(contract.id, contract.body, message, { metered, reporter, transferId }));
  const stored: MvBody = {
    contract: contract.id, ...message, meteredMWh: safeNumber(metered.energyMWh, 'meteredMWh'),
    unassignedMWh: safeNumber(metered.unassignedMWh, 'unassignedMWh'), unassignedSpans: metered.unassignedSpans, reporter, transferId, leafIndex,
  };
  const inserted = await insertOrExisting(context, { kind: P2P_MV_KIND, id, ownerPartyId: contract.body.seller, groupKey: contract.id, body: stored });
  return { message: inserted.created ? inserted.object : settledAnswer(inserted.object, message), created: inserted.created };
}

function mvRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Params: { id: string }; Body: MvRequestBody }>('/v1/p2p-contracts/:id/mv', {
    preValidation: stringMembers('geo.lat', 'geo.lon'),
    schema: {
      summary: "Send the M&V message of one window (seller or buyer): validated against the seller's meters, recorded and settled buyer → seller",
      tags: ['flows'], security: bearerSecurity, params: contractIdParamsSchema, body: mvSchema,
      response: { 200: objectReply('message'), 201: objectReply('message'), 409: errorSchema, 422: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    const reporter = requireRole(request, GRID_ELEMENT_ROLES, 'send M&V messages');
    const contract = await visibleContract(context, request, request.params.id);
    if (contract.body.state !== 'active' || contract.body.leafIndex === null) {
      throw new FlowError('invalid_state', `P2P contract ${contract.id} is not signed by its buyer and recorded yet`);
    }
    const settled = await settleMessage(context, contract, reporter.partyId, request.body);
    return reply.code(settled.created ? 201 : 200).send({ message: mvView(settled.message, contract.body.currency) });
  });

  app.get<{ Params: { id: string } }>('/v1/p2p-contracts/:id/mv', {
    schema: {
      summary: "A contract's settled M&V messages in window order", tags: ['flows'], security: bearerSecurity,
      params: contractIdParamsSchema, response: { 200: looseReply, ...authErrorResponses },
    },
  }, async (request) => {
    const contract = await visibleContract(context, request, request.params.id);
    const messages = await context.store.flows.list<MvBody>(P2P_MV_KIND, { groupKey: contract.id, limit: FLOW_CONTRACT_WINDOWS_MAX });
    messages.sort((a, b) => a.body.window.from - b.body.window.from);
    return { messages: messages.map((message) => mvView(message, contract.body.currency)) };
  });
}

export async function p2pPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));
  contractRoutes(app, context);
  mvRoutes(app, context);
}
