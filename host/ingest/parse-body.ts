// Body bytes → a plain value, by media type (SPEC §6: msgpack, or JSON of
// the same shape). Nothing here knows the batch shape; decode.ts does.
import { Unpackr, type Options as UnpackrOptions } from 'msgpackr';
import { BatchError } from './errors.js';
import type { IngestLimits } from './ingest-limits.js';
import { assertJsonBounds, assertMsgpackBounds } from './body-bounds.js';

export type BodyFormat = 'msgpack' | 'json';

const FORMAT_BY_MEDIA_TYPE: ReadonlyMap<string, BodyFormat> = new Map([
  ['application/msgpack', 'msgpack'],
  ['application/x-msgpack', 'msgpack'],
  ['application/vnd.msgpack', 'msgpack'],
  ['application/json', 'json'],
]);

// 'auto' keeps int64 values beyond 2^53 as bigint instead of rounding them;
// maps become plain objects (msgpackr guards `__proto__` keys itself).
// Records and structured clones are off: their shared references let a few
// hundred bytes describe an exponentially large value (body-bounds.ts also
// refuses every ext type before msgpackr runs).
// The 2.1.4 typings omit 'auto', which the decoder implements.
const unpackrOptions = { useRecords: false, structuredClone: false, mapsAsObjects: true, int64AsType: 'auto' };
const unpackr = new Unpackr(unpackrOptions as unknown as UnpackrOptions);
/** How much of a decoder's error message a malformed_body message quotes. */
const DECODER_MESSAGE_CHARS_MAX = 160;
// `fatal` so that invalid UTF-8 is malformed instead of silently replaced.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The body format for a Content-Type header value. The media type is
 * matched case-insensitively; for JSON a `charset` parameter, if present,
 * must be utf-8. Anything else is 415.
 */
export function bodyFormatOf(contentType: string | undefined): BodyFormat {
  const [mediaType = '', ...parameters] = (contentType ?? '').split(';');
  const format = FORMAT_BY_MEDIA_TYPE.get(mediaType.trim().toLowerCase());
  if (format === undefined) {
    const shown = JSON.stringify(contentType ?? null);
    throw new BatchError('unsupported_media_type', `Content-Type ${shown} is not application/msgpack or application/json`);
  }
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=').map((part) => part.trim().toLowerCase());
    if (format === 'json' && name === 'charset' && value.replace(/^"|"$/g, '') !== 'utf-8') {
      throw new BatchError('unsupported_media_type', `JSON bodies must be UTF-8, not ${value}`);
    }
  }
  return format;
}

/** Size, media type, then syntax: 413, 415, then 400 malformed_body. */
export function parseBatchBody(body: Uint8Array, contentType: string | undefined, limits: Readonly<IngestLimits>): {
  format: BodyFormat;
  value: unknown;
} {
  if (body.byteLength > limits.bodyBytesMax) {
    throw new BatchError('body_too_large', `INGEST_BODY_BYTES_MAX: body is ${body.byteLength} bytes (limit ${limits.bodyBytesMax})`);
  }
  const format = bodyFormatOf(contentType);
  if (format === 'msgpack') assertMsgpackBounds(body);
  else assertJsonBounds(body);
  try {
    const value = format === 'msgpack' ? unpackr.unpack(body) : JSON.parse(utf8Decoder.decode(body));
    return { format, value };
  } catch (error) {
    // Only the decoder's own message, cut short: the error never carries the decoded value.
    const reason = error instanceof Error ? error.message : 'not an Error';
    throw new BatchError('malformed_body', `cannot parse the ${format} body: ${reason.slice(0, DECODER_MESSAGE_CHARS_MAX)}`);
  }
}
