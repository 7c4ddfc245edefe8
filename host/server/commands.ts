// `gridsettle serve` and `gridsettle init` (docs/api.md "Configuration").
// Flags win over environment variables; GRIDSETTLE_PG_URL selects PostgreSQL.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { buildApp } from '../api/app.js';
import {
  ConfigError, LEDGER_KEY_ENV, PG_URL_ENV, SECRET_KEY_ENV, ledgerSignerFromEnv, sealingKeyFromHex, storeLocationOf, type LocationOptions,
} from '../api/config.js';
import { generateLedgerKeyText, publicKeyBase64 } from '../ledger/keys.js';
import { openStore } from '../store/open-store.js';
import { AlreadyInitialisedError, FIRST_OPERATOR_ID, initOperator } from './init.js';

export const PORT_DEFAULT = 8080;
export const HOST_DEFAULT = '127.0.0.1';
const EXIT_OK = 0;
const EXIT_BAD_INPUT = 2;

function failInput(code: string, message: string): number {
  process.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
  return EXIT_BAD_INPUT;
}

/** Bad flags and configuration exit 2 with a catalogue-shaped error; anything else propagates (exit 1). */
export async function withInputErrors(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ConfigError) return failInput('invalid_config', error.message);
    if (error instanceof AlreadyInitialisedError) return failInput('already_initialised', error.message);
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) return failInput('invalid_arguments', (error as Error).message);
    throw error;
  }
}

export function locationOf(db: string | undefined): LocationOptions {
  const location: LocationOptions = {};
  const postgresUrl = process.env[PG_URL_ENV];
  if (postgresUrl !== undefined && postgresUrl !== '') location.postgresUrl = postgresUrl;
  const sqlitePath = db ?? process.env.GRIDSETTLE_DB;
  if (sqlitePath !== undefined) location.sqlitePath = sqlitePath;
  return location;
}

/** GRIDSETTLE_INGEST_MAX_LOOP_DELAY_MS: the event-loop delay above which ingest answers 503 (0: off). */
function maxLoopDelayOf(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const delayMs = Number(text);
  if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > 60_000) throw new ConfigError(`GRIDSETTLE_INGEST_MAX_LOOP_DELAY_MS must be an integer 0 … 60000, got ${text}`);
  return delayMs;
}

function portOf(text: string | undefined): number {
  const port = Number(text ?? PORT_DEFAULT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`port must be an integer 0 … 65535, got ${text}`);
  return port;
}

export function serve(args: string[]): Promise<number> {
  return withInputErrors(async () => {
    const { values } = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' }, db: { type: 'string' } } });
    const port = portOf(values.port ?? process.env.GRIDSETTLE_PORT);
    const host = values.host ?? process.env.GRIDSETTLE_HOST ?? HOST_DEFAULT;
    const sealingKey = sealingKeyFromHex(process.env[SECRET_KEY_ENV]);
    const ledgerSigner = ledgerSignerFromEnv();
    const maxEventLoopDelayMs = maxLoopDelayOf(process.env.GRIDSETTLE_INGEST_MAX_LOOP_DELAY_MS);
    const app = await buildApp({
      ...locationOf(values.db), sealingKey, ledgerSigner, logger: { level: process.env.GRIDSETTLE_LOG_LEVEL ?? 'info' },
      ...(maxEventLoopDelayMs === undefined ? {} : { ingest: { maxEventLoopDelayMs } }),
    });
    let closing = false;
    // app.close() stops accepting connections, lets in-flight batches commit and answer, then closes the store.
    const shutDown = (signal: NodeJS.Signals): void => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'shutting down');
      app.close().then(() => process.exit(EXIT_OK), (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
    };
    process.once('SIGTERM', shutDown);
    process.once('SIGINT', shutDown);
    await app.listen({ port, host });
    return EXIT_OK;
  });
}

/** The keys init generates when they are not configured; the operator must keep them (serve needs the same ones). */
function generatedKeys(): { sealingKeyHex: string; output: Record<string, string> } {
  const output: Record<string, string> = {};
  const notes: string[] = [];
  let sealingKeyHex = process.env[SECRET_KEY_ENV] ?? '';
  if (sealingKeyHex === '') {
    sealingKeyHex = randomBytes(32).toString('hex');
    output.secretKey = sealingKeyHex;
    notes.push(`set ${SECRET_KEY_ENV} to secretKey`);
  }
  const ledgerKey = process.env[LEDGER_KEY_ENV] ?? '';
  if (ledgerKey === '') {
    const generated = generateLedgerKeyText();
    output.ledgerKey = generated.privateKeyBase64;
    output.ledgerPublicKey = generated.publicKeyBase64;
    notes.push(`set ${LEDGER_KEY_ENV} to ledgerKey (keep it secret; ledgerPublicKey verifies the blocks)`);
  } else {
    output.ledgerPublicKey = publicKeyBase64(ledgerSignerFromEnv(ledgerKey).publicKey);
  }
  if (notes.length > 0) output.note = `${notes.join('; ')} before gridsettle serve`;
  return { sealingKeyHex, output };
}

export function init(args: string[]): Promise<number> {
  return withInputErrors(async () => {
    const { values } = parseArgs({ args, options: { db: { type: 'string' }, party: { type: 'string' } } });
    const { sealingKeyHex, output } = generatedKeys();
    const sealingKey = sealingKeyFromHex(sealingKeyHex);
    const store = await openStore(storeLocationOf(locationOf(values.db)), sealingKey);
    try {
      const result = await initOperator(store, Date.now(), values.party ?? FIRST_OPERATOR_ID);
      process.stdout.write(`${JSON.stringify({ ...result, ...output })}\n`);
    } finally {
      await store.close();
    }
    return EXIT_OK;
  });
}
