// RFC 8785 JSON Canonicalization Scheme: the bytes of every ledger leaf
// (SPEC §5). Object keys sorted by UTF-16 code units, no whitespace,
// numbers in the ECMAScript shortest form, strings escaped as JSON.stringify
// does; lone surrogates and non-finite numbers are refused.

const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A string's canonical form; the plain scan for any surrogate first spares most strings the pairing check. */
export function canonicalString(value: string): string {
  if (SURROGATE.test(value) && LONE_SURROGATE.test(value)) throw new TypeError('canonicalJson: string holds a lone surrogate');
  return JSON.stringify(value);
}

export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return canonicalString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      return canonicalObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
  }
}

function canonicalObject(record: Record<string, unknown>): string {
  // Default sort compares UTF-16 code units, which is what RFC 8785 §3.2.3 asks.
  const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort();
  return `{${keys.map((key) => `${canonicalJson(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}

const encoder = new TextEncoder();

/** The UTF-8 bytes of the canonical form: a Merkle leaf. */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}
