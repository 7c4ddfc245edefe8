// JSON schemas shared by the API plugins: ids and the error body (list
// paging: paging.ts).
import { API_ID_LENGTH_MAX, INGEST_METER_ID_LENGTH_MAX } from '../limits.js';

/** Party and gateway ids: URL- and header-safe. */
export const idSchema = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', minLength: 1, maxLength: API_ID_LENGTH_MAX } as const;
/** Meter ids as the ingest protocol takes them (docs/ingest.md), without control characters. */
export const meterIdSchema = { type: 'string', pattern: '^[^\\u0000-\\u001f]+$', minLength: 1, maxLength: INGEST_METER_ID_LENGTH_MAX } as const;

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
