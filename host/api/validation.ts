// Schema validation of every route and which code its failures answer
// (SPEC §1 "which code", docs/api.md "Which code on the HTTP routes"): a
// decimal-string field that is not one is `invalid_amount`; an integer or a
// count outside its range, either side, is `limit_exceeded` naming the limit;
// any other shape failure is the API's `invalid_request`.
import { DECIMAL_PATTERN } from '../decimal.js';

/** Marks a SPEC §1 decimal-string field; no `type` beside it, since Ajv's coercion would turn a JSON number into a string. */
export const DECIMAL_KEYWORD = 'x-decimal';
/** Names the limits.ts constant a schema bound comes from, so `limit_exceeded` can name it. */
export const LIMIT_KEYWORD = 'x-limit';

/** Ajv keyword definitions for the app's validator (app.ts). */
export const VALIDATION_KEYWORDS = [
  {
    keyword: DECIMAL_KEYWORD,
    schemaType: 'boolean',
    errors: false,
    validate: (_marked: boolean, value: unknown): boolean => typeof value === 'string' && DECIMAL_PATTERN.test(value),
  },
  { keyword: LIMIT_KEYWORD, schemaType: 'string' },
] as const;

/** A decimal string in major units (price, amount, rate): form checked here, range by the route (both `invalid_amount`). */
export function decimalSchema(description: string, example: string) {
  return { [DECIMAL_KEYWORD]: true, description: `${description}; a decimal string matching -?[0-9]+(\\.[0-9]{1,6})? (SPEC §1)`, examples: [example] } as const;
}

/** An integer in [minimum, maximum] whose bounds are the limit `limitName`. */
export function limitedIntegerSchema(minimum: number, maximum: number, limitName: string) {
  return { type: 'integer', minimum, maximum, [LIMIT_KEYWORD]: limitName } as const;
}

const RANGE_KEYWORDS: ReadonlySet<string> = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'maxLength']);

export type ValidationCode = 'invalid_amount' | 'limit_exceeded' | 'invalid_request';

export interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  parentSchema?: Record<string, unknown>;
}

/** The code and message of a Fastify validation failure in `context` (body, querystring, params); Ajv stops at the first error. */
export function validationFailureOf(errors: readonly AjvError[], context: string | undefined, message: string): { code: ValidationCode; message: string } {
  const first = errors[0];
  if (first === undefined) return { code: 'invalid_request', message };
  const field = `${context ?? 'request'}${first.instancePath}`;
  if (first.keyword === DECIMAL_KEYWORD) {
    return { code: 'invalid_amount', message: `${field} must be a decimal string like "12.340000" (at most 6 decimals, never a JSON number)` };
  }
  if (RANGE_KEYWORDS.has(first.keyword)) {
    const limitName = first.parentSchema?.[LIMIT_KEYWORD];
    const named = typeof limitName === 'string' ? `${limitName}: ` : '';
    return { code: 'limit_exceeded', message: `${named}${field} ${first.message ?? 'is out of range'}` };
  }
  return { code: 'invalid_request', message };
}
