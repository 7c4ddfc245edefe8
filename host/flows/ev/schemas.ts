// S1 request schemas and body types (docs/flows.md "S1"). Prices are SPEC §1
// decimal strings (checked by parseMicro), energy in Wh or mWh and power in W
// as integers with the unit in the name, times in epoch ms.
import { errorSchema, meterIdSchema } from '../../api/schemas.js';
import { EV_BATTERY_CAPACITY_WH_MAX, EV_CHARGE_POINT_METERS_MAX, EV_QUERY_OFFERS_MAX, MAX_POWER_W_MAX } from '../../limits.js';
import { currencySchema, epochMsSchema, flowIdSchema, geoSchema, moneySchema } from '../schemas.js';
import type { Battery, OfferDirection, OfferSlot, SessionMode } from './rules.js';

const powerWSchema = { type: 'integer', minimum: 0, maximum: MAX_POWER_W_MAX } as const;

export interface NewOfferBody {
  id: string;
  direction: OfferDirection;
  currency: string;
  validFromMs: number;
  validToMs: number;
  slots: OfferSlot[];
}

export const newOfferSchema = {
  type: 'object',
  required: ['id', 'direction', 'currency', 'validFromMs', 'validToMs', 'slots'],
  additionalProperties: false,
  properties: {
    id: flowIdSchema,
    direction: { type: 'string', enum: ['sell', 'buy'] },
    currency: currencySchema,
    validFromMs: epochMsSchema,
    validToMs: epochMsSchema,
    slots: {
      type: 'array',
      items: {
        type: 'object', required: ['fromMs', 'toMs', 'price'], additionalProperties: false,
        properties: { fromMs: epochMsSchema, toMs: epochMsSchema, price: moneySchema },
      },
    },
  },
} as const;

export interface NewChargePointBody {
  id: string;
  ownerPartyId?: string;
  meterIds: string[];
  maxPowerW: number;
  geo: { lat: string; lon: string };
  tariff?: TariffRequest;
}

/** `{kind: "offer"}`, or `{kind: "ocpi", ocpi: <OCPI 2.2.1 Tariff>, timezone?: <IANA zone>}`; the pairing is checked in charge-points.ts. */
export interface TariffRequest {
  kind: 'offer' | 'ocpi';
  ocpi?: unknown;
  timezone?: string;
}

export const tariffSchema = {
  type: 'object', required: ['kind'], additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: ['offer', 'ocpi'] },
    ocpi: { type: 'object' },
    timezone: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;

export const newChargePointSchema = {
  type: 'object',
  required: ['id', 'meterIds', 'maxPowerW', 'geo'],
  additionalProperties: false,
  properties: {
    id: flowIdSchema,
    ownerPartyId: flowIdSchema,
    meterIds: { type: 'array', minItems: 1, maxItems: EV_CHARGE_POINT_METERS_MAX, uniqueItems: true, items: meterIdSchema },
    maxPowerW: { type: 'integer', minimum: 1, maximum: MAX_POWER_W_MAX },
    geo: geoSchema,
    tariff: tariffSchema,
  },
} as const;

export interface OfferQueryBody {
  vehicleId: string;
  mode: SessionMode;
  currency: string;
  battery: Battery;
  desiredEnergyWh: number;
  limit?: number;
}

export const offerQuerySchema = {
  type: 'object',
  required: ['vehicleId', 'mode', 'currency', 'battery', 'desiredEnergyWh'],
  additionalProperties: false,
  properties: {
    vehicleId: flowIdSchema,
    mode: { type: 'string', enum: ['charge', 'discharge'] },
    currency: currencySchema,
    battery: {
      type: 'object',
      required: ['capacityWh', 'stateOfChargePpm', 'maxChargePowerW', 'maxDischargePowerW'],
      additionalProperties: false,
      properties: {
        capacityWh: { type: 'integer', minimum: 1, maximum: EV_BATTERY_CAPACITY_WH_MAX },
        stateOfChargePpm: { type: 'integer', minimum: 0, maximum: 1_000_000 },
        maxChargePowerW: powerWSchema,
        maxDischargePowerW: powerWSchema,
      },
    },
    desiredEnergyWh: { type: 'integer', minimum: 1, maximum: EV_BATTERY_CAPACITY_WH_MAX },
    limit: { type: 'integer', minimum: 1, maximum: EV_QUERY_OFFERS_MAX },
  },
} as const;

export interface NewSessionBody {
  id: string;
  /** Required at a charge point priced at offers; absent under an OCPI tariff. */
  offerId?: string;
  chargePointId: string;
  meterId: string;
  vehicleId: string;
  /** Optional: the offer's direction gives it; under an OCPI tariff it is `charge`. */
  mode?: SessionMode;
}

export const newSessionSchema = {
  type: 'object',
  required: ['id', 'chargePointId', 'meterId', 'vehicleId'],
  additionalProperties: false,
  properties: {
    id: flowIdSchema, offerId: flowIdSchema, chargePointId: flowIdSchema, meterId: meterIdSchema, vehicleId: flowIdSchema,
    mode: { type: 'string', enum: ['charge', 'discharge'] },
  },
} as const;

export interface CloseSessionBody {
  startMs: number;
  endMs: number;
  meterId: string;
}

export const closeSessionSchema = {
  type: 'object',
  required: ['startMs', 'endMs', 'meterId'],
  additionalProperties: false,
  properties: { startMs: epochMsSchema, endMs: epochMsSchema, meterId: meterIdSchema },
} as const;

/** A reply `{<name>: object}`; the object's fields pass through unfiltered. */
export function objectReply(name: string) {
  return { type: 'object', required: [name], properties: { [name]: { type: 'object', additionalProperties: true } } } as const;
}

export const conflictResponses = { 409: errorSchema, 422: errorSchema } as const;
