// JSON schemas of the settlement routes (docs/api.md "Settlement"). A tariff
// body is the SPEC §3 document: only its id is checked here, the pricing
// compiler validates the rest with the SPEC §1 codes.
import { READING_TIME_MS_MAX_EXCLUSIVE } from '../limits.js';
import { BILLING_ACCOUNT_ID_LENGTH_MAX } from '../settlement/settlement-limits.js';
import { idSchema, idSchemaOf } from './schemas.js';
import { safeNumber } from '../exact.js';

const timeMsSchema = { type: 'integer', minimum: 0, maximum: safeNumber(READING_TIME_MS_MAX_EXCLUSIVE, 'READING_TIME_MS_MAX_EXCLUSIVE') } as const;
/** Billing account ids: short enough for the ledger ids derived from them. */
export const billingAccountIdSchema = idSchemaOf(BILLING_ACCOUNT_ID_LENGTH_MAX, 'BILLING_ACCOUNT_ID_LENGTH_MAX');

export const newTariffSchema = {
  type: 'object', required: ['id'], properties: { id: idSchema },
} as const;

export const tariffReplySchema = {
  type: 'object', required: ['tariff'], properties: { tariff: { type: 'object', additionalProperties: true } },
} as const;

const billingAccountSchema = {
  type: 'object',
  required: ['accountId', 'ownerPartyId', 'supplierPartyId', 'tariffId', 'currency'],
  additionalProperties: false,
  properties: {
    accountId: billingAccountIdSchema, ownerPartyId: idSchema, supplierPartyId: idSchema, tariffId: idSchema,
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
  },
} as const;

export const newBillingAccountSchema = billingAccountSchema;

export const billingAccountReplySchema = {
  type: 'object', required: ['billingAccount'], properties: { billingAccount: billingAccountSchema },
} as const;

export const newRunSchema = {
  type: 'object',
  required: ['from', 'to'],
  additionalProperties: false,
  properties: { from: timeMsSchema, to: timeMsSchema, intervalMs: { type: 'integer', minimum: 1 }, runId: idSchema },
} as const;

export interface NewRunBody {
  from: number;
  to: number;
  intervalMs?: number;
  runId?: string;
}

const nullableInteger = { type: ['integer', 'null'] } as const;

export const runSchema = {
  type: 'object',
  properties: {
    runId: { type: 'string' }, from: { type: 'integer' }, to: { type: 'integer' }, intervalMs: { type: 'integer' },
    status: { type: 'string', enum: ['running', 'completed', 'failed'] },
    progress: {
      type: 'object',
      properties: { accountsDone: { type: 'integer' }, accountsTotal: { type: 'integer' }, readings: { type: 'integer' } },
    },
    accountsFailed: { type: 'integer' }, transfersPosted: { type: 'integer' }, startedAtMs: { type: 'integer' },
    finishedAtMs: nullableInteger, durationMs: nullableInteger, error: { type: ['string', 'null'] },
  },
} as const;

export const runReplySchema = { type: 'object', required: ['run'], properties: { run: runSchema } } as const;

export const statementsReplySchema = {
  type: 'object',
  required: ['statements'],
  properties: {
    statements: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          runId: { type: 'string' }, accountId: { type: 'string' },
          period: { type: 'object', properties: { from: { type: 'integer' }, to: { type: 'integer' } } },
          status: { type: 'string' },
          statement: { type: ['object', 'null'], additionalProperties: true },
          error: {
            type: ['object', 'null'],
            properties: {
              code: { type: 'string' }, message: { type: 'string' },
              meters: {
                type: 'array',
                items: { type: 'object', properties: { meterId: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const statementsQuerySchema = {
  type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: ['json', 'csv'] } },
} as const;

export const accountStatementsQuerySchema = {
  type: 'object',
  required: ['from', 'to'],
  additionalProperties: false,
  properties: { from: timeMsSchema, to: timeMsSchema, format: { type: 'string', enum: ['json', 'csv'] } },
} as const;
