// Reads of settlement results: run status, the statements of a run or of an
// account for a period (JSON), and the same as CSV (docs/settlement.md).
import type { Statement } from '../engine/price.js';
import type { MeterFailureRow, SettlementRunRecord, SettlementStore, StatementRow } from '../store/settlement-store.js';

export interface StoredStatement {
  runId: string;
  accountId: string;
  period: { from: number; to: number };
  status: 'ok' | 'failed';
  /** The SPEC §3 statement, null when the account failed. */
  statement: Statement | null;
  /** `meters`: in a run's statements, the meters that failed an account `meter_failed`, each with its own code. */
  error: { code: string; message: string; meters?: Array<{ meterId: string; code: string; message: string }> } | null;
}

function storedStatement(row: StatementRow): StoredStatement {
  return {
    runId: row.runId,
    accountId: row.accountId,
    period: { from: row.fromMs, to: row.toMs },
    status: row.status,
    statement: row.statementJson === null ? null : (JSON.parse(row.statementJson) as Statement),
    error: row.errorCode === null ? null : { code: row.errorCode, message: row.errorMessage ?? '' },
  };
}

export function settlementRun(store: SettlementStore, runId: string): Promise<SettlementRunRecord | null> {
  return store.run(runId);
}

/** Every account's outcome in the run, by account id. */
export async function runStatements(store: SettlementStore, runId: string): Promise<StoredStatement[]> {
  const failures = new Map<string, MeterFailureRow[]>();
  for (const failure of await store.meterFailuresOfRun(runId)) failures.set(failure.accountId, [...(failures.get(failure.accountId) ?? []), failure]);
  return (await store.statementsOfRun(runId)).map((row) => {
    const stored = storedStatement(row);
    const meters = failures.get(row.accountId);
    if (stored.error === null || meters === undefined) return stored;
    return { ...stored, error: { ...stored.error, meters: meters.map(({ meterId, code, message }) => ({ meterId, code, message })) } };
  });
}

/** The account's statements for the period from every run, oldest first: the last is the current one. */
export async function accountStatements(
  store: SettlementStore, accountId: string, period: { fromMs: number; toMs: number },
): Promise<StoredStatement[]> {
  return (await store.statementsOfAccount(accountId, period.fromMs, period.toMs)).map(storedStatement);
}

export const STATEMENT_CSV_COLUMNS = [
  'run', 'account', 'from', 'to', 'currency', 'kind', 'period', 'tier', 'kwh', 'unitPrice', 'days', 'base', 'amount', 'error',
] as const;

type CsvRow = Partial<Record<(typeof STATEMENT_CSV_COLUMNS)[number], string | number | null>>;

// A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
const FORMULA_START_PATTERN = /^[=+\-@\t\r]/;
// SPEC §1 decimals and integers ("-0.16", "-3") stay numbers: only they may start with "-" undefused.
const SPEC_NUMBER_PATTERN = /^-?[0-9]+(?:\.[0-9]+)?$/;

// RFC 4180: quote a field holding a comma, quote or line break; double inner quotes. A formula-like
// field (not a SPEC §1 number) is defused: a leading ' inside the quotes makes it text.
function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  const quoted = (cell: string) => `"${cell.replaceAll('"', '""')}"`;
  if (FORMULA_START_PATTERN.test(text) && !SPEC_NUMBER_PATTERN.test(text)) return quoted(`'${text}`);
  return /[",\r\n]/.test(text) ? quoted(text) : text;
}

function csvRows(stored: StoredStatement): CsvRow[] {
  const head = { run: stored.runId, account: stored.accountId, from: stored.period.from, to: stored.period.to };
  const statement = stored.statement;
  if (statement === null) return [{ ...head, kind: 'error', error: stored.error?.code ?? null }];
  const withCurrency = { ...head, currency: statement.currency };
  return [
    ...statement.lines.map((line): CsvRow => ({
      ...withCurrency, kind: line.kind, period: line.period, tier: line.tier, kwh: line.kwh, unitPrice: line.unitPrice,
      days: line.days ?? null, amount: line.amount,
    })),
    ...statement.taxes.map((tax): CsvRow => ({ ...withCurrency, kind: 'tax', period: tax.name, unitPrice: tax.rate, base: tax.base, amount: tax.amount })),
    { ...withCurrency, kind: 'total', amount: statement.total },
  ];
}

/** CSV (header + one row per line item, tax and total; an `error` row for a failed account), CRLF line ends. */
export function statementsCsv(statements: readonly StoredStatement[]): string {
  const lines = [STATEMENT_CSV_COLUMNS.join(',')];
  for (const stored of statements) {
    for (const row of csvRows(stored)) lines.push(STATEMENT_CSV_COLUMNS.map((column) => csvField(row[column])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
