#!/usr/bin/env node
// `gridsettle` — the exact-computation commands of SPEC §7: JSON on stdin,
// JSON on stdout; bad input exits 2 with {error: {code, message}} on stderr.
import { readFileSync } from 'node:fs';
import { GridsettleError } from '../errors.js';
import { safeNumber } from '../exact.js';
import { aggregate } from '../engine/aggregate.js';
import { price } from '../engine/price.js';
import { shareCompensation } from '../engine/share.js';
import { priceOcpiCdr } from '../ocpi/price.js';
import { readBoundedText } from './bounded-input.js';
import { ocpiPriceInput } from './ocpi-price.js';

const COMMANDS: Readonly<Record<string, (input: unknown) => unknown>> = {
  aggregate,
  price,
  share: shareCompensation,
};

// Computations that take options; they read stdin themselves when the options do not give the input.
const OPTION_COMMANDS: Readonly<Record<string, (args: string[]) => Promise<unknown>>> = {
  'ocpi-price': async (args) => priceOcpiCdr(await ocpiPriceInput(args, async () => parseJson(await readStdin()))),
};

// Long-running and store commands, loaded on demand so the computations never load Fastify.
const SERVICE_COMMANDS: Readonly<Record<string, (args: string[]) => Promise<number>>> = {
  serve: async (args) => (await import('../server/commands.js')).serve(args),
  init: async (args) => (await import('../server/commands.js')).init(args),
  'verify-ledger': async (args) => (await import('../server/verify-ledger.js')).verifyLedgerCommand(args),
  demo: async (args) => (await import('../server/demo.js')).demo(args),
};

const USAGE = `usage: gridsettle <command> < input.json

commands (JSON on stdin, JSON on stdout; SPEC.md §7):
  aggregate   meter readings -> interval energy and unassigned energy
  price       interval energy + tariff -> statement
  share       battery-sharing event -> weighted compensation and its split
  ocpi-price [--tariff FILE] [--cdr FILE] [--timezone ZONE]
              OCPI 2.2.1 tariff + CDR -> session totals, per-period lines (docs/ocpi.md);
              stdin {tariff, cdr, timezone?} unless --cdr is given

service commands (docs/api.md):
  demo [--meters N]                         the whole service on a temporary SQLite file: provision, ingest a simulated
                                            month, settle twice (late readings → adjustments), verify the ledger (default 300 meters)
  serve [--port N] [--host H] [--db PATH]   the HTTP API (GRIDSETTLE_SECRET_KEY; GRIDSETTLE_PG_URL for PostgreSQL)
  init [--db PATH] [--party ID]             create the first operator party; prints its API key once
                                            (and GRIDSETTLE_SECRET_KEY / GRIDSETTLE_LEDGER_KEY when they are not set)
  verify-ledger [--db PATH] [--public-key FILE] [--trusted-head FILE]
                                            re-check every ledger record, tree node, block and balance; prints a JSON report
                                            (GRIDSETTLE_LEDGER_PUBLIC_KEY or GRIDSETTLE_LEDGER_KEY when no --public-key);
                                            --trusted-head: a head saved from GET /v1/ledger/head that the log must extend

exit codes: 0 ok, 2 bad input ({"error":{"code","message"}} on stderr), 1 internal error,
            3 verify-ledger found a record that does not match (the report names it)`;

const EXIT_BAD_INPUT = 2;
const EXIT_INTERNAL = 1;

function readStdin(): Promise<string> {
  return readBoundedText(process.stdin as AsyncIterable<Buffer>);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GridsettleError('invalid_input', `stdin is not valid JSON: ${(error as Error).message}`);
  }
}

/** The library gives µ figures as bigints; its limits keep them safe integers, which JSON carries as numbers. */
function bigintAsNumber(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? safeNumber(value, 'an output figure') : value;
}

function fail(exitCode: number, code: string, message: string): void {
  process.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
  process.exitCode = exitCode;
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

async function main(argv: string[]): Promise<void> {
  const [command] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    if (command === undefined) process.exitCode = EXIT_BAD_INPUT;
    return;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${version()}\n`);
    return;
  }
  const service = SERVICE_COMMANDS[command];
  if (service !== undefined) {
    try {
      process.exitCode = await service(argv.slice(1));
    } catch (error) {
      fail(EXIT_INTERNAL, 'internal', (error as Error).stack ?? String(error));
    }
    return;
  }
  const compute = COMMANDS[command];
  const computeWithOptions = OPTION_COMMANDS[command];
  if (compute === undefined && computeWithOptions === undefined) {
    fail(EXIT_BAD_INPUT, 'unknown_command', `unknown command "${command}"\n${USAGE}`);
    return;
  }
  try {
    const output = compute === undefined ? await computeWithOptions!(argv.slice(1)) : compute(parseJson(await readStdin()));
    process.stdout.write(`${JSON.stringify(output, bigintAsNumber)}\n`);
  } catch (error) {
    if (error instanceof GridsettleError) fail(EXIT_BAD_INPUT, error.code, error.message);
    else fail(EXIT_INTERNAL, 'internal', (error as Error).stack ?? String(error));
  }
}

await main(process.argv.slice(2));
