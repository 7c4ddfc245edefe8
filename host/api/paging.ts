// Cursor paging of the list routes (docs/api.md "Lists"): `?limit=&after=`,
// and every reply carries `next`, the `after` of the following page (null
// on the last one). A cursor is the id of the page's last item.
import { limitExceeded } from '../errors.js';
import { API_LIST_LIMIT_DEFAULT, API_LIST_LIMIT_MAX, ID_LENGTH_MAX } from '../limits.js';
import type { PageRequest } from '../store/page.js';
import { nameSchemaOf } from './schemas.js';
import { LIMIT_KEYWORD } from './validation.js';

/** No `maximum` here: a limit over API_LIST_LIMIT_MAX is `limit_exceeded` naming it, like every other limit. */
export const pageQueryProperties = {
  limit: {
    type: 'integer', minimum: 1, default: API_LIST_LIMIT_DEFAULT, [LIMIT_KEYWORD]: 'API_LIST_LIMIT_MAX',
    description: `items per page, at most ${API_LIST_LIMIT_MAX} (API_LIST_LIMIT_MAX; more is 400 limit_exceeded)`,
  },
  // Any id a list is ordered by, ledger-derived ones (with '#') included.
  after: { ...nameSchemaOf(ID_LENGTH_MAX, 'ID_LENGTH_MAX'), description: 'the `next` of the previous page' },
} as const;

export const pageQuerySchema = { type: 'object', additionalProperties: false, properties: pageQueryProperties } as const;

export interface PageQuery {
  limit: number;
  after?: string;
}

/** A reply `{[name]: [item…], next}`. */
export function pageReplySchema(name: string, itemSchema: object) {
  return {
    type: 'object',
    required: [name, 'next'],
    properties: {
      [name]: { type: 'array', items: itemSchema },
      next: { type: ['string', 'null'], description: 'pass as `after` for the next page; null on the last page' },
    },
  } as const;
}

/** What to ask the store for: one item more than the page, to know whether another page follows. */
export function pageRequestOf(query: PageQuery): PageRequest {
  if (query.limit > API_LIST_LIMIT_MAX) throw limitExceeded('API_LIST_LIMIT_MAX', `limit ${query.limit} is over ${API_LIST_LIMIT_MAX} items per page`);
  return { after: query.after ?? null, limit: query.limit + 1 };
}

/** The page's items and the cursor of the next page (its last item's key), or null when nothing follows. */
export function pageOf<T>(rows: readonly T[], query: PageQuery, keyOf: (row: T) => string): { items: T[]; next: string | null } {
  const items = rows.slice(0, query.limit);
  return { items, next: rows.length > query.limit ? keyOf(items[items.length - 1]!) : null };
}
