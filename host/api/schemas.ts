// JSON schemas shared by the API plugins: ids and names (the grammar of
// host/ids.ts) and the error body (list paging: paging.ts).
import { ID_PATTERN, NAME_PATTERN } from '../ids.js';
import { API_ID_LENGTH_MAX, DISPLAY_NAME_LENGTH_MAX, ID_LENGTH_MAX, INGEST_METER_ID_LENGTH_MAX } from '../limits.js';
import { LIMIT_KEYWORD } from './validation.js';

/** An id of 1 … `lengthMax` characters (the limits.ts constant `limitName`, at most ID_LENGTH_MAX); longer is `limit_exceeded` naming it. */
export function idSchemaOf(lengthMax: number, limitName: string) {
  if (lengthMax > ID_LENGTH_MAX) throw new RangeError(`${limitName} (${lengthMax}) is over ID_LENGTH_MAX (${ID_LENGTH_MAX})`);
  return { type: 'string', pattern: ID_PATTERN, minLength: 1, maxLength: lengthMax, [LIMIT_KEYWORD]: limitName } as const;
}

/** A display name (or free text such as a description) of 1 … `lengthMax` printable characters. */
export function nameSchemaOf(lengthMax: number, limitName: string) {
  return { type: 'string', pattern: NAME_PATTERN, minLength: 1, maxLength: lengthMax, [LIMIT_KEYWORD]: limitName } as const;
}

/** Party, gateway, API key, tariff and run ids. */
export const idSchema = idSchemaOf(API_ID_LENGTH_MAX, 'API_ID_LENGTH_MAX');
/** Meter ids, as the ingest protocol takes them (docs/ingest.md). */
export const meterIdSchema = idSchemaOf(INGEST_METER_ID_LENGTH_MAX, 'INGEST_METER_ID_LENGTH_MAX');
export const displayNameSchema = nameSchemaOf(DISPLAY_NAME_LENGTH_MAX, 'DISPLAY_NAME_LENGTH_MAX');

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
  },
} as const;

/** Error responses every authenticated route can give. */
export const authErrorResponses = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema } as const;

export const bearerSecurity = [{ bearerAuth: [] }];
