// JSON schemas of the metered-contract flows (S2, S7, S9).
import type { FastifyRequest } from 'fastify';
import { idSchemaOf, meterIdSchema } from '../api/schemas.js';
import { GridsettleError } from '../errors.js';
import { FLOW_CONTRACT_ID_LENGTH_MAX } from '../limits.js';
import { epochMsSchema } from './schemas.js';

/** Ids that ledger transfer ids are derived from: shorter than other flow ids. */
export const contractIdSchema = idSchemaOf(FLOW_CONTRACT_ID_LENGTH_MAX, 'FLOW_CONTRACT_ID_LENGTH_MAX');
export const contractIdParamsSchema = { type: 'object', required: ['id'], properties: { id: contractIdSchema } } as const;
/** A half-open span [from, to) of epoch ms: a contract period or a settlement window. */
export const spanSchema = {
  type: 'object', required: ['from', 'to'], additionalProperties: false, properties: { from: epochMsSchema, to: epochMsSchema },
} as const;
export const windowMsSchema = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;
/** Meter ids, distinct; the count is checked against FLOW_CONTRACT_METERS_MAX in code (limit_exceeded). */
export const meterListSchema = { type: 'array', minItems: 1, uniqueItems: true, items: meterIdSchema } as const;

/** A reply `{<name>: object}`; flow views are plain JSON built by the plugin. */
export function objectReply(name: string) {
  return { type: 'object', required: [name], properties: { [name]: { type: 'object', additionalProperties: true } } } as const;
}

/**
 * A preValidation hook: the body members at the dotted `paths`, when present,
 * must be JSON strings — SPEC §5 degrees are decimal strings, and a number is
 * refused with invalid_input. It runs before the schema, whose type coercion
 * would turn 52.1 into "52.1". (Money fields are checked by the schema's
 * decimal keyword, api/validation.ts.)
 */
export function stringMembers(...paths: string[]) {
  return async (request: FastifyRequest): Promise<void> => {
    for (const path of paths) {
      const value = path.split('.').reduce<unknown>((object, name) => (typeof object === 'object' && object !== null ? (object as Record<string, unknown>)[name] : undefined), request.body);
      if (value !== undefined && typeof value !== 'string') {
        throw new GridsettleError('invalid_input', `${path} must be a decimal string like "52.1", not a JSON ${typeof value}`);
      }
    }
  };
}
