// The one grammar of ids and display names (docs/api.md "Ids and names"):
// 1 … a stated maximum of printable characters, counted as Unicode code
// points like JSON Schema's maxLength. Refused everywhere: C0 controls, DEL
// and C1 controls (U+0000–U+001F, U+007F–U+009F) and lone surrogates, which
// PostgreSQL's UTF8 cannot store (a NUL is "invalid byte sequence"), so both
// backends hold the same ids. Ids also leave out '#', which the ledger
// reserves for the ids it derives (`<pending>#expired`). JSON schemas take
// the patterns (host/api/schemas.ts); places without a schema call idFault.

const NOT_PRINTABLE = '\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff';
/** JSON Schema `pattern`s: Ajv compiles them with the `u` flag, so a surrogate pair is one character and a lone one matches nothing. */
export const NAME_PATTERN = `^[^${NOT_PRINTABLE}]+$`;
export const ID_PATTERN = `^[^#${NOT_PRINTABLE}]+$`;
const NAME = new RegExp(NAME_PATTERN, 'u');
const ID = new RegExp(ID_PATTERN, 'u');
/** A code point takes at most two UTF-16 code units. */
const CODE_UNITS_PER_CHARACTER_MAX = 2;

/** Why a value is not an id (or name): not a non-empty string, longer than allowed, or a character outside the grammar. */
export type TextFault = 'shape' | 'length' | 'character';

/** Code points of `text` (a lone surrogate counts as one, as in JSON Schema). */
export function characterCount(text: string): number {
  let count = 0;
  for (const _character of text) count++;
  return count;
}

function textFault(value: unknown, lengthMax: number, grammar: RegExp): TextFault | null {
  if (typeof value !== 'string' || value.length === 0) return 'shape';
  // Cheap bound first: past twice the limit in code units it is too long without counting.
  if (value.length > lengthMax * CODE_UNITS_PER_CHARACTER_MAX || (value.length > lengthMax && characterCount(value) > lengthMax)) return 'length';
  return grammar.test(value) ? null : 'character';
}

/** What is wrong with `value` as an id of at most `lengthMax` characters, or null when nothing is. */
export function idFault(value: unknown, lengthMax: number): TextFault | null {
  return textFault(value, lengthMax, ID);
}

/** The same for a display name, or a ledger id that may name an id the ledger derived (with '#'). */
export function nameFault(value: unknown, lengthMax: number): TextFault | null {
  return textFault(value, lengthMax, NAME);
}
