// JSON schemas and bodies of the S10 demand-response routes (docs/flows.md
// "Demand response").
import { pageReplySchema } from '../api/paging.js';
import { DR_FLEXIBLE_POWER_W_MAX, DR_ID_LENGTH_MAX } from '../limits.js';
import { currencySchema, epochMsSchema, geoSchema, moneySchema } from './schemas.js';
import type { Geo } from './dr-store.js';

/** Appliance, event and top-up ids: flow ids without ':' (composite ids join them with ':'), short enough for derived transfer ids. */
export const drIdSchema = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', minLength: 1, maxLength: DR_ID_LENGTH_MAX } as const;
const partyIdSchema = { type: 'string', minLength: 1, maxLength: 128 } as const;
const powerWSchema = { type: 'integer', minimum: 1, maximum: DR_FLEXIBLE_POWER_W_MAX } as const;
const anyObject = { type: 'object', additionalProperties: true } as const;

export const drIdParamsSchema = { type: 'object', required: ['id'], properties: { id: drIdSchema } } as const;
export const signalParamsSchema = { type: 'object', required: ['id', 'eventId'], properties: { id: drIdSchema, eventId: drIdSchema } } as const;

export interface NewApplianceBody {
  id: string;
  meterId: string;
  supplierPartyId: string;
  currency: string;
  price: string;
  flexiblePowerW: number;
  ownerPartyId?: string;
  geo?: Geo;
}

export const newApplianceSchema = {
  type: 'object',
  required: ['id', 'meterId', 'supplierPartyId', 'currency', 'price', 'flexiblePowerW'],
  additionalProperties: false,
  properties: {
    id: drIdSchema, meterId: { type: 'string', minLength: 1, maxLength: 256 }, supplierPartyId: partyIdSchema,
    currency: currencySchema, price: moneySchema, flexiblePowerW: powerWSchema, ownerPartyId: partyIdSchema, geo: geoSchema,
  },
} as const;

export interface TopUpBody {
  id: string;
  amount: string;
  ts: number;
}

export const topUpSchema = {
  type: 'object', required: ['id', 'amount', 'ts'], additionalProperties: false,
  properties: { id: drIdSchema, amount: moneySchema, ts: epochMsSchema },
} as const;

export interface WindowBody {
  fromMs: number;
  toMs: number;
}

export const windowSchema = {
  type: 'object', required: ['fromMs', 'toMs'], additionalProperties: false,
  properties: { fromMs: epochMsSchema, toMs: epochMsSchema },
} as const;

export interface AckBody {
  ackToken: string;
}

export const ackSchema = {
  type: 'object', required: ['ackToken'], additionalProperties: false,
  properties: { ackToken: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export interface NewEventBody {
  id: string;
  currency: string;
  targetW: number;
  fromMs: number;
  toMs: number;
  rewardPrice: string;
  applianceIds: string[];
  holidays?: string[];
  /** IANA zone of the baseline's like days (default UTC). */
  timezone?: string;
  sponsorPartyId?: string;
}

export const newEventSchema = {
  type: 'object',
  required: ['id', 'currency', 'targetW', 'fromMs', 'toMs', 'rewardPrice', 'applianceIds'],
  additionalProperties: false,
  properties: {
    id: drIdSchema, currency: currencySchema, targetW: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    fromMs: epochMsSchema, toMs: epochMsSchema, rewardPrice: moneySchema,
    applianceIds: { type: 'array', minItems: 1, items: drIdSchema },
    holidays: { type: 'array', items: { type: 'string', maxLength: 10 } },
    timezone: { type: 'string', minLength: 1, maxLength: 64 },
    sponsorPartyId: partyIdSchema,
  },
} as const;

export const applianceReply = { type: 'object', required: ['appliance'], properties: { appliance: anyObject, key: { type: 'string' } } } as const;
export const appliancesReply = pageReplySchema('appliances', anyObject);
export const billingReply = { type: 'object', required: ['billing', 'appliance'], properties: { billing: anyObject, appliance: anyObject } } as const;
export const signalsReply = { type: 'object', required: ['signals'], properties: { signals: { type: 'array', items: anyObject } } } as const;
export const ackReply = { type: 'object', required: ['signal'], properties: { signal: anyObject } } as const;
export const eventReply = { type: 'object', required: ['event'], properties: { event: anyObject } } as const;
