// The demo's closing report on stdout: what was ingested, what the runs
// settled and billed, what the ledger holds, and whether it verifies.
import { currencyExponent } from '../currency.js';
import type { Statement } from '../engine/price.js';
import type { VerifyReport } from '../ledger/verify.js';
import type { FlowsReport } from './demo-flows.js';
import type { DemoRun, DemoWorld } from './demo-play.js';

const EXAMPLE_LINES = 6;
const number = (value: number): string => value.toLocaleString('en-US');
const monthName = (ms: number): string => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', month: 'long', year: 'numeric' }).format(ms);

/** A decimal money string ("-12.34") as integer minor units of a currency with `exponent` decimals. */
function minorUnits(amount: string, exponent: number): bigint {
  const negative = amount.startsWith('-');
  const [whole = '0', fraction = ''] = amount.replace('-', '').split('.');
  const units = BigInt(whole + fraction.padEnd(exponent, '0').slice(0, exponent));
  return negative ? -units : units;
}

function formatMinor(units: bigint, exponent: number): string {
  const digits = (units < 0n ? -units : units).toString().padStart(exponent + 1, '0');
  const whole = BigInt(digits.slice(0, digits.length - exponent)).toLocaleString('en-US');
  return `${units < 0n ? '-' : ''}${whole}${exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : ''}`;
}

function billedPerCurrency(statements: readonly Statement[]): string {
  const totals = new Map<string, bigint>();
  for (const statement of statements) {
    totals.set(statement.currency, (totals.get(statement.currency) ?? 0n) + minorUnits(statement.total, currencyExponent(statement.currency)));
  }
  return [...totals].map(([currency, units]) => `${currency} ${formatMinor(units, currencyExponent(currency))}`).join(', ');
}

function exampleLines(accountId: string, statement: Statement): string[] {
  const lines = statement.lines.slice(0, EXAMPLE_LINES).map((line) => {
    const what = [line.kind, line.period, line.tier === null ? null : `tier ${line.tier}`].filter((part) => part !== null).join(' ');
    const quantity = line.kwh === null ? `${line.days ?? ''} days` : `${line.kwh} kWh`;
    return `  ${accountId}  ${what.padEnd(20)} ${quantity.padStart(16)} × ${line.unitPrice} = ${line.amount}`;
  });
  const taxes = statement.taxes.map((tax) => `  ${accountId}  ${`tax ${tax.name}`.padEnd(20)} ${tax.base.padStart(16)} × ${tax.rate} = ${tax.amount}`);
  return [...lines, ...taxes, `  ${accountId}  ${'total'.padEnd(20)} ${''.padStart(16)}   ${statement.currency} ${statement.total}`];
}

function readingsLine(world: DemoWorld): string {
  const rejected = [...world.tally.rejected].sort(([a], [b]) => (a < b ? -1 : 1));
  const count = rejected.reduce((sum, [, frames]) => sum + frames, 0);
  const byCode = rejected.map(([code, frames]) => `${code} ${frames}`).join(', ');
  return `readings      accepted ${number(world.tally.accepted)} (${number(world.tally.late)} late), duplicates ${number(world.tally.duplicates)}, rejected ${count}${count > 0 ? ` (${byCode})` : ''}`;
}

function runLine(label: string, run: DemoRun): string {
  return `${label}  ${run.status}: ${run.progress.accountsDone} accounts, ${number(run.progress.readings)} readings, ${run.transfersPosted} transfers posted, ${run.durationMs ?? '?'} ms`;
}

function flowLines(flows: FlowsReport): string[] {
  const clock = `${new Date(flows.fromMs).toISOString()} → ${new Date(flows.toMs).toISOString()}`;
  return [`flows         over HTTP, a key per party, on the service clock ${clock} (moved forward by the demo)`, ...flows.lines.map((line) => `  ${line}`)];
}

export async function printSummary(world: DemoWorld, runs: readonly [DemoRun, DemoRun], flows: FlowsReport, report: VerifyReport): Promise<void> {
  const [first, second] = runs;
  const { statements } = await world.client.json<{ statements: Array<{ accountId: string; statement: Statement | null }> }>(
    'GET', `/v1/settlement-runs/${second.runId}/statements`,
  );
  const priced = statements.filter((stored) => stored.statement !== null);
  const example = priced[0];
  const out = [
    '',
    `gridsettle demo — SQLite in ${world.directory} (removed on exit), API at ${world.baseUrl}`,
    `meters        ${world.meters} on ${world.gateways.length} gateways; supplier supplier-1, network operator dso-1 (role transmission)`,
    `period        ${monthName(world.period.fromMs)} in Europe/Berlin [${new Date(world.period.fromMs).toISOString()}, ${new Date(world.period.toMs).toISOString()}), 15-minute readings, tariff demo-tou-berlin`,
    readingsLine(world),
    runLine('settlement #1', first),
    runLine('settlement #2', second),
    `statements    ${statements.length} (${priced.length} ok), total billed ${billedPerCurrency(priced.map((stored) => stored.statement!))}`,
    ...(example === undefined ? [] : exampleLines(example.accountId, example.statement!)),
    ...flowLines(flows),
    `ledger        ${first.transfersPosted + second.transfersPosted} settlement transfers (${second.transfersPosted} adjustments), ${flows.leaves} leaves from the flows, ` +
      (report.ok ? `tree size ${number(report.treeSize)}, ${report.blocks} block(s)` : 'see verifyLedger'),
    `verifyLedger  ${report.ok ? 'ok' : `FAILED at ${JSON.stringify(report.at)}: ${report.reason}`}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}
