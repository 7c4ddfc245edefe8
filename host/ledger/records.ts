// The leaf format (SPEC §5): each ledger record becomes the RFC 8785
// canonical JSON of one object whose `record` member names its kind.
// Writing and verifying share these functions, so the stored row and its
// leaf bytes can always be compared byte for byte.
import { canonicalBytes, canonicalJson, canonicalString } from './canonical-json.js';
import { formatMicro, parseMicro } from '../decimal.js';
import { ACCOUNT_RECORD, TRANSFER_RECORD, type AccountRow, type RecordRow, type TransferRow } from '../store/ledger-store.js';

export { ACCOUNT_RECORD, TRANSFER_RECORD };
/** Kinds a generic record may not take: they have their own tables and rules. */
export const RESERVED_RECORD_KINDS: ReadonlySet<string> = new Set([ACCOUNT_RECORD, TRANSFER_RECORD]);

export function accountRecord(row: AccountRow): Record<string, unknown> {
  return { record: ACCOUNT_RECORD, id: row.id, party: row.party, currency: row.currency, kind: row.kind, flags: row.flags };
}

/** Absent optional members are left out, not written as null. */
export function transferRecord(row: TransferRow): Record<string, unknown> {
  return {
    record: TRANSFER_RECORD, id: row.id, type: row.type, debit: row.debit, credit: row.credit,
    amount: formatMicro(row.amountMicro), currency: row.currency, code: row.code, ts: row.ts,
    refs: JSON.parse(row.refs) as string[],
    pendingId: row.pendingId ?? undefined, timeoutMs: row.timeoutMs ?? undefined,
    expiresAt: row.expiresAtMs ?? undefined, reason: row.reason ?? undefined,
  };
}

/**
 * The canonical JSON of transferRecord(row), written directly with its keys
 * in RFC 8785 order: the append hot path. verifyLedger recomputes leaves
 * with the generic canonicalJson, so any divergence would be reported.
 */
export function transferLeafText(row: TransferRow): string {
  const optional = (key: string, value: string | null): string => (value === null ? '' : `,"${key}":${value}`);
  return `{"amount":"${formatMicro(row.amountMicro)}","code":${row.code},"credit":${canonicalString(row.credit)},` +
    `"currency":${canonicalString(row.currency)},"debit":${canonicalString(row.debit)}` +
    optional('expiresAt', row.expiresAtMs === null ? null : String(row.expiresAtMs)) +
    `,"id":${canonicalString(row.id)}` +
    optional('pendingId', row.pendingId === null ? null : canonicalString(row.pendingId)) +
    optional('reason', row.reason === null ? null : canonicalString(row.reason)) +
    `,"record":"${TRANSFER_RECORD}","refs":${row.refs}` +
    optional('timeoutMs', row.timeoutMs === null ? null : String(row.timeoutMs)) +
    `,"ts":${row.ts},"type":${canonicalString(row.type)}}`;
}

/** A record with a client id carries it as `id`; one without has none (and is named by its index). */
export function genericRecord(row: RecordRow): Record<string, unknown> {
  const record: Record<string, unknown> = { record: row.kind, body: JSON.parse(row.body) as unknown };
  if (row.recordId !== null) record.id = row.recordId;
  return record;
}

export function leafBytesOf(record: Record<string, unknown>): Uint8Array {
  return canonicalBytes(record);
}

export function refsText(refs: readonly string[]): string {
  return refs.length === 0 ? '[]' : canonicalJson(refs);
}

/** Parses a leaf's amount back to µ (for independent verifiers and tests). */
export function amountOfLeaf(leaf: Uint8Array): bigint {
  const record = JSON.parse(new TextDecoder().decode(leaf)) as { amount: unknown };
  return parseMicro(record.amount, 'amount', 0n, 2n ** 63n - 1n);
}
