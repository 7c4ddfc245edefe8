// One page of a list (docs/api.md "Lists"): the rows after the row whose key
// is `after`, in the list's stable order (null: from the first row), at most
// `limit`. Lists ordered by id compare ids bytewise on both backends (SQLite's
// BINARY collation, PostgreSQL's COLLATE "C"), so an `after` that is no
// stored id still has one place in the order.
export interface PageRequest {
  after: string | null;
  limit: number;
}

/** The lower bound of an id-ordered page: every stored id (never empty) is greater than ''. */
export function afterIdOf(page: PageRequest): string {
  return page.after ?? '';
}
