// JSON schemas shared by the flow plugins. Money crosses the API as a SPEC §1
// decimal string of currency units (≤ 6 decimals, parsed with parseMicro);
// energy and power as JSON integers with their unit in the name (energyMWh,
// powerW); times as epoch ms.
import { idSchemaOf } from '../api/schemas.js';
import { decimalSchema } from '../api/validation.js';
import { FLOW_ID_LENGTH_MAX } from '../limits.js';

/** Flow object ids (offers, sessions, sites, …). */
export const flowIdSchema = idSchemaOf(FLOW_ID_LENGTH_MAX, 'FLOW_ID_LENGTH_MAX');
/** Money and prices: the form is checked by the schema, the range by parseMicro (both invalid_amount). */
export const moneySchema = decimalSchema('an amount or price in currency units', '12.50');
export const currencySchema = { type: 'string', pattern: '^[A-Z]{3}$' } as const;
export const epochMsSchema = { type: 'integer', minimum: 0, maximum: 253_402_300_799_999 } as const;
/** Non-negative integer energy in mWh, up to 2^53 − 1. */
export const energyMWhSchema = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
/** Geodetic reference (SPEC §5): decimal degrees with at most 7 decimals, as strings. */
export const geoSchema = {
  type: 'object',
  required: ['lat', 'lon'],
  additionalProperties: false,
  properties: {
    lat: { type: 'string', pattern: '^-?[0-9]{1,2}(\\.[0-9]{1,7})?$' },
    lon: { type: 'string', pattern: '^-?[0-9]{1,3}(\\.[0-9]{1,7})?$' },
  },
} as const;
export const flowIdParamsSchema = { type: 'object', required: ['id'], properties: { id: flowIdSchema } } as const;
