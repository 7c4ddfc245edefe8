// JSON schemas of the ledger routes (SPEC §5, docs/api.md "Ledger"). Money
// crosses the API as a SPEC §1 µ amount: a decimal string of currency units,
// up to 6 decimals in, exactly 6 out ("12.340000"), never a JSON number.
import { ACCOUNT_RESULTS, TRANSFER_RESULTS } from '../ledger/result-codes.js';
import { API_LEDGER_BLOCKS_PER_PAGE_MAX, API_LEDGER_EVENTS_PER_REQUEST_MAX, LEDGER_ID_LENGTH_MAX, LEDGER_REFS_MAX } from '../limits.js';
import { nameSchemaOf } from './schemas.js';
import { decimalSchema, limitedIntegerSchema, LIMIT_KEYWORD } from './validation.js';

/** A transfer's amount as posted: the schema checks the form; the ledger answers a value out of range with the event's `invalid_amount`. */
const amountInSchema = decimalSchema('µ amount in currency units, up to 6 decimals', '12.34');
/** A µ amount as the API writes it: exactly 6 decimals. */
const microAmountSchema = { type: 'string', pattern: '^-?[0-9]+\\.[0-9]{6}$', description: 'µ amount in currency units, exactly 6 decimals', examples: ['12.340000'] } as const;
/** Ledger ids and account kinds: the grammar's characters; a '#' (reserved) is the event's own `invalid_id`, as the ledger decides. */
const ledgerIdSchema = nameSchemaOf(LEDGER_ID_LENGTH_MAX, 'LEDGER_ID_LENGTH_MAX');
const hexHashSchema = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const indexSchema = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

/** Unknown party is the API's own code: the ledger layer has no party registry. */
export const API_ACCOUNT_RESULTS = [...ACCOUNT_RESULTS, 'party_not_found'] as const;

const newAccountSchema = {
  type: 'object',
  required: ['id', 'party', 'currency', 'kind'],
  additionalProperties: false,
  properties: { id: ledgerIdSchema, party: ledgerIdSchema, currency: { type: 'string' }, kind: ledgerIdSchema, flags: { type: 'integer', default: 0 } },
} as const;

const eventListSchema = { type: 'array', minItems: 1, maxItems: API_LEDGER_EVENTS_PER_REQUEST_MAX, [LIMIT_KEYWORD]: 'API_LEDGER_EVENTS_PER_REQUEST_MAX' } as const;

export const newAccountsSchema = {
  type: 'object',
  required: ['accounts'],
  additionalProperties: false,
  properties: { accounts: { ...eventListSchema, items: newAccountSchema } },
} as const;

// One flat shape for the four types; the ledger answers a missing member with the event's result code.
const transferEventSchema = {
  type: 'object',
  required: ['type', 'id', 'ts'],
  additionalProperties: false,
  properties: {
    type: { type: 'string', enum: ['single', 'pending', 'post', 'void'] },
    id: ledgerIdSchema, ts: { type: 'integer' }, refs: { type: 'array', maxItems: LEDGER_REFS_MAX, [LIMIT_KEYWORD]: 'LEDGER_REFS_MAX', items: ledgerIdSchema },
    debit: ledgerIdSchema, credit: ledgerIdSchema, amount: amountInSchema, currency: { type: 'string' },
    code: { type: 'integer' }, timeoutMs: { type: 'integer' }, pendingId: ledgerIdSchema,
  },
} as const;

export const newTransfersSchema = {
  type: 'object',
  required: ['transfers'],
  additionalProperties: false,
  properties: { transfers: { ...eventListSchema, items: transferEventSchema } },
} as const;

export function resultsSchema(codes: readonly string[]) {
  return {
    type: 'object',
    required: ['results'],
    properties: {
      results: {
        type: 'array',
        items: { type: 'object', required: ['index', 'id', 'result'], properties: { index: { type: 'integer' }, id: { type: 'string' }, result: { type: 'string', enum: codes } } },
      },
    },
  } as const;
}

export const accountResultsSchema = resultsSchema(API_ACCOUNT_RESULTS);
export const transferResultsSchema = resultsSchema(TRANSFER_RESULTS);

export const balanceSchema = {
  type: 'object',
  required: ['debitsPosted', 'creditsPosted', 'debitsPending', 'creditsPending'],
  properties: { debitsPosted: microAmountSchema, creditsPosted: microAmountSchema, debitsPending: microAmountSchema, creditsPending: microAmountSchema },
} as const;

export const accountSchema = {
  type: 'object',
  required: ['id', 'party', 'currency', 'kind', 'flags', 'index', 'balance'],
  properties: {
    id: { type: 'string' }, party: { type: 'string' }, currency: { type: 'string' }, kind: { type: 'string' }, flags: { type: 'integer' },
    index: { type: 'integer', description: 'leaf index of the account record' }, balance: balanceSchema,
  },
} as const;

export const transferSchema = {
  type: 'object',
  required: ['id', 'index', 'type', 'debit', 'credit', 'amount', 'currency', 'code', 'ts', 'refs'],
  properties: {
    id: { type: 'string' }, index: { type: 'integer' }, type: { type: 'string' }, debit: { type: 'string' }, credit: { type: 'string' },
    amount: microAmountSchema, currency: { type: 'string' }, code: { type: 'integer' }, ts: { type: 'integer' },
    refs: { type: 'array', items: { type: 'string' } }, pendingId: { type: 'string' }, timeoutMs: { type: 'integer' },
    expiresAtMs: { type: 'integer' }, reason: { type: 'string' },
  },
} as const;

export const leafSchema = {
  type: 'object',
  required: ['index', 'kind', 'recordId', 'leafBase64', 'leafHash'],
  properties: {
    index: { type: 'integer' }, kind: { type: 'string' }, recordId: { type: 'string' },
    leafBase64: { type: 'string', description: 'the exact leaf bytes (RFC 8785 canonical JSON, UTF-8)' }, leafHash: hexHashSchema,
  },
} as const;

export const blockSchema = {
  type: 'object',
  required: ['height', 'prevBlockHash', 'treeSize', 'rootHash', 'ts', 'signatureBase64', 'publicKeyId'],
  properties: {
    height: { type: 'integer' }, prevBlockHash: hexHashSchema, treeSize: { type: 'integer' }, rootHash: hexHashSchema, ts: { type: 'integer' },
    signatureBase64: { type: 'string', description: 'Ed25519 over the canonical JSON of {height, prevBlockHash, treeSize, rootHash, ts}' },
    publicKeyId: hexHashSchema,
  },
} as const;

export const indexParamsSchema = { type: 'object', required: ['index'], properties: { index: indexSchema } } as const;
export const heightParamsSchema = { type: 'object', required: ['height'], properties: { height: indexSchema } } as const;
export const idParamsSchema = { type: 'object', required: ['id'], properties: { id: ledgerIdSchema } } as const;

export const blocksQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { from: { ...indexSchema, default: 0 }, limit: { ...limitedIntegerSchema(1, API_LEDGER_BLOCKS_PER_PAGE_MAX, 'API_LEDGER_BLOCKS_PER_PAGE_MAX'), default: 100 } },
} as const;

export const inclusionQuerySchema = {
  type: 'object', required: ['index', 'treeSize'], additionalProperties: false, properties: { index: indexSchema, treeSize: indexSchema },
} as const;

export const consistencyQuerySchema = {
  type: 'object', required: ['from', 'to'], additionalProperties: false, properties: { from: indexSchema, to: indexSchema },
} as const;

export const hashListSchema = { type: 'array', items: hexHashSchema } as const;
