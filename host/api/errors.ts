// The one error catalogue of the HTTP API: every error body is
// {error: {code, message}} with a stable code and status. Codes come from the
// ingest protocol (SPEC §6), the computations (SPEC §1) and the API itself.
import { BATCH_ERROR_STATUS } from '../ingest/errors.js';
import { CatalogueError } from '../catalogue-error.js';
import { GridsettleError, type ComputeErrorCode } from '../errors.js';
import { DuplicateKeyError } from '../store/party-store.js';
import { flowErrorOf } from '../flows/errors.js';
import { validationFailureOf, type AjvError } from './validation.js';

export const API_ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  already_exists: 409,
  uri_too_long: 414,
  internal: 500,
  not_ready: 503,
} as const;

/** SPEC §1 computation errors: bad input is 400, a missing price is 422 (the input is valid, the tariff has a hole). */
export const COMPUTE_ERROR_STATUS: Readonly<Record<ComputeErrorCode, number>> = {
  invalid_amount: 400,
  invalid_input: 400,
  limit_exceeded: 400,
  no_price: 422,
};

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

export class ApiError extends CatalogueError<ApiErrorCode> {
  constructor(code: ApiErrorCode, message: string) {
    super('ApiError', code, API_ERROR_STATUS[code], message);
  }
}

export interface ErrorReply {
  status: number;
  body: { error: { code: string; message: string } };
}

function reply(status: number, code: string, message: string): ErrorReply {
  return { status, body: { error: { code, message } } };
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message: string;
  validation?: readonly AjvError[];
  validationContext?: string;
}

// Fastify's own errors that have a catalogue code of their own.
const FASTIFY_CODES: Readonly<Record<string, keyof typeof BATCH_ERROR_STATUS>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed_body',
};

/** Maps anything thrown by a route, hook or plugin to its catalogue entry. 5xx messages are not echoed. */
export function errorReplyOf(error: unknown): ErrorReply {
  if (error instanceof CatalogueError) return reply(error.status, error.code, error.message);
  if (error instanceof GridsettleError) return reply(COMPUTE_ERROR_STATUS[error.code], error.code, error.message);
  const flowError = flowErrorOf(error);
  if (flowError !== null) return reply(flowError.status, flowError.code, flowError.message);
  if (error instanceof DuplicateKeyError) return reply(API_ERROR_STATUS.already_exists, 'already_exists', error.message);
  const fastifyError = error as FastifyLikeError;
  if (fastifyError.validation !== undefined) {
    const failure = validationFailureOf(fastifyError.validation, fastifyError.validationContext, fastifyError.message);
    return reply(400, failure.code, failure.message);
  }
  const batchCode = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
  if (batchCode !== undefined) return reply(BATCH_ERROR_STATUS[batchCode], batchCode, fastifyError.message);
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) return reply(400, 'invalid_request', fastifyError.message);
  return reply(500, 'internal', 'internal error');
}
